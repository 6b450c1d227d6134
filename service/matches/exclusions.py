"""Who may not be proposed: people at capacity, and pairs that already met in a request."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import MatchRequest, Member

PENDING = ("proposed", "info_requested")
_CHUNK = 500


COACHING = "mentor"
"""The request kind that uses a coach's capacity; peer exchange does not."""


def accepted_count_query(member_id: int):  # type: ignore[no-untyped-def]
    """How many accepted mentor pairs `member_id` answers for (they count against capacity)."""
    return (
        select(func.count(MatchRequest.id))
        .where(
            MatchRequest.coach_id == member_id,
            MatchRequest.status == "accepted",
            MatchRequest.kind == COACHING,
        )
        .scalar_subquery()
    )


async def remaining_capacity(session: AsyncSession, member_id: int) -> int:
    """Declared capacity minus accepted pairs (never below zero)."""
    row = (
        await session.execute(
            select(Member.capacity, accepted_count_query(member_id)).where(Member.id == member_id)
        )
    ).first()
    if row is None:
        return 0
    capacity, accepted = row
    return max(int(capacity) - int(accepted), 0)


async def accepted_counts(session: AsyncSession) -> dict[int, int]:
    """Accepted mentor pairs per answering member (only members who have some)."""
    rows = await session.execute(
        select(MatchRequest.coach_id, func.count(MatchRequest.id))
        .where(MatchRequest.status == "accepted", MatchRequest.kind == COACHING)
        .group_by(MatchRequest.coach_id)
    )
    return {int(member_id): int(count) for member_id, count in rows}


async def known_pairs(session: AsyncSession) -> set[tuple[int, int]]:
    """Every (mentee, coach) pair that already had a request, for cohort assignment."""
    rows = await session.execute(select(MatchRequest.mentee_id, MatchRequest.coach_id))
    return {(int(mentee), int(coach)) for mentee, coach in rows}


async def mentees_with_accepted_mentor(session: AsyncSession) -> set[int]:
    """Members who already have an accepted mentor pair (left out of cohort assignment)."""
    rows = await session.scalars(
        select(MatchRequest.mentee_id).where(
            MatchRequest.status == "accepted", MatchRequest.kind == "mentor"
        )
    )
    return set(rows)


async def pending_mentees(session: AsyncSession) -> set[int]:
    """Members with a mentor request still waiting for an answer."""
    rows = await session.scalars(
        select(MatchRequest.mentee_id).where(
            MatchRequest.status.in_(PENDING), MatchRequest.kind == "mentor"
        )
    )
    return set(rows)


class PairBook:
    """Per member: who they already have a request with (a withdrawn request does not count),
    and their accepted mentor pairs as answerer.

    Loaded whole at a rebuild, then reloaded for the members the change log names (every
    request event logs both of its members).
    """

    def __init__(self) -> None:
        self._partners: dict[int, set[int]] = {}
        self._accepted: dict[int, int] = {}

    @classmethod
    async def load(cls, session: AsyncSession) -> PairBook:
        """Every request's pair and accepted count."""
        book = cls()
        rows = await session.execute(
            select(
                MatchRequest.mentee_id,
                MatchRequest.coach_id,
                MatchRequest.status,
                MatchRequest.kind,
            )
        )
        for mentee, coach, status, kind in rows:
            book._add(int(mentee), int(coach), status, kind)
        return book

    async def reload(self, session: AsyncSession, member_ids: Collection[int]) -> None:
        """Re-read the requests of `member_ids` (both sides)."""
        ids = sorted(member_ids)
        for member_id in ids:
            self._partners.pop(member_id, None)
            self._accepted.pop(member_id, None)
        wanted = set(ids)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            rows = await session.execute(
                select(
                    MatchRequest.mentee_id,
                    MatchRequest.coach_id,
                    MatchRequest.status,
                    MatchRequest.kind,
                ).where(or_(MatchRequest.mentee_id.in_(chunk), MatchRequest.coach_id.in_(chunk)))
            )
            for mentee, coach, status, kind in rows:
                self._add(int(mentee), int(coach), status, kind, only=wanted)

    def _add(
        self, mentee: int, coach: int, status: str, kind: str, only: set[int] | None = None
    ) -> None:
        if status != "withdrawn":
            for me, other in ((mentee, coach), (coach, mentee)):
                if only is None or me in only:
                    self._partners.setdefault(me, set()).add(other)
        if status == "accepted" and kind == COACHING and (only is None or coach in only):
            self._accepted[coach] = self._accepted.get(coach, 0) + 1

    def partners(self, member_id: int) -> set[int]:
        """Everyone `member_id` has a request with, withdrawn ones aside (never proposed again)."""
        return self._partners.get(member_id, set())

    def accepted(self, member_id: int) -> int:
        """Accepted mentor pairs `member_id` answers for (they count against their capacity)."""
        return self._accepted.get(member_id, 0)
