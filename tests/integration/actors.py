"""Test helper: accounts of each role, created directly in storage, with their tokens."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from service.accounts.passwords import hash_password
from service.db.models import Account, Member

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
        async with self._sessionmaker() as session:
            member = Member(account=Account(email=email, password_hash=_HASH, role=role), **profile)
            session.add(member)
            await session.commit()
            member_id = member.id
        response = await self._client.post(
            "/api/auth/token", json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        return Actor(member_id, email, {"Authorization": f"Bearer {token}"})
