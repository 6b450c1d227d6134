"""Coalesced synchronisation: many concurrent callers, one round trip per batch.

A worker keeps read models in memory (the matching index, profile reads) and catches up with
the database's change log before answering. Doing that once per request would cost a database
round trip each time; `CoalescedSync.wait()` instead guarantees that one catch-up *started after
the call* has finished, and every caller arriving while a catch-up runs shares the next one.
So whatever was committed before a request arrived is visible to it (read-your-writes across
workers), at the price of one query per batch of concurrent requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class CoalescedSync:
    """Run `catch_up` so that each `wait()` sees one run that started after it was called."""

    def __init__(self, catch_up: Callable[[], Awaitable[None]]) -> None:
        self._catch_up = catch_up
        self._started = 0
        self._finished = 0
        self._running: asyncio.Task[None] | None = None

    @property
    def runs(self) -> int:
        """How many catch-ups have completed (for tests and metrics)."""
        return self._finished

    async def wait(self) -> None:
        """Return once a catch-up that started after this call has completed (or raise)."""
        needed = self._started + 1
        while self._finished < needed:
            if self._running is None or self._running.done():
                self._started += 1
                self._running = asyncio.ensure_future(self._run(self._started))
            await asyncio.shield(self._running)

    async def _run(self, number: int) -> None:
        await self._catch_up()
        self._finished = max(self._finished, number)
