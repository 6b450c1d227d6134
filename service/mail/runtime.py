"""Turning e-mail on for an app or a command: the SMTP server, the config, the worker."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.mail.outbox import MailConfig, enable_mail
from service.mail.smtp import parse_smtp_url
from service.mail.worker import MailWorker
from service.settings import Settings

logger = logging.getLogger("passerelle.mail")


def mail_worker(
    settings: Settings, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> MailWorker | None:
    """E-mail on for `engine` and its worker (not started), or None without an SMTP URL.

    SystemExit when `PASSERELLE_SMTP_URL` is malformed (a start-up error, like any setting).
    """
    if not settings.smtp_url:
        return None
    try:
        server = parse_smtp_url(settings.smtp_url)
    except ValueError as exc:
        raise SystemExit(f"Invalid setting: {exc}") from None
    config = enable_mail(engine, MailConfig(settings))
    return MailWorker(
        sessionmaker,
        config,
        server,
        poll_seconds=settings.mail_poll_seconds,
        retry_seconds=settings.mail_retry_seconds,
    )


def say_mail_is_off() -> None:
    """Logged once at start when no SMTP server is configured."""
    logger.warning(
        "Notifications par e-mail désactivées : PASSERELLE_SMTP_URL n'est pas défini "
        "(aucun e-mail n'est mis en file ni envoyé)."
    )
