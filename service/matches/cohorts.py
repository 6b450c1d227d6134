"""Cohort assignment: every member with an open need gets a coach at once, optimally.

Members: consenting, not paused, with at least one open need, no accepted mentor and no pending
mentor request. Coaches: coaches and trainers with remaining capacity. Scores come from the
engine; pairs that already had a request score zero. The optimum (exact, see
`matching.assignment`) is shown beside what a greedy pass would achieve.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.assignment import AssignmentResult, assign_greedy, assign_optimal
from service.db.changes import record_changes
from service.db.models import MatchRequest, Member
from service.mail import notify
from service.matches.exclusions import (
    accepted_counts,
    known_pairs,
    mentees_with_accepted_mentor,
    pending_mentees,
)
from service.matches.index import MatchingIndex
from service.matches.schemas import CohortAssignment, CohortResponse, Unassigned


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


async def assign_cohort(
    session: AsyncSession, index: MatchingIndex, *, dry_run: bool
) -> CohortResponse:
    """Plan (and unless `dry_run`, propose) the optimal assignment of members to coaches."""
    engine = await index.sync()
    served_already = await mentees_with_accepted_mentor(session) | await pending_mentees(session)
    profiles = [engine.profile(i) for i in sorted(index.member_ids)]
    mentees = [
        p
        for p in profiles
        if p.needs and p.available and not p.is_coach and p.id not in served_already
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
    optimal = assign_optimal(scores, capacities)
    greedy = assign_greedy(scores, capacities)

    assignments: list[CohortAssignment] = []
    for i, j in enumerate(optimal.coach_of):
        if j < 0:
            continue
        mentee, coach = mentees[i], coaches[int(j)]
        request_id = None
        if not dry_run:
            request = MatchRequest(
                kind="mentor",
                mentee_id=mentee.id,
                coach_id=coach.id,
                need_id=mentee.needs[0].id,
                created_by="cohort",
                score=float(optimal.scores[i]),
                message="Proposition issue de l'affectation de cohorte.",
            )
            session.add(request)
            await session.flush()
            await record_changes(session, [mentee.id, coach.id])
            await notify.request_created(session, request)
            request_id = request.id
        assignments.append(
            CohortAssignment(
                mentee_id=mentee.id,
                mentee_name=mentee.display_name,
                coach_id=coach.id,
                coach_name=coach.display_name,
                score=round(float(optimal.scores[i]), 4),
                request_id=request_id,
            )
        )
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
