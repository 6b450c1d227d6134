"""`passerelle mail reminders` and `passerelle mail send`: the worker's jobs, run once (cron)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from service.settings import Settings


async def _run(settings: Settings, job: str) -> int:
    from service.db.session import make_engine
    from service.mail.reminders import queue_stale_reminders
    from service.mail.runtime import mail_worker

    engine = make_engine(settings.database_url, pool_size=2)
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    try:
        worker = mail_worker(settings, engine, sessionmaker)
        if worker is None:
            print("error: PASSERELLE_SMTP_URL is not set: e-mail is off.", file=sys.stderr)
            return 1
        if job == "reminders":
            async with sessionmaker() as session:
                count = await queue_stale_reminders(session)
                await session.commit()
            print(f"{count} stale request(s) reminded (mails queued).")
        total = 0
        while sent := await worker.deliver_due():
            total += sent
        print(f"{total} mail(s) handed to the SMTP server or rescheduled.")
        return 0
    finally:
        await engine.dispose()


def cmd_mail(args: argparse.Namespace, settings: Settings) -> int:
    """Queue the stale reminders (`reminders`), then deliver the due mails once."""
    from service.cli import _upgrade

    _upgrade(settings)
    return asyncio.run(_run(settings, args.mail_command))


def add_commands(commands: Any) -> None:
    """`passerelle mail ...`."""
    mail = commands.add_parser("mail", help="e-mail notifications").add_subparsers(
        dest="mail_command", required=True
    )
    mail.add_parser(
        "reminders", help="queue one reminder per request unanswered for 14 days, then send"
    ).set_defaults(handler=cmd_mail)
    mail.add_parser("send", help="send the mails due now (retries included)").set_defaults(
        handler=cmd_mail
    )
