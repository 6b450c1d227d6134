"""Load the demo community into an empty database and give its role accounts a password."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.modules import load_catalogue, module_to_dict
from service.accounts.passwords import hash_password
from service.db.models import Account, Member
from service.imports.members import import_members
from service.training.modules import import_modules

COMMUNITY_FILE = Path(__file__).with_name("community.json")
DEMO_PASSWORD = "passerelle-demo"
DEMO_LOGINS: dict[str, str] = {
    "animator": "animatrice@demo.passerelle.fr",
    "coach": "coach@demo.passerelle.fr",
    "trainer": "formateur@demo.passerelle.fr",
    "member": "membre@demo.passerelle.fr",
}


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What `load_demo` did."""

    loaded: bool
    members: int
    modules: int = 0


async def database_is_empty(session: AsyncSession) -> bool:
    """True when no member exists yet."""
    return not await session.scalar(select(func.count(Member.id)))


async def load_demo(session: AsyncSession, *, force: bool = False) -> DemoResult:
    """Import the demo community (only into an empty database unless `force`)."""
    if not force and not await database_is_empty(session):
        return DemoResult(loaded=False, members=0)
    rows = json.loads(COMMUNITY_FILE.read_text(encoding="utf-8"))["members"]
    report = await import_members(session, rows)
    accounts = await session.scalars(select(Account).where(Account.email.in_(DEMO_LOGINS.values())))
    password_hash = hash_password(DEMO_PASSWORD)
    for account in accounts:
        account.password_hash = password_hash
    modules = await import_modules(session, [module_to_dict(m) for m in load_catalogue()])
    await session.flush()
    return DemoResult(
        loaded=True,
        members=report.created + report.updated + report.unchanged,
        modules=modules.created + modules.updated + modules.unchanged,
    )
