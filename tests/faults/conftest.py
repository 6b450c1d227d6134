"""Fault tests stop, start and kill PostgreSQL and server processes.

PostgreSQL faults are played on a throw-away cluster (`tests/faults/cluster.py`: `initdb` in a
temporary folder, its own port), never on the machine's cluster. Where PostgreSQL is not
installed the PostgreSQL fault tests skip with that reason (CI sets `CI=true`: they fail there).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.cluster import ThrowawayCluster, unavailable_reason


@pytest.fixture
def cluster() -> Iterator[ThrowawayCluster]:
    """A running private PostgreSQL cluster, destroyed after the test whatever happens."""
    reason = unavailable_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the PostgreSQL fault tests: {reason}")
        pytest.skip(reason)
    cluster = ThrowawayCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path
