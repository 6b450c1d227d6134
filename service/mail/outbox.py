"""The durable outbox: `queue_mail` writes an e-mail in the caller's transaction.

Nothing is sent here. The row is committed (or rolled back) with the event it tells about, and
the worker (`service.mail.worker`) sends it after the commit: a rolled-back change sends
nothing, a mail queued while the SMTP server is down waits for it. `dedup_key` is unique:
queuing the same key twice (a retried event) keeps the first mail only.

E-mail is on for an engine once `enable_mail(engine, config)` ran (the app and the CLI do it
when `PASSERELLE_SMTP_URL` is set); otherwise `queue_mail` does nothing and returns False.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from service.db.models import MailOutbox, utcnow
from service.settings import Settings

_QUEUED = "passerelle_mail_queued"


@dataclass(eq=False)
class MailConfig:
    """What queuing needs to know: the settings (links, invitation lifetime); whom to wake
    after a commit."""

    settings: Settings
    wakers: list[Callable[[], None]] = field(default_factory=list)

    def link(self, path: str) -> str:
        """An absolute link to a page of the service."""
        return f"{self.settings.base_url.rstrip('/')}{path}"

    def wake(self) -> None:
        """Tell this process's workers that mails are waiting."""
        for waker in list(self.wakers):
            with contextlib.suppress(RuntimeError):  # its loop is closed: it stopped
                waker()


_CONFIGS: weakref.WeakKeyDictionary[Engine, MailConfig] = weakref.WeakKeyDictionary()


def enable_mail(engine: AsyncEngine, config: MailConfig) -> MailConfig:
    """Turn e-mail on for sessions bound to `engine`."""
    _CONFIGS[engine.sync_engine] = config
    return config


def mail_config(session: AsyncSession) -> MailConfig | None:
    """The e-mail configuration of the session's database, None when e-mail is off."""
    bind = session.sync_session.bind
    engine = bind.engine if bind is not None else None
    return _CONFIGS.get(engine) if isinstance(engine, Engine) else None


async def queue_mail(
    session: AsyncSession,
    *,
    to: str,
    kind: str,
    subject: str,
    text: str,
    html: str,
    dedup_key: str,
) -> bool:
    """Queue one e-mail in the session's transaction; sent by the worker after the commit.

    `kind` names the event (`request_new`, `message`, ...), `dedup_key` makes it once only
    (e.g. `f"message:{message.id}"`). Returns True when a row was written (False: e-mail is
    off, or this key was queued already). Whether the recipient wants notifications is the
    caller's decision (`service.mail.notify.wants_mail`).
    """
    config = mail_config(session)
    if config is None:
        return False
    values: dict[str, Any] = {
        "recipient": to,
        "kind": kind,
        "subject": subject[:300],
        "text_body": text,
        "html_body": html,
        "dedup_key": dedup_key[:200],
        "created_at": utcnow(),
        "attempts": 0,
        "next_attempt_at": utcnow(),
    }
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    statement = (
        insert(MailOutbox).values(**values).on_conflict_do_nothing(index_elements=["dedup_key"])
    )
    result = await session.execute(statement)
    written = bool(result.rowcount)  # type: ignore[attr-defined]
    if written:
        session.sync_session.info[_QUEUED] = config
    return written


async def pending_count(session: AsyncSession) -> int:
    """How many mails wait to be sent (not sent, not given up)."""
    return (
        await session.scalar(
            select(func.count(MailOutbox.id)).where(
                MailOutbox.sent_at.is_(None), MailOutbox.next_attempt_at.is_not(None)
            )
        )
        or 0
    )


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    config = session.info.pop(_QUEUED, None)
    if config is not None:
        config.wake()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_QUEUED, None)


def loop_waker(loop: asyncio.AbstractEventLoop, wakeup: asyncio.Event) -> Callable[[], None]:
    """A waker setting `wakeup` from any thread, in `loop`."""
    return lambda: loop.call_soon_threadsafe(wakeup.set)
