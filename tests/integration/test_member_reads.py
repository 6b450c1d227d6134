"""The plain-statement profile read returns what the ORM view of the same member returns."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import selectinload

from service.accounts.principal import Principal
from service.db.models import Member
from service.db.session import make_engine
from service.members.reads import load_member_read
from service.members.services import to_read
from tests.integration.actors import Actors


async def test_the_cache_miss_read_equals_the_orm_view(
    client: AsyncTestClient[Any], actors: Actors, database_url: str
) -> None:
    alice = await actors.create(
        "coach",
        needs_text=["Animer une équipe à distance", "Mesurer l'impact"],
        offers_text=["Design de services", "Codéveloppement"],
        topics=["design"],
        tools=["wiki"],
        capacity=3,
    )
    met = (await client.get(f"/api/members/{alice.member_id}/needs", headers=alice.headers)).json()
    first = met["items"][0]["id"]
    changed = await client.patch(
        f"/api/needs/{first}", headers=alice.headers, json={"status": "met"}
    )
    assert changed.status_code == 200

    engine = make_engine(database_url)
    try:
        async with async_sessionmaker(engine)() as session:
            member = await session.scalar(
                select(Member)
                .where(Member.id == alice.member_id)
                .options(selectinload(Member.needs), selectinload(Member.offers))
            )
            assert member is not None
            animator = Principal(account_id=0, member_id=0, role="animator")
            expected = to_read(member, animator)
        read = await load_member_read(engine, alice.member_id)
        assert read == expected
        assert read is not None and read.needs == ["Mesurer l'impact"]
        assert await load_member_read(engine, 10**9) is None
    finally:
        await engine.dispose()
