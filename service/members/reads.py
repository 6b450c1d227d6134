"""How a profile becomes what the API shows: one builder (`profile_read`), two loaders.

`profile_read` is the only place that turns a member's columns, account, open needs and offers
into a `MemberRead`; `as_seen_by` is the only place that hides what a viewer may not see.
`load_member_read` feeds it from two plain statements (a profile read that misses the worker's
cache: member and account columns in one, open needs and offers in the other, on an autocommit
connection); `services.to_read` feeds it from ORM objects already loaded (lists, writes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec
from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from service.db.models import Account, Member, Need, Offer
from service.db.session import autocommit
from service.members.schemas import MemberRead

_COLUMNS = [column for column in Member.__table__.c if column.key in MemberRead.__struct_fields__]
_NEED, _OFFER = 0, 1


def profile_read(
    values: Mapping[str, Any], needs: Iterable[str], offers: Iterable[str]
) -> MemberRead:
    """The full profile (email included) from the member's and account's column values."""
    return MemberRead(
        **{name: values[name] for name in MemberRead.__struct_fields__ if name in values},
        needs=list(needs),
        offers=list(offers),
    )


def member_values(member: Member) -> dict[str, Any]:
    """The column values `profile_read` takes, from a loaded ORM member and its account."""
    values = {column.key: getattr(member, column.key) for column in _COLUMNS}
    values.update(email=member.account.email, role=member.account.role)
    return values


def as_seen_by(read: MemberRead, manages: bool) -> MemberRead:
    """The profile as the directory shows it to someone who does not manage it: without the
    email, the phone and the need texts (see docs/permissions.md)."""
    return read if manages else msgspec.structs.replace(read, email=None, phone=None, needs=None)


async def load_member_read(database: AsyncEngine, member_id: int) -> MemberRead | None:
    """The full profile of `member_id` (email included), or None if there is no such member."""
    items = union_all(
        select(literal(_NEED).label("kind"), Need.id.label("rank"), Need.text).where(
            Need.member_id == member_id, Need.status == "open"
        ),
        select(literal(_OFFER).label("kind"), Offer.position.label("rank"), Offer.text).where(
            Offer.member_id == member_id
        ),
    ).subquery()
    async with autocommit(database) as connection:
        row = (
            await connection.execute(
                select(*_COLUMNS, Account.email, Account.role)
                .join(Account, Account.id == Member.account_id)
                .where(Member.id == member_id)
            )
        ).first()
        if row is None:
            return None
        texts = (
            await connection.execute(
                select(items.c.kind, items.c.text).order_by(items.c.kind, items.c.rank)
            )
        ).all()
    return profile_read(
        row._asdict(),
        needs=[text for kind, text in texts if kind == _NEED],
        offers=[text for kind, text in texts if kind == _OFFER],
    )
