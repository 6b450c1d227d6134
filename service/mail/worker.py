"""The background worker: sends the outbox after commits, retries with back-off, reminds.

One asyncio task per app process (started and stopped by the app's lifespan). It wakes when a
transaction of this process committed a mail (`MailConfig.wake`) and every `poll_seconds`
(mails queued by other processes, retries that became due). Several workers may run on the
same database: a mail is *claimed* before it is sent, by one conditional UPDATE that pushes
its `next_attempt_at` past a lease and counts the attempt (on PostgreSQL the candidates are
read `FOR UPDATE SKIP LOCKED`); only the worker whose UPDATE changed the row sends it, then
records `sent_at`. A failure schedules the next attempt `retry_seconds * 2**(attempts - 1)`
later (at most `MAX_RETRY_SECONDS`); after `MAX_ATTEMPTS` the mail is given up (kept, with
its last error). A worker that dies mid-send leaves its claim to expire after the lease: the
mail is sent again then (same Message-ID), never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import MailOutbox, utcnow
from service.mail.outbox import MailConfig, loop_waker
from service.mail.reminders import queue_stale_reminders
from service.mail.smtp import SmtpServer, build_message, send

logger = logging.getLogger("passerelle.mail")

BATCH = 20
CLAIM_SECONDS = 300.0
MAX_RETRY_SECONDS = 6 * 3600.0
MAX_ATTEMPTS = 25
REMINDER_SECONDS = 3600.0
KEEP_SENT = timedelta(days=30)
"""Sent mails are kept this long (what was sent to whom), then deleted."""


def retry_delay(base_seconds: float, attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failed ones (exponential, capped)."""
    return float(min(base_seconds * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS))


class MailWorker:
    """Sends due mails of the outbox; `start`, `wake`, `deliver_due`, `close`."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        config: MailConfig,
        server: SmtpServer,
        *,
        poll_seconds: float = 30.0,
        retry_seconds: float = 60.0,
        reminder_seconds: float = REMINDER_SECONDS,
        claim_seconds: float = CLAIM_SECONDS,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.config = config
        self.server = server
        self.poll_seconds = poll_seconds
        self.retry_seconds = retry_seconds
        self.reminder_seconds = reminder_seconds
        self.claim_seconds = claim_seconds
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._waker = None
        self._next_reminders = 0.0

    async def start(self) -> None:
        """Run in the background of the current event loop."""
        self._waker = loop_waker(asyncio.get_running_loop(), self._wakeup)
        self.config.wakers.append(self._waker)
        self._task = asyncio.create_task(self._run(), name="passerelle-mail")

    def wake(self) -> None:
        """Look at the outbox now."""
        self._wakeup.set()

    async def close(self, timeout: float = 10.0) -> None:
        """Stop after the mail being sent (a claim cut short would only delay it)."""
        self._stopping = True
        if self._waker in self.config.wakers:
            self.config.wakers.remove(self._waker)
        if self._task is None:
            return
        self._wakeup.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except (TimeoutError, asyncio.CancelledError):
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            try:
                await self._reminders_if_due()
                while not self._stopping and await self.deliver_due():
                    pass
            except Exception:  # the database is down, say: try again at the next poll
                logger.exception("Outbox: sending interrupted, retried at the next poll")
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.poll_seconds)

    async def _reminders_if_due(self) -> None:
        if self.reminder_seconds <= 0 or time.monotonic() < self._next_reminders:
            return
        self._next_reminders = time.monotonic() + self.reminder_seconds
        async with self.sessionmaker() as session:
            await queue_stale_reminders(session)
            await session.execute(
                delete(MailOutbox).where(MailOutbox.sent_at < utcnow() - KEEP_SENT)
            )
            await session.commit()

    async def deliver_due(self) -> int:
        """Claim and send the mails due now (one batch); how many were claimed."""
        claimed = await self._claim()
        for mail in claimed:
            if self._stopping:  # hand the rest back at once rather than at the lease's end
                await self._release(mail)
            else:
                await self._send(mail)
        return len(claimed)

    async def _claim(self) -> list[MailOutbox]:
        now = utcnow()
        async with self.sessionmaker() as session, session.begin():
            query = (
                select(MailOutbox.id, MailOutbox.attempts)
                .where(MailOutbox.sent_at.is_(None), MailOutbox.next_attempt_at <= now)
                .order_by(MailOutbox.next_attempt_at, MailOutbox.id)
                .limit(BATCH)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = []
            for mail_id, attempts in (await session.execute(query)).all():
                result = await session.execute(
                    update(MailOutbox)
                    .where(
                        MailOutbox.id == mail_id,
                        MailOutbox.attempts == attempts,
                        MailOutbox.sent_at.is_(None),
                        MailOutbox.next_attempt_at <= now,
                    )
                    .values(
                        attempts=attempts + 1,
                        next_attempt_at=now + timedelta(seconds=self.claim_seconds),
                    )
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    ids.append(mail_id)
            if not ids:
                return []
            rows = await session.scalars(
                select(MailOutbox).where(MailOutbox.id.in_(ids)).order_by(MailOutbox.id)
            )
            return list(rows)

    async def _send(self, mail: MailOutbox) -> None:
        message = build_message(
            sender=self.config.settings.mail_from,
            to=mail.recipient,
            subject=mail.subject,
            text=mail.text_body,
            html=mail.html_body,
            key=f"{mail.id}:{mail.dedup_key}",
        )
        try:
            await send(self.server, message)
        except Exception as exc:  # refused, unreachable, timed out: retried later
            await self._failed(mail, exc)
        else:
            await self._record(mail, sent_at=utcnow(), last_error=None)

    async def _failed(self, mail: MailOutbox, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"[:500]
        if mail.attempts >= MAX_ATTEMPTS:
            logger.error("Outbox: mail %s given up after %s attempts", mail.id, mail.attempts)
            await self._record(mail, next_attempt_at=None, last_error=error)
            return
        delay = retry_delay(self.retry_seconds, mail.attempts)
        logger.warning("Outbox: mail %s not sent (%s), next try in %.0f s", mail.id, error, delay)
        await self._record(
            mail, next_attempt_at=utcnow() + timedelta(seconds=delay), last_error=error
        )

    async def _release(self, mail: MailOutbox) -> None:
        await self._record(mail, attempts=mail.attempts - 1, next_attempt_at=utcnow())

    async def _record(self, mail: MailOutbox, **values: object) -> None:
        """Update a mail this worker claimed (unless another worker took it over since)."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(MailOutbox)
                .where(MailOutbox.id == mail.id, MailOutbox.attempts == mail.attempts)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
