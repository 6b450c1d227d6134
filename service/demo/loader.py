"""Load the demo community into an empty database and give its role accounts a password."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.modules import load_catalogue, module_to_dict
from catalogue.practices import suggest_themes
from matching.themes import ThemeModel
from service.accounts.passwords import hash_password
from service.accounts.principal import Principal
from service.db.models import Account, Lesson, Member, Practice
from service.imports.members import import_members
from service.practices.services import add_practice, sheet_text
from service.questionnaire.importer import import_json
from service.questionnaire.schemas import JsonImport
from service.training.modules import import_modules

COMMUNITY_FILE = Path(__file__).with_name("community.json")
LIBRARY_FILE = Path(__file__).with_name("library.json")
ANSWERS_FILE = Path(__file__).with_name("answers.json")
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
    sheets: int = 0
    lessons: int = 0
    responses: int = 0


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
    sheets, lessons = await load_library(session)
    responses = await load_answers(session)
    return DemoResult(
        loaded=True,
        members=report.created + report.updated + report.unchanged,
        modules=modules.created + modules.updated + modules.unchanged,
        sheets=sheets,
        lessons=lessons,
        responses=responses,
    )


async def load_answers(session: AsyncSession) -> int:
    """Most demo members' answers to the current questionnaire, through the questionnaire
    import (so the animators' dashboard has figures from the start); how many were stored."""
    data = json.loads(ANSWERS_FILE.read_text(encoding="utf-8"))
    rows = msgspec.convert({"rows": data["rows"]}, JsonImport)
    report = await import_json(session, rows)
    return report.responses_created + report.responses_updated


async def load_library(session: AsyncSession) -> tuple[int, int]:
    """A few tool sheets by the demo coach, trainer and animator, and shared lessons (one of
    them the demo member's, which they may turn into a sheet). Skipped when sheets exist."""
    if await session.scalar(select(func.count(Practice.id))):
        return 0, 0
    data = json.loads(LIBRARY_FILE.read_text(encoding="utf-8"))
    ids = dict(
        (
            await session.execute(
                select(Account.email, Member.id).join(Member, Member.account_id == Account.id)
            )
        ).all()
    )
    sheets = 0
    for item in data["sheets"]:
        item = dict(item)
        author_id = ids.get(item.pop("author"))
        if author_id is None:
            continue
        author = Principal(account_id=0, member_id=author_id, role="coach")
        item["themes"] = suggest_themes(load_default_model(), sheet_text(item))
        await add_practice(session, item, author=author)
        sheets += 1
    for item in data["lessons"]:
        session.add(
            Lesson(
                author_id=ids.get(item["author"]),
                need_text=item["need"],
                text=item["text"],
                shared=True,
            )
        )
    await session.flush()
    return sheets, len(data["lessons"])


def load_default_model() -> ThemeModel:
    """The theme model fitted on the corpus (what a fresh service starts with)."""
    from service.themes.model import _fitted

    return _fitted(())[0]
