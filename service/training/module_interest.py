"""« Ça m'intéresse » on a training module: members say it, trainers count it.

Once per member and module, whatever arrives at the same time: the primary key
`(module_id, member_id)` and one `INSERT ... ON CONFLICT DO NOTHING`; saying it again, or
taking back an interest one never gave, changes nothing (both are idempotent). Only modules
the member may see (published ones) can be marked.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts.principal import Principal
from service.db.models import ModuleInterest, utcnow
from service.training.modules import get_module


class ModuleInterestRead(msgspec.Struct, kw_only=True):
    """Where a module's interest stands for the caller."""

    module_id: str
    interest: int
    mine: bool


async def count(session: AsyncSession, module_id: str) -> int:
    """Members interested in one module."""
    found = await session.scalar(select(func.count()).where(ModuleInterest.module_id == module_id))
    return int(found or 0)


async def express(
    session: AsyncSession, principal: Principal, module_id: str
) -> ModuleInterestRead:
    """Say « Ça m'intéresse » about a module the caller may see (again: nothing changes)."""
    await get_module(session, principal, module_id)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(ModuleInterest)
        .values(module_id=module_id, member_id=principal.member_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["module_id", "member_id"])
    )
    return ModuleInterestRead(
        module_id=module_id, interest=await count(session, module_id), mine=True
    )


async def withdraw(
    session: AsyncSession, principal: Principal, module_id: str
) -> ModuleInterestRead:
    """Take one's interest back (nothing happens when there was none)."""
    await get_module(session, principal, module_id)
    await session.execute(
        delete(ModuleInterest).where(
            ModuleInterest.module_id == module_id,
            ModuleInterest.member_id == principal.member_id,
        )
    )
    return ModuleInterestRead(
        module_id=module_id, interest=await count(session, module_id), mine=False
    )


async def counts(session: AsyncSession, ids: Sequence[str] | None = None) -> dict[str, int]:
    """Interested members per module (every module with interest when `ids` is None)."""
    statement = select(ModuleInterest.module_id, func.count()).group_by(ModuleInterest.module_id)
    if ids is not None:
        if not ids:
            return {}
        statement = statement.where(ModuleInterest.module_id.in_(ids))
    return {str(module_id): int(n) for module_id, n in await session.execute(statement)}


async def mine(session: AsyncSession, member_id: int, ids: Sequence[str]) -> set[str]:
    """The modules among `ids` the member said « Ça m'intéresse » about."""
    if not ids:
        return set()
    rows = await session.scalars(
        select(ModuleInterest.module_id).where(
            ModuleInterest.member_id == member_id, ModuleInterest.module_id.in_(ids)
        )
    )
    return set(rows)
