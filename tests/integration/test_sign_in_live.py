"""Sign-in throttling seen from outside, through a real server and its client addresses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live_server import LiveServer, live_server

OWNER = "membre@demo.passerelle.fr"
DEMO_PASSWORD = "passerelle-demo"


def _sign_in(base: str, password: str, forwarded_for: str, email: str = OWNER) -> httpx.Response:
    return httpx.post(
        f"{base}/api/auth/token",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": forwarded_for},
        timeout=30,
    )


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server that trusts X-Forwarded-For from its local proxy (127.0.0.1)."""
    data_dir: Path = tmp_path_factory.mktemp("proxy")
    with live_server(data_dir, environ={"PASSERELLE_FORWARDED_ALLOW_IPS": "127.0.0.1"}) as live:
        yield live


def test_wrong_passwords_from_elsewhere_never_lock_the_owner_out(behind_proxy: LiveServer) -> None:
    for attacker in range(10):
        for _ in range(3):
            response = _sign_in(behind_proxy.url, "pas-le-bon-mot", f"203.0.113.{attacker}")
            assert response.status_code in (401, 429)
    owner = _sign_in(behind_proxy.url, DEMO_PASSWORD, "198.51.100.7")
    assert owner.status_code == 200, owner.text


def test_by_default_x_forwarded_for_is_not_trusted(tmp_path: Path) -> None:
    """Without PASSERELLE_FORWARDED_ALLOW_IPS the per-address limit counts the real peer, so
    changing the header on every attempt does not escape it."""
    with live_server(tmp_path) as live:
        statuses = [
            _sign_in(
                live.url, "pas-le-bon-mot", f"192.0.2.{attempt}", f"inconnu{attempt}@ville.fr"
            ).status_code
            for attempt in range(51)
        ]
    assert statuses[:50] == [401] * 50
    assert statuses[50] == 429
