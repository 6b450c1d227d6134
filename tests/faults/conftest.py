"""Fault tests drive the local PostgreSQL cluster (stop/start) and kill server processes.

They need PostgreSQL configured, Debian's `pg_ctlcluster` and root (as in CI); elsewhere they
skip with the reason. The cluster is always started again, even when a test fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import postgres_url, run_coroutine


def _cluster() -> list[str]:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    return [versions[-1], "main"] if versions else []


def pg_ctl(action: str) -> None:
    """Stop or start the local cluster (fast stop: open connections are cut)."""
    extra = ["-m", "fast"] if action == "stop" else []
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *_cluster(), action, *extra],
        check=True,
        capture_output=True,
    )


def wait_for_postgres(up: bool, timeout: float = 30) -> None:
    """Wait until the cluster accepts connections (or refuses them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = (
            subprocess.run(
                ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False
            ).returncode
            == 0
        )
        if ready == up:
            return
        time.sleep(0.3)
    raise TimeoutError(f"PostgreSQL did not become {'ready' if up else 'unreachable'}")


@pytest.fixture
def pg_url() -> str:
    """The PostgreSQL test database, emptied; skips where the cluster cannot be driven."""
    url = postgres_url()
    if url is None:
        pytest.skip("PostgreSQL not configured: set PASSERELLE_TEST_DATABASE_URL")
    if shutil.which("pg_ctlcluster") is None or not _cluster() or os.geteuid() != 0:
        pytest.skip("needs Debian's pg_ctlcluster and root to stop and start PostgreSQL")

    async def reset() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    run_coroutine(reset)
    return url


@pytest.fixture
def restore_postgres() -> Iterator[None]:
    """Whatever happens in the test, PostgreSQL runs again afterwards."""
    try:
        yield
    finally:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", *_cluster(), "start"],
            check=False,
            capture_output=True,
        )
        wait_for_postgres(True)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path
