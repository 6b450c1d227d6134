"""The change log of matchable data (profiles, needs, offers, consent, deletions).

Writers append the ids of members whose matchable data changed, in the same transaction as the
change; each worker replays the log to keep its in-memory matching index fresh.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import IndexChange, utcnow


async def record_changes(session: AsyncSession, member_ids: Iterable[int]) -> None:
    """Log that these members' matchable data changed (committed with the caller's change)."""
    ids = sorted(set(member_ids))
    if ids:
        now = utcnow()
        await session.execute(
            insert(IndexChange), [{"member_id": i, "changed_at": now} for i in ids]
        )


async def current_version(session: AsyncSession) -> int:
    """The index version recorded in the database (0 before any change)."""
    return int(await session.scalar(select(func.max(IndexChange.seq))) or 0)
