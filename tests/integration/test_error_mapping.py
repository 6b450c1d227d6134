"""Failures below the service map to clear answers (API: JSON, pages: French pages), never a 500.

The matching engine's errors, a full disk, a read-only database and connection failures are
each raised for real where they can be (a read-only database), stubbed where they cannot be
produced on demand (a full disk, an engine error).
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from matching import errors as matching_errors
from service.app import create_app
from service.settings import Settings
from service.training import demand
from tests.conftest import POSTGRES_URL_VARIABLE, postgres_url
from tests.integration.actors import Actors
from tests.postgres import reset_postgres

Client = AsyncTestClient[Any]


def _raising(exc: BaseException) -> Any:
    async def fail(*_: Any, **__: Any) -> Any:
        raise exc

    return fail


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (matching_errors.InvalidInputError("k must be in [2, 1]"), 422),
        (matching_errors.UnknownMemberError(42), 404),
        (matching_errors.NotFittedError("not built"), 503),
        (matching_errors.MatchingError("anything else"), 503),
    ],
)
async def test_matching_errors_become_4xx_or_503(
    client: Client,
    actors: Actors,
    monkeypatch: pytest.MonkeyPatch,
    exc: Exception,
    status: int,
) -> None:
    trainer = await actors.create("trainer")
    monkeypatch.setattr(demand, "clusters_view", _raising(exc))
    response = await client.get("/api/demand/clusters", headers=trainer.headers)
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text and response.json()["detail"]
    if status == 503:
        assert int(response.headers["retry-after"]) > 0
    page = await client.get("/formation/demande", headers=trainer.headers)
    assert page.status_code == status
    assert "text/html" in page.headers["content-type"] and 'lang="fr"' in page.text


def _sqlite_full() -> OperationalError:
    orig = sqlite3.OperationalError("database or disk is full")
    orig.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
    return OperationalError("INSERT ...", {}, orig)


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (_sqlite_full(), 507),
        (OSError(errno.ENOSPC, "No space left on device"), 507),
        (OSError(errno.EROFS, "Read-only file system"), 503),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed"), 503),
        (PermissionError(errno.EACCES, "Permission denied"), 500),
    ],
)
async def test_storage_failures_say_what_happened(
    client: Client,
    actors: Actors,
    monkeypatch: pytest.MonkeyPatch,
    exc: Exception,
    status: int,
) -> None:
    trainer = await actors.create("trainer")
    monkeypatch.setattr(demand, "clusters_view", _raising(exc))
    response = await client.get("/api/demand/clusters", headers=trainer.headers)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    if status == 507:
        assert "stockage" in detail.lower() and "plein" in detail
        assert "retry-after" not in response.headers  # retrying will not help
    if isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES):
        assert "injoignable" not in detail  # not reported as « database unavailable »
    page = await client.get("/formation/demande", headers=trainer.headers)
    assert page.status_code == status
    assert "text/html" in page.headers["content-type"]


async def test_a_read_only_sqlite_database_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    writable = Settings(database_url=f"sqlite+aiosqlite:///{path}", data_dir=tmp_path)
    async with AsyncTestClient(app=create_app(writable)) as client:
        assert (await client.get("/api/health")).json()["database"] == "ok"
    read_only = Settings(
        database_url=f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true",
        data_dir=tmp_path,
        migrate_on_start=False,
        index_snapshot=False,
    )
    async with AsyncTestClient(app=create_app(read_only)) as client:
        health = await client.get("/api/health")
        assert health.status_code == 503
        assert health.json()["database"] == "read-only"
        registered = await client.post(
            "/api/auth/register",
            json={"email": "a@ville.fr", "password": "pluie-sur-le-quai-42", "display_name": "A"},
        )
        assert registered.status_code == 503, registered.text
        assert "lecture seule" in registered.json()["detail"]


async def test_a_read_only_postgresql_database_is_reported(tmp_path: Path) -> None:
    database_url = postgres_url()
    if database_url is None:
        pytest.skip(f"PostgreSQL not configured: set {POSTGRES_URL_VARIABLE}")
    await reset_postgres(database_url)
    settings = Settings(database_url=database_url, data_dir=tmp_path, index_snapshot=False)
    async with AsyncTestClient(app=create_app(settings)) as client:
        assert (await client.get("/api/health")).json()["database"] == "ok"
    admin = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    name = database_url.rsplit("/", 1)[1]
    async with admin.connect() as connection:
        await connection.execute(
            text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        )
    try:
        again = Settings(
            database_url=database_url,
            data_dir=tmp_path,
            migrate_on_start=False,
            index_snapshot=False,
        )
        async with AsyncTestClient(app=create_app(again)) as client:
            health = await client.get("/api/health")
            assert health.status_code == 503
            assert health.json()["database"] == "read-only"
    finally:
        async with admin.connect() as connection:
            await connection.execute(text("SET default_transaction_read_only = off"))
            await connection.execute(
                text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
            )
        await admin.dispose()


async def test_pages_get_a_french_page_when_the_database_is_unreachable(
    client: Client, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when the failure happens before the page runs (the session look-up)."""
    from service.accounts import middleware

    member = await actors.create()
    down = OperationalError("SELECT ...", {}, ConnectionRefusedError("Connect call failed"))
    monkeypatch.setattr(middleware, "authenticate_token", _raising(down))
    page = await client.get("/profil", headers=member.headers)
    assert page.status_code == 503
    assert "text/html" in page.headers["content-type"] and "injoignable" in page.text
    assert int(page.headers["retry-after"]) > 0
    api = await client.get("/api/members", headers=member.headers)
    assert api.status_code == 503 and api.headers["content-type"].startswith("application/json")
