"""From database rows to the engine's `MemberProfile` records."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from matching.profiles import MemberProfile
from matching.profiles import Need as EngineNeed
from service.db.models import Account, Member

_CHUNK = 1000


def to_profile(member: Member) -> MemberProfile:
    """The engine's view of a consenting member: open needs, offers, structure."""
    return MemberProfile(
        id=member.id,
        display_name=member.display_name,
        role=member.account.role,
        organization=member.organization,
        organization_type=member.organization_type,
        region=member.region,
        network_level=member.network_level,
        job_title=member.job_title,
        bio=member.bio,
        offers=tuple(offer.text for offer in member.offers),
        needs=tuple(
            EngineNeed(need.id, need.text, need.theme)
            for need in member.needs
            if need.status == "open"
        ),
        topics=tuple(member.topics or ()),
        capacity=member.capacity,
        peer_exchange=member.peer_exchange,
        available=not member.paused,
    )


async def load_profiles(
    session: AsyncSession, member_ids: Collection[int] | None = None
) -> list[MemberProfile]:
    """Matchable members (consent given, account active), all or only `member_ids`."""
    base = (
        select(Member)
        .join(Member.account)
        .where(Member.consent.is_(True), Account.is_active.is_(True))
        .options(selectinload(Member.needs), selectinload(Member.offers))
    )
    if member_ids is None:
        return [to_profile(member) for member in await session.scalars(base)]
    ids = sorted(member_ids)
    profiles: list[MemberProfile] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        profiles += [
            to_profile(member) for member in await session.scalars(base.where(Member.id.in_(chunk)))
        ]
    return profiles
