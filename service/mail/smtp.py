"""Sending one e-mail through the SMTP server named by `PASSERELLE_SMTP_URL` (aiosmtplib)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

SCHEMES = {"smtp": (False, False), "smtp+starttls": (True, False), "smtps": (False, True)}
"""scheme -> (STARTTLS, implicit TLS)."""
SEND_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and how to send: host, port, optional login, STARTTLS or TLS."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False


def parse_smtp_url(url: str) -> SmtpServer:
    """`smtp://[user:password@]host:port`, `smtp+starttls://...` or `smtps://...`.

    ValueError naming what is wrong (the settings turn it into a start-up error).
    """
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(
            f"PASSERELLE_SMTP_URL: scheme {parts.scheme!r} unknown (smtp, smtp+starttls, smtps)"
        )
    if not parts.hostname:
        raise ValueError("PASSERELLE_SMTP_URL: no host")
    starttls, tls = SCHEMES[parts.scheme]
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or (465 if tls else 587 if starttls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=starttls,
        tls=tls,
    )


def build_message(
    *, sender: str, to: str, subject: str, text: str, html: str, key: str
) -> EmailMessage:
    """A multipart/alternative message (text, then HTML). Its Message-ID derives from the
    outbox row, so a mail sent twice (a crash between sending and recording it) carries the
    same id and mail clients show it once."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "passerelle.localhost"
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    message["Message-ID"] = f"<{digest}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


async def send(server: SmtpServer, message: EmailMessage) -> None:
    """Deliver `message` to the server; raises on any refusal or network failure."""
    await aiosmtplib.send(
        message,
        hostname=server.host,
        port=server.port,
        username=server.username,
        password=server.password,
        start_tls=server.starttls,
        use_tls=server.tls,
        timeout=SEND_TIMEOUT_SECONDS,
    )
