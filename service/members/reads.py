"""One profile as the API shows it, read with two plain statements (no ORM objects).

A profile read that misses the worker's cache runs here: member and account columns in one
statement, open needs and offers in another, on an autocommit connection (no BEGIN/ROLLBACK).
It returns exactly what `services.to_read` builds from ORM objects (a test compares the two).
"""

from __future__ import annotations

from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from service.db.models import Account, Member, Need, Offer
from service.db.session import autocommit
from service.members.schemas import MemberRead

_COLUMNS = [column for column in Member.__table__.c if column.key in MemberRead.__struct_fields__]
_NEED, _OFFER = 0, 1


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
    values = row._asdict()
    return MemberRead(
        **{name: values[name] for name in MemberRead.__struct_fields__ if name in values},
        needs=[text for kind, text in texts if kind == _NEED],
        offers=[text for kind, text in texts if kind == _OFFER],
    )
