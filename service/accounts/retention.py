"""Retention of inactive accounts.

Rule: an account whose last activity (last sign-in, last profile change, or creation when
neither happened) is older than `DEFAULT_RETENTION_DAYS` (three years) is erased with everything
about it, exactly as if its owner had asked (`privacy.erase_member`). Animators are kept: they
administer the community and are reviewed by hand. `passerelle privacy retention --dry-run`
lists how many accounts the rule would erase without touching anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts.principal import Principal
from service.accounts.privacy import erase_member
from service.db.models import Account, Member, utcnow

DEFAULT_RETENTION_DAYS = 3 * 365


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """Which members the rule selected, and whether they were erased."""

    member_ids: list[int]
    erased: bool


async def inactive_members(session: AsyncSession, days: int) -> list[int]:
    """Members (not animators) inactive for more than `days` days."""
    cutoff = utcnow() - timedelta(days=days)
    last_activity = func.coalesce(Account.last_login_at, Account.created_at)
    rows = await session.scalars(
        select(Member.id)
        .join(Member.account)
        .where(
            Account.role != "animator",
            last_activity < cutoff,
            Member.updated_at < cutoff,
        )
        .order_by(Member.id)
    )
    return list(rows)


async def apply_retention(
    session: AsyncSession, days: int = DEFAULT_RETENTION_DAYS, *, dry_run: bool = True
) -> RetentionReport:
    """Erase (unless `dry_run`) every member the retention rule selects."""
    selected = await inactive_members(session, days)
    if not dry_run:
        for member_id in selected:
            system = Principal(account_id=0, member_id=0, role="animator")
            await erase_member(session, system, member_id)
    return RetentionReport(member_ids=selected, erased=not dry_run)
