"""Coalesced catch-ups: each caller sees one that started after it; concurrent callers share."""

from __future__ import annotations

import asyncio

import pytest

from service.sync import CoalescedSync


async def test_concurrent_callers_share_catch_ups() -> None:
    starts: list[int] = []

    async def catch_up() -> None:
        starts.append(len(starts))
        await asyncio.sleep(0.01)

    sync = CoalescedSync(catch_up)
    await asyncio.gather(*(sync.wait() for _ in range(100)))
    assert 1 <= len(starts) <= 2


async def test_a_caller_arriving_during_a_catch_up_waits_for_the_next_one() -> None:
    seen: list[int] = []
    version = [0]

    async def catch_up() -> None:
        observed = version[0]
        await asyncio.sleep(0.02)
        seen.append(observed)

    sync = CoalescedSync(catch_up)
    first = asyncio.ensure_future(sync.wait())
    await asyncio.sleep(0.005)  # the first catch-up has read version 0
    version[0] = 1  # a write commits, then a request arrives
    await sync.wait()
    assert seen[-1] == 1  # the request's catch-up read the write
    await first


async def test_an_error_reaches_the_waiters_and_the_next_call_retries() -> None:
    calls = [0]

    async def catch_up() -> None:
        calls[0] += 1
        if calls[0] == 1:
            raise ConnectionError("database down")

    sync = CoalescedSync(catch_up)
    with pytest.raises(ConnectionError):
        await sync.wait()
    await sync.wait()
    assert sync.runs == 2


async def test_a_cancelled_caller_does_not_cancel_the_shared_catch_up() -> None:
    done = asyncio.Event()

    async def catch_up() -> None:
        await asyncio.sleep(0.02)
        done.set()

    sync = CoalescedSync(catch_up)
    impatient = asyncio.ensure_future(sync.wait())
    patient = asyncio.ensure_future(sync.wait())
    await asyncio.sleep(0.005)
    impatient.cancel()
    await patient
    assert done.is_set()
