"""Fixtures shared by every test layer."""

from __future__ import annotations

import os

import pytest

POSTGRES_URL_VARIABLE = "PASSERELLE_TEST_DATABASE_URL"


def postgres_url() -> str | None:
    """The PostgreSQL URL the tests may use, or None on a laptop without one."""
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


@pytest.fixture(autouse=True)
def _quiet_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's own Passerelle settings."""
    for name in list(os.environ):
        if name.startswith("PASSERELLE_") and name != POSTGRES_URL_VARIABLE:
            monkeypatch.delenv(name)
