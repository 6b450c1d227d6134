"""Who may not be proposed: people at capacity, and pairs that already met in a request."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import MatchRequest, Member

PENDING = ("proposed", "info_requested")


def accepted_count_query(member_id: int):  # type: ignore[no-untyped-def]
    """How many accepted pairs `member_id` answers for (counts against their capacity)."""
    return (
        select(func.count(MatchRequest.id))
        .where(MatchRequest.coach_id == member_id, MatchRequest.status == "accepted")
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
    """Accepted pairs per answering member (only members who have some)."""
    rows = await session.execute(
        select(MatchRequest.coach_id, func.count(MatchRequest.id))
        .where(MatchRequest.status == "accepted")
        .group_by(MatchRequest.coach_id)
    )
    return {int(member_id): int(count) for member_id, count in rows}


async def members_at_capacity(session: AsyncSession) -> set[int]:
    """Members whose accepted pairs already fill the capacity they declared (capacity > 0)."""
    accepted = (
        select(MatchRequest.coach_id, func.count(MatchRequest.id).label("n"))
        .where(MatchRequest.status == "accepted")
        .group_by(MatchRequest.coach_id)
        .subquery()
    )
    rows = await session.scalars(
        select(Member.id)
        .join(accepted, accepted.c.coach_id == Member.id)
        .where(accepted.c.n >= Member.capacity)
    )
    return set(rows)


async def partners_of(session: AsyncSession, member_id: int) -> set[int]:
    """Everyone `member_id` already has a request with, in any status: never proposed again."""
    as_mentee = select(MatchRequest.coach_id).where(MatchRequest.mentee_id == member_id)
    as_coach = select(MatchRequest.mentee_id).where(MatchRequest.coach_id == member_id)
    return set(await session.scalars(as_mentee.union(as_coach)))


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
