"""Cohort assignment: every member with an open need gets a coach at once, optimally.

Members: people who can be mentored (plain members: not coaches, trainers or animators, and
never the animator running the assignment), consenting, not paused, with at least one open
need, no accepted mentor and no pending mentor request. Coaches: coaches and trainers with
remaining capacity. Scores come from the engine; pairs that already had a request score zero.
The optimum (exact, see `matching.assignment`) is shown beside what a pass without
optimisation (each member in turn takes the best coach left) would achieve. Each pair carries
the engine's reasons (`MemberIndex.explain_mentor`).

Confirming may keep only some pairs (the animator drops the others): each kept pair is checked
again against the current state (member still waiting, coach still has room, pair still new)
and only those are proposed.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.assignment import AssignmentResult, assign_greedy, assign_optimal
from matching.index import MemberIndex
from matching.profiles import MemberProfile
from service.db.changes import record_changes
from service.db.models import MatchRequest, Member
from service.mail import notify
from service.matches.exclusions import (
    accepted_counts,
    known_pairs,
    mentees_with_accepted_mentor,
    pending_mentees,
)
from service.matches.index import IndexKeeper
from service.matches.schemas import CohortAssignment, CohortResponse, Unassigned

NO_LONGER = (
    "ce binôme n'est plus possible (le membre a déjà un coach ou le coach n'a plus de place)"
)
MENTORED_ROLES = ("member",)
"""Roles that can be mentored in a cohort: coaches, trainers and animators accompany or run it."""


async def _remaining_capacities(session: AsyncSession, coach_ids: list[int]) -> np.ndarray:
    accepted = await accepted_counts(session)
    capacity = {
        member_id: value
        for member_id, value in await session.execute(
            select(Member.id, Member.capacity).where(Member.id.in_(coach_ids))
        )
    }
    return np.asarray(
        [max(capacity.get(c, 0) - accepted.get(c, 0), 0) for c in coach_ids], dtype=np.int64
    )


def _served(result: AssignmentResult) -> int:
    return int((result.coach_of >= 0).sum())


def can_be_mentored(profile: MemberProfile, animator_id: int | None) -> bool:
    """A plain member with an open need, available, who is not the animator running it."""
    return (
        bool(profile.needs)
        and profile.available
        and profile.role in MENTORED_ROLES
        and profile.id != animator_id
    )


async def _propose(
    session: AsyncSession, mentee: MemberProfile, coach: MemberProfile, score: float
) -> int:
    request = MatchRequest(
        kind="mentor",
        mentee_id=mentee.id,
        coach_id=coach.id,
        need_id=mentee.needs[0].id,
        created_by="cohort",
        score=score,
        message="Proposition issue de l'affectation de cohorte.",
    )
    session.add(request)
    await session.flush()
    await record_changes(session, [mentee.id, coach.id])
    await notify.request_created(session, request)
    return request.id


def _pair(
    engine: MemberIndex, mentee: MemberProfile, coach: MemberProfile, score: float
) -> CohortAssignment:
    return CohortAssignment(
        mentee_id=mentee.id,
        mentee_name=mentee.display_name,
        coach_id=coach.id,
        coach_name=coach.display_name,
        score=round(score, 4),
        reasons=list(engine.explain_mentor(mentee.id, coach.id)),
    )


async def assign_cohort(
    session: AsyncSession,
    index: IndexKeeper,
    *,
    dry_run: bool,
    animator_id: int | None = None,
    keep: Collection[tuple[int, int]] | None = None,
) -> CohortResponse:
    """Plan (and unless `dry_run`, propose) the optimal assignment of members to coaches.

    `keep`: when confirming, only these `(mentee_id, coach_id)` pairs are proposed, each
    checked again; the others are dropped.
    """
    engine = await index.sync()
    served_already = await mentees_with_accepted_mentor(session) | await pending_mentees(session)
    profiles = [engine.profile(i) for i in sorted(index.member_ids)]
    mentees = [
        p for p in profiles if can_be_mentored(p, animator_id) and p.id not in served_already
    ]
    coaches = [p for p in profiles if p.is_coach and p.available]
    mentee_ids = [p.id for p in mentees]
    coach_ids = [p.id for p in coaches]
    capacities = await _remaining_capacities(session, coach_ids)
    scores = engine.cohort_scores(mentee_ids, coach_ids).tolil()
    col = {coach_id: j for j, coach_id in enumerate(coach_ids)}
    row = {mentee_id: i for i, mentee_id in enumerate(mentee_ids)}
    for mentee_id, coach_id in await known_pairs(session):
        if mentee_id in row and coach_id in col:
            scores[row[mentee_id], col[coach_id]] = 0.0
    scores = scores.tocsr()
    if keep is not None and not dry_run:
        return await _confirm_kept(session, engine, mentees, coaches, scores, capacities, keep)
    optimal = assign_optimal(scores, capacities)
    greedy = assign_greedy(scores, capacities)

    assignments: list[CohortAssignment] = []
    for i, j in enumerate(optimal.coach_of):
        if j < 0:
            continue
        pair = _pair(engine, mentees[i], coaches[int(j)], float(optimal.scores[i]))
        if not dry_run:
            pair.request_id = await _propose(session, mentees[i], coaches[int(j)], pair.score)
        assignments.append(pair)
    unassigned = [
        Unassigned(member_id=mentees[i].id, display_name=mentees[i].display_name, reason=reason)
        for i, reason in sorted(optimal.unassigned_reasons.items())
    ]
    return CohortResponse(
        dry_run=dry_run,
        assignments=assignments,
        total_score=round(float(optimal.total_score), 4),
        members_served=_served(optimal),
        unassigned=unassigned,
        greedy_total_score=round(float(greedy.total_score), 4),
        greedy_members_served=_served(greedy),
    )


async def _confirm_kept(
    session: AsyncSession,
    engine: MemberIndex,
    mentees: list[MemberProfile],
    coaches: list[MemberProfile],
    scores: object,
    capacities: np.ndarray,
    keep: Collection[tuple[int, int]],
) -> CohortResponse:
    """Propose the kept pairs that are still possible; report the others as no longer so."""
    row = {p.id: i for i, p in enumerate(mentees)}
    col = {p.id: j for j, p in enumerate(coaches)}
    room = capacities.copy()
    assignments: list[CohortAssignment] = []
    refused: list[Unassigned] = []
    given: set[int] = set()
    for mentee_id, coach_id in sorted(set(keep)):
        i, j = row.get(mentee_id), col.get(coach_id)
        score = float(scores[i, j]) if i is not None and j is not None else 0.0  # type: ignore[index]
        if i is None or j is None or mentee_id in given or room[j] <= 0 or score <= 0:
            name = mentees[i].display_name if i is not None else f"membre {mentee_id}"
            refused.append(Unassigned(member_id=mentee_id, display_name=name, reason=NO_LONGER))
            continue
        room[j] -= 1
        given.add(mentee_id)
        pair = _pair(engine, mentees[i], coaches[j], score)
        pair.request_id = await _propose(session, mentees[i], coaches[j], score)
        assignments.append(pair)
    total = round(sum(a.score for a in assignments), 4)
    return CohortResponse(
        dry_run=False,
        assignments=assignments,
        total_score=total,
        members_served=len(assignments),
        unassigned=refused,
        greedy_total_score=total,
        greedy_members_served=len(assignments),
    )
