"""A real SMTP server on localhost for the tests (aiosmtpd), which can go down and come back."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """aiosmtpd handler keeping every message received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        self.messages.append(message_from_bytes(raw, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpServer:
    """An SMTP server on a fixed local port: `start`, `stop`, `messages`, `wait_for`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.box = Mailbox()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        """The `PASSERELLE_SMTP_URL` pointing here."""
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        """Every message received so far."""
        return self.box.messages

    def start(self) -> None:
        """Listen (again) on the port."""
        if self._controller is None:
            self._controller = Controller(self.box, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until `start`."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        """The messages addressed to `address`."""
        return [m for m in self.messages if m["To"] == address]

    def received(self, to: str, subject_part: str, timeout: float = 15.0) -> EmailMessage:
        """Block until a mail to `to` whose subject contains `subject_part` arrived."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.to(to):
                if subject_part in str(message["Subject"]):
                    return message
            if time.monotonic() > deadline:
                got = [(m["To"], m["Subject"]) for m in self.messages]
                raise AssertionError(f"no mail « {subject_part} » to {to}; received {got}")
            time.sleep(0.1)

    async def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """Wait until at least `count` messages arrived (fails after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                got = [m["Subject"] for m in self.messages]
                raise AssertionError(f"expected {count} mail(s), received {got}")
            await asyncio.sleep(0.05)
        return list(self.messages)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running SMTP server on a free local port, stopped after the test."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
