"""The database goes away: 503 and Retry-After, no crash, recovery alone, nothing half-written.

The outage is played on a throw-away cluster (see `conftest.py`), never on the machine's own.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import postgres_url, run_coroutine
from tests.faults.cluster import ThrowawayCluster
from tests.live_server import bearer, live_server


def _machine_cluster_answers() -> bool:
    """The developer's PostgreSQL (PASSERELLE_TEST_DATABASE_URL), when configured, still answers."""
    url = postgres_url()
    if url is None:
        return True

    async def probe() -> int:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return int(await connection.scalar(text("SELECT 1")))
        finally:
            await engine.dispose()

    return run_coroutine(probe) == 1


def _rows(count: int) -> list[dict[str, object]]:
    return [
        {
            "email": f"agent{i}@panne.fr",
            "display_name": f"Agent {i}",
            "needs": ["Les services ne se parlent pas"],
            "offers": ["Animation d'ateliers"],
            "consent": True,
        }
        for i in range(count)
    ]


def test_outage_answers_503_then_recovers_alone(cluster: ThrowawayCluster, data_dir: Path) -> None:
    with live_server(data_dir, cluster.url) as live:
        base = live.url
        headers = bearer(base, "animatrice@demo.passerelle.fr")
        assert httpx.get(f"{base}/api/members", headers=headers).status_code == 200

        cluster.stop()
        assert _machine_cluster_answers(), "the machine's own PostgreSQL must stay up"
        for path in ("/api/members", "/api/health", "/api/members/1/matches"):
            response = httpx.get(f"{base}{path}", headers=headers, timeout=30)
            assert response.status_code == 503, (path, response.text)
            assert int(response.headers["retry-after"]) > 0
            assert "Traceback" not in response.text
        assert httpx.get(f"{base}/api/health/live", timeout=10).status_code == 200

        cluster.start()
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            status = httpx.get(f"{base}/api/members", headers=headers, timeout=10).status_code
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200


def test_an_import_cut_by_the_outage_leaves_no_partial_rows(
    cluster: ThrowawayCluster, data_dir: Path
) -> None:
    with live_server(data_dir, cluster.url) as live:
        base = live.url
        headers = bearer(base, "animatrice@demo.passerelle.fr")
        before = httpx.get(f"{base}/api/members?limit=1", headers=headers).json()["total"]
        outcome: dict[str, int] = {}

        def run_import() -> None:
            try:
                response = httpx.post(
                    f"{base}/api/import/members", headers=headers, json=_rows(10_000), timeout=120
                )
                outcome["status"] = response.status_code
            except httpx.HTTPError:
                outcome["status"] = -1

        worker = threading.Thread(target=run_import)
        worker.start()
        time.sleep(1.0)
        cluster.stop()
        worker.join(timeout=120)
        cluster.start()

        deadline = time.monotonic() + 30
        after = None
        while time.monotonic() < deadline:
            response = httpx.get(f"{base}/api/members?limit=1", headers=headers, timeout=10)
            if response.status_code == 200:
                after = response.json()["total"]
                break
            time.sleep(0.5)
        assert outcome["status"] != 200, "the import finished before the outage: test too slow"
        assert after == before
