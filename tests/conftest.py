"""Fixtures shared by every test layer."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

POSTGRES_URL_VARIABLE = "PASSERELLE_TEST_DATABASE_URL"
T = TypeVar("T")


def postgres_url() -> str | None:
    """The PostgreSQL URL the tests may use, or None on a laptop without one."""
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


@pytest.fixture(autouse=True)
def _quiet_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's own Passerelle settings."""
    for name in list(os.environ):
        if name.startswith("PASSERELLE_") and name != POSTGRES_URL_VARIABLE:
            monkeypatch.delenv(name)


def run_coroutine(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, even while another event loop runs here
    (the browser tests' Playwright session keeps one running in the main thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()
