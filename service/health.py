"""`GET /api/health`: is the database reachable and writable, at which schema version, with which
theme model (`theme_model`: "corpus" or "refit-<decision id>"); `/live`: liveness.

Writability is probed with an UPDATE that changes nothing, rolled back at once (`alembic_version`
is never written otherwise): a read-only database (a file or mount opened read-only, a
PostgreSQL standby or `default_transaction_read_only`) answers `"database": "read-only"` and
503. On SQLite the probe does not wait for the write lock: a busy database is a writable one.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.db.migrate import head_revision
from service.db.session import SQLITE_BUSY_TIMEOUT_S
from service.errors import READ_ONLY_RETRY_AFTER_SECONDS, answer_for


class Health(msgspec.Struct, kw_only=True):
    """Service status."""

    status: str
    database: str
    schema_version: str | None
    expected_schema_version: str | None
    theme_model: str | None = None


async def _writable(connection: AsyncConnection) -> bool:
    """True unless an UPDATE is refused because the database is read-only."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        await connection.exec_driver_sql("PRAGMA busy_timeout = 0")
        await connection.commit()
    try:
        await connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
    except SQLAlchemyError as exc:
        await connection.rollback()
        answer = answer_for(exc)
        if answer is not None and answer.retry_after == READ_ONLY_RETRY_AFTER_SECONDS:
            return False
        if sqlite and isinstance(exc, OperationalError) and "locked" in str(exc.orig):
            return True  # someone holds the write lock: the database takes writes
        raise
    else:
        await connection.rollback()
    finally:
        if sqlite:
            await connection.exec_driver_sql(
                f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}"
            )
            await connection.commit()
    return True


async def _database_state(engine: AsyncEngine) -> tuple[str, str | None]:
    async with engine.connect() as connection:
        version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        await connection.rollback()
        return ("ok" if await _writable(connection) else "read-only"), version


@get("/api/health", tags=["health"], summary="Service and database status", opt={"public": True})
async def health(request: Request[Any, Any, Any]) -> Response[Health]:
    """200 when the database answers, takes writes and is at the expected schema version;
    else 503 (`database`: `unreachable` or `read-only`)."""
    try:
        database, version = await _database_state(request.app.state.database)
    except (SQLAlchemyError, OSError):
        version, database = None, "unreachable"
    expected = head_revision()
    healthy = database == "ok" and version == expected
    return Response(
        Health(
            status="ok" if healthy else "degraded",
            database=database,
            schema_version=version,
            expected_schema_version=expected,
            theme_model=_model_version(request.app.state),
        ),
        status_code=HTTP_200_OK if healthy else HTTP_503_SERVICE_UNAVAILABLE,
        headers=None if healthy else {"Retry-After": "5"},
    )


def _model_version(state: Any) -> str | None:
    themes = state.get("themes")
    return None if themes is None or themes.state is None else themes.state.version


class Liveness(msgspec.Struct, kw_only=True):
    """The process answers."""

    status: str


@get(
    "/api/health/live",
    tags=["health"],
    summary="Liveness: the process answers (no database call)",
    opt={"public": True},
)
async def liveness() -> Liveness:
    """200 as long as this worker's event loop runs; for load balancers' liveness probes."""
    return Liveness(status="ok")
