"""Test helper: accounts of each role, created directly in storage, with their tokens."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import Executable

from service.accounts.passwords import hash_password
from service.db.changes import record_changes
from service.db.models import Account, MatchRequest, Member, Need, Offer

PASSWORD = "correct-horse-battery"
_HASH = hash_password(PASSWORD)


@dataclass(frozen=True)
class Actor:
    """A signed-in member: id, email and the headers to call the API as them."""

    member_id: int
    email: str
    headers: dict[str, str]


class Actors:
    """Factory of signed-in accounts for a test app."""

    def __init__(self, database_url: str, client: AsyncTestClient[Any]) -> None:
        # The app runs in its own event loop: the tests use their own, unpooled engine.
        self._sessionmaker = async_sessionmaker(
            create_async_engine(database_url, poolclass=NullPool), expire_on_commit=False
        )
        self._client = client
        self._numbers = count(1)

    async def create(self, role: str = "member", **profile: Any) -> Actor:
        """An account with `role` and profile fields, consenting unless told otherwise."""
        number = next(self._numbers)
        email = profile.pop("email", f"{role}{number}@example.fr")
        profile.setdefault("display_name", f"{role.title()} {number}")
        profile.setdefault("consent", True)
        needs = [Need(text=text) for text in profile.pop("needs_text", [])]
        offers = [
            Offer(text=text, position=i) for i, text in enumerate(profile.pop("offers_text", []))
        ]
        async with self._sessionmaker() as session:
            member = Member(
                account=Account(email=email, password_hash=_HASH, role=role),
                needs=needs,
                offers=offers,
                **profile,
            )
            session.add(member)
            await session.flush()
            await record_changes(session, [member.id])
            await session.commit()
            member_id = member.id
        response = await self._client.post(
            "/api/auth/token", json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        return Actor(member_id, email, {"Authorization": f"Bearer {token}"})

    async def execute(self, statement: Executable) -> None:
        """Run a statement directly in storage (to set up states the API cannot reach)."""
        async with self._sessionmaker() as session:
            await session.execute(statement)
            await session.commit()

    async def bulk_members(self, rows: list[dict[str, Any]]) -> list[int]:
        """Many consenting members at once, without tokens (for community-sized fixtures)."""
        async with self._sessionmaker() as session:
            members = []
            for row in rows:
                row = dict(row)
                email = row.pop("email")
                role = row.pop("role", "member")
                row.setdefault("display_name", email.split("@")[0])
                row.setdefault("consent", True)
                needs = [Need(text=text) for text in row.pop("needs_text", [])]
                offers = [
                    Offer(text=text, position=i)
                    for i, text in enumerate(row.pop("offers_text", []))
                ]
                member = Member(
                    account=Account(email=email, role=role), needs=needs, offers=offers, **row
                )
                session.add(member)
                members.append(member)
            await session.flush()
            await record_changes(session, [member.id for member in members])
            await session.commit()
            return [member.id for member in members]

    async def requests_to(self, coach_id: int, mentee_ids: list[int]) -> list[int]:
        """Pending mentor requests from each mentee to one coach, created in storage."""
        async with self._sessionmaker() as session:
            requests = [MatchRequest(mentee_id=i, coach_id=coach_id) for i in mentee_ids]
            session.add_all(requests)
            await session.commit()
            return [request.id for request in requests]

    async def request_between(self, coach_id: int, mentee_id: int) -> int:
        """The pending request from `mentee_id` to `coach_id`, created unless it exists (a pair
        has at most one pending request)."""
        from sqlalchemy import select

        async with self._sessionmaker() as session:
            existing = await session.scalar(
                select(MatchRequest.id).where(
                    MatchRequest.mentee_id == mentee_id,
                    MatchRequest.coach_id == coach_id,
                    MatchRequest.status == "proposed",
                )
            )
        if existing is not None:
            return int(existing)
        [created] = await self.requests_to(coach_id, [mentee_id])
        return created

    async def import_starter_catalogue(self) -> None:
        """The shipped training catalogue, stored as published modules."""
        from catalogue.modules import load_catalogue, module_to_dict
        from service.training.modules import import_modules

        async with self._sessionmaker() as session:
            await import_modules(session, [module_to_dict(m) for m in load_catalogue()])
            await session.commit()
