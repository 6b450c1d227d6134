"""A seeded community for the HTTP load benchmark: schema, members, catalogue, bearer tokens.

The database is filled with the service's own code (migrations, the bulk member import, the
catalogue import), so what the load benchmark reads is what a real import would have written.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from _population import Population
from rich.progress import Progress
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from catalogue.modules import load_catalogue, module_to_dict
from service.accounts.tokens import new_token, token_digest
from service.db.migrate import upgrade
from service.db.models import Account, ApiToken, MatchRequest, Member, Need, utcnow
from service.db.session import make_engine
from service.imports.members import MAX_IMPORT_ROWS, import_members
from service.training.modules import import_modules
from tests.postgres import reset_postgres

CALLERS = 2000
"""Members who send the load, each with their own bearer token."""
ACCEPT_COACHES = 12
"""Coaches whose last places are fought over while the mixed load runs."""


@dataclass(frozen=True, slots=True)
class Caller:
    """A member with a bearer token."""

    member_id: int
    token: str


@dataclass(frozen=True, slots=True)
class Coach:
    """A coach with a token, the capacity they declared and nobody accepted yet."""

    member_id: int
    capacity: int
    token: str


@dataclass(frozen=True, slots=True)
class Fixture:
    """What the load needs to know about the seeded database."""

    url: str
    members: int
    callers: list[Caller]
    coaches: list[Coach]


async def _seed_members(engine: AsyncEngine, count: int, seed: int) -> None:
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    population = Population(seed=seed)
    with Progress(transient=True) as progress:
        task = progress.add_task(f"importing {count:,} members", total=count)
        for start in range(0, count, MAX_IMPORT_ROWS):
            rows = list(population.rows(min(MAX_IMPORT_ROWS, count - start), start))
            async with sessionmaker() as session:
                await import_members(session, rows)
                await session.commit()
            progress.advance(task, len(rows))
    async with sessionmaker() as session:
        await import_modules(session, [module_to_dict(m) for m in load_catalogue()])
        await session.commit()


async def _issue_tokens(engine: AsyncEngine, member_ids: list[int]) -> dict[int, str]:
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    async with sessionmaker() as session:
        accounts = dict(
            (
                await session.execute(
                    select(Member.id, Member.account_id).where(Member.id.in_(member_ids))
                )
            ).all()
        )
        tokens = {member_id: new_token() for member_id in member_ids}
        expires = utcnow() + timedelta(days=1)
        await session.execute(
            insert(ApiToken),
            [
                {
                    "account_id": accounts[member_id],
                    "token_hash": token_digest(token),
                    "kind": "access",
                    "expires_at": expires,
                }
                for member_id, token in tokens.items()
            ],
        )
        await session.commit()
    return tokens


async def seed(url: str, count: int, seed_value: int = 0) -> None:
    """Migrate an empty database and import `count` synthetic members and the catalogue."""
    if url.startswith("postgresql"):
        await reset_postgres(url, create_missing=True)
    engine = make_engine(url)
    try:
        await upgrade(engine)
        await _seed_members(engine, count, seed_value)
    finally:
        await engine.dispose()


async def fixture(url: str, members: int, seed_value: int = 0) -> Fixture:
    """Tokens for random members with open needs, and for coaches nobody has accepted yet."""
    engine = make_engine(url)
    rng = random.Random(seed_value)
    try:
        async with async_sessionmaker(engine)() as session:
            with_needs = list(
                await session.scalars(
                    select(Member.id)
                    .join(Account, Account.id == Member.account_id)
                    .where(Account.role == "member", Member.consent.is_(True))
                    .where(Member.id.in_(select(Need.member_id).where(Need.status == "open")))
                )
            )
            engaged = select(MatchRequest.coach_id).union(select(MatchRequest.mentee_id))
            coaches = (
                await session.execute(
                    select(Member.id, Member.capacity)
                    .join(Account, Account.id == Member.account_id)
                    .where(Account.role == "coach", Member.capacity.between(1, 3))
                    .where(Member.paused.is_(False), Member.id.not_in(engaged))
                    .order_by(func.random())
                    .limit(ACCEPT_COACHES)
                )
            ).all()
            busy = set(await session.scalars(engaged))
        callers = rng.sample([m for m in with_needs if m not in busy], CALLERS)
        tokens = await _issue_tokens(engine, callers + [coach_id for coach_id, _ in coaches])
    finally:
        await engine.dispose()
    return Fixture(
        url=url,
        members=members,
        callers=[Caller(member_id, tokens[member_id]) for member_id in callers],
        coaches=[Coach(cid, capacity, tokens[cid]) for cid, capacity in coaches],
    )


async def accepted_over_capacity(url: str, coach_ids: list[int]) -> tuple[int, int]:
    """(accepted pairs of these coaches, coaches whose accepted pairs exceed their capacity)."""
    engine = make_engine(url)
    try:
        async with async_sessionmaker(engine)() as session:
            rows = (
                await session.execute(
                    select(Member.id, Member.capacity, func.count(MatchRequest.id))
                    .join(
                        MatchRequest,
                        (MatchRequest.coach_id == Member.id) & (MatchRequest.status == "accepted"),
                        isouter=True,
                    )
                    .where(Member.id.in_(coach_ids))
                    .group_by(Member.id, Member.capacity)
                )
            ).all()
    finally:
        await engine.dispose()
    accepted = sum(int(n) for _, _, n in rows)
    over = sum(1 for _, capacity, n in rows if int(n) > int(capacity))
    return accepted, over
