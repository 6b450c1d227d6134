"""Engine and session configuration shared by the app, the CLI and the tests."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from service.db.models import Base

SQLITE_BUSY_TIMEOUT_S = 30

# aiosqlite logs every statement with its parameters at DEBUG: never let personal data through.
logging.getLogger("aiosqlite").setLevel(logging.INFO)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


DEFAULT_POOL_SIZE = 20


def make_engine(database_url: str, pool_size: int = DEFAULT_POOL_SIZE) -> AsyncEngine:
    """An async engine for `database_url`, with SQLite tuned for concurrent readers.

    `hide_parameters` keeps personal data (emails, need texts) out of logged SQL errors.
    The pool keeps `pool_size` connections and opens no more: under load a request waits a
    moment for a connection instead of opening one (a new PostgreSQL backend, or a new SQLite
    connection and its thread) only to close it again at check-in.
    """
    pool: dict[str, Any] = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": 30}
    if database_url.startswith("sqlite"):
        engine = create_async_engine(
            database_url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **pool
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping (a round trip per checkout): after a database restart the first statement on a
    # stale connection fails (503 + Retry-After) and SQLAlchemy then recycles the whole pool.
    return create_async_engine(database_url, hide_parameters=True, **pool)


@asynccontextmanager
async def autocommit(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A pooled connection without a transaction: a read is one round trip (no BEGIN/ROLLBACK).

    For the few hot single-statement reads (token look-up, change-log catch-up, profile cache
    misses, followed modules); everything that writes goes through a session.
    """
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


def make_alchemy_config(engine: AsyncEngine) -> SQLAlchemyAsyncConfig:
    """advanced-alchemy's Litestar config: one session per request, committed on 2xx."""
    return SQLAlchemyAsyncConfig(
        engine_instance=engine,
        metadata=Base.metadata,
        create_all=False,
        before_send_handler="autocommit",
        session_config=AsyncSessionConfig(expire_on_commit=False),
        engine_config=EngineConfig(),
        set_default_exception_handler=False,
    )
