"""A worker killed mid-request (SIGKILL) loses no committed data, never breaks capacity."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx

from tests.live_server import bearer, live_server

CAPACITY = 3
MENTEES = 24


def _setup(base: str) -> tuple[dict[str, str], int, list[int]]:
    """A coach with capacity 3 and 24 pending requests from imported members."""
    animator = bearer(base, "animatrice@demo.passerelle.fr")
    coach = bearer(base, "coach@demo.passerelle.fr")
    coach_id = httpx.get(f"{base}/api/me", headers=coach).json()["id"]
    httpx.patch(
        f"{base}/api/members/{coach_id}", headers=coach, json={"capacity": CAPACITY}
    ).raise_for_status()
    rows = [
        {"email": f"m{i}@kill.fr", "display_name": f"Mentee {i}", "consent": True}
        for i in range(MENTEES)
    ]
    httpx.post(f"{base}/api/import/members", headers=animator, json=rows).raise_for_status()
    found = httpx.get(f"{base}/api/members?q=mentee&limit=200", headers=animator).json()
    request_ids = []
    for member in found["items"]:
        created = httpx.post(
            f"{base}/api/match-requests",
            headers=animator,
            json={"mentee_id": member["id"], "coach_id": coach_id},
        )
        created.raise_for_status()
        request_ids.append(created.json()["id"])
    return coach, coach_id, request_ids


def test_sigkill_during_accepts_keeps_acknowledged_accepts_within_capacity(
    tmp_path: Path,
) -> None:
    acknowledged: list[int] = []
    with live_server(tmp_path) as live:
        coach, coach_id, request_ids = _setup(live.url)

        def accept(request_id: int) -> None:
            try:
                response = httpx.post(
                    f"{live.url}/api/match-requests/{request_id}/accept", headers=coach, timeout=10
                )
            except httpx.HTTPError:
                return
            if response.status_code == 200:
                acknowledged.append(request_id)

        threads = [threading.Thread(target=accept, args=(i,)) for i in request_ids]
        for thread in threads:
            thread.start()
        time.sleep(0.05)
        live.process.send_signal(signal.SIGKILL)
        for thread in threads:
            thread.join()
        live.process.wait(timeout=10)

    with live_server(tmp_path, demo=False) as again:
        coach = bearer(again.url, "coach@demo.passerelle.fr")
        accepted = httpx.get(
            f"{again.url}/api/match-requests?role=coach&status=accepted&limit=200", headers=coach
        ).json()["items"]
        accepted_ids = {item["id"] for item in accepted}
        assert set(acknowledged) <= accepted_ids  # nothing acknowledged was lost
        assert len(accepted_ids) <= CAPACITY  # never beyond the declared capacity
        suggestions = httpx.get(f"{again.url}/api/coaches/{coach_id}/suggestions", headers=coach)
        assert suggestions.json()["remaining_capacity"] == CAPACITY - len(accepted_ids)
