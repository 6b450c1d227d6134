"""The reminder about requests left unanswered for 14 days, queued once per request.

The once is the database's: a request's reminder mails are queued in the transaction that
inserts its `stale_reminders` row (primary key = request id), so of two workers (or a worker
and `passerelle mail reminders`) only one queues them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import MatchRequest, StaleReminder, utcnow
from service.mail import notify
from service.mail.outbox import mail_config
from service.matches.exclusions import PENDING
from service.matches.requests import STALE_AFTER

LIMIT = 200


async def queue_stale_reminders(session: AsyncSession, limit: int = LIMIT) -> int:
    """Queue the reminders of stale requests not reminded yet; how many requests. The caller
    commits."""
    if mail_config(session) is None:
        return 0
    stale = await session.scalars(
        select(MatchRequest)
        .outerjoin(StaleReminder, StaleReminder.request_id == MatchRequest.id)
        .where(
            MatchRequest.status.in_(PENDING),
            MatchRequest.updated_at <= utcnow() - STALE_AFTER,
            StaleReminder.request_id.is_(None),
        )
        .order_by(MatchRequest.id)
        .limit(limit)
    )
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    reminded = 0
    for request in list(stale):
        claimed = await session.execute(
            insert(StaleReminder)
            .values(request_id=request.id, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["request_id"])
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            await notify.stale_reminder(session, request)
            reminded += 1
    return reminded
