"""Integration fixtures: the app on SQLite and, when configured, on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.settings import Settings
from tests.conftest import POSTGRES_URL_VARIABLE, postgres_url
from tests.integration.actors import Actors
from tests.postgres import reset_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    url = postgres_url()
    if url is None:
        pytest.skip(f"PostgreSQL not configured: set {POSTGRES_URL_VARIABLE} to run these tests")
    await reset_postgres(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for a test app: its own data folder and a fixed secret."""
    return Settings(database_url=database_url, data_dir=tmp_path, secret_key="t" * 48)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    """A fresh application (migrations run at start)."""
    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Any]]:
    """An HTTP client bound to the running app."""
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
def actors(database_url: str, client: AsyncTestClient[Any]) -> Actors:
    """Creates accounts of any role with a bearer token."""
    return Actors(database_url, client)
