"""A real Passerelle server (`passerelle serve` subprocess) on a free loopback port, for black-box
tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

STARTUP_TIMEOUT_S = 240  # a loaded 2-core machine: PostgreSQL migrations plus the demo take time


def free_port() -> int:
    """A TCP port nobody listens on right now (loopback)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    """A running server: its base URL and its process (to kill it in fault tests)."""

    url: str
    process: subprocess.Popen[bytes]


@contextmanager
def live_server(
    data_dir: Path,
    database_url: str | None = None,
    demo: bool = True,
    workers: int = 1,
    environ: dict[str, str] | None = None,
) -> Iterator[LiveServer]:
    """Start the service (with the demo community unless `demo` is False) and stop it after.

    It runs `passerelle serve` as in production; with `workers` > 1, N processes, each with its
    own connection pool, answer the requests (what concurrency tests need). `environ` adds
    PASSERELLE_* settings.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PASSERELLE_")}
    env["PASSERELLE_DATA_DIR"] = str(data_dir)
    env.update(environ or {})
    if database_url:
        env["PASSERELLE_DATABASE_URL"] = database_url
    cli = [sys.executable, "-m", "service.cli"]
    if demo:
        subprocess.run([*cli, "demo", "load"], env=env, check=True, capture_output=True)
    port = free_port()
    command = [*cli, "serve", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {process.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{base_url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become healthy in time")
            time.sleep(0.2)
        yield LiveServer(base_url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def bearer(base_url: str, email: str, password: str = "passerelle-demo") -> dict[str, str]:
    """Authorization headers for a demo account."""
    response = httpx.post(
        f"{base_url}/api/auth/token", json={"email": email, "password": password}, timeout=10
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
