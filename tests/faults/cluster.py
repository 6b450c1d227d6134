"""A throw-away PostgreSQL cluster for fault tests: `initdb` in a temporary folder, its own port.

Fault tests stop, start and kill PostgreSQL. They do it to this cluster only, never to the
machine's own (a developer's other databases stay up). PostgreSQL refuses to run as root:
under root the cluster's folder belongs to the `postgres` system user and its commands run as
that user (`runuser`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.live_server import free_port

START_TIMEOUT_S = 60


def postgres_bin_dir() -> Path | None:
    """The folder holding `initdb`, `pg_ctl` and `postgres`, or None when PostgreSQL is missing."""
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.append(found.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
    for folder in candidates:
        if folder and all((Path(folder) / name).exists() for name in ("initdb", "pg_ctl")):
            return Path(folder)
    return None


def _run_as() -> list[str]:
    """The command prefix that drops root to the `postgres` user (nothing when not root)."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


def unavailable_reason() -> str | None:
    """Why a throw-away cluster cannot be made here, or None when it can."""
    if postgres_bin_dir() is None:
        return "PostgreSQL's initdb and pg_ctl are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a `postgres` system user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root without `runuser` to drop to the `postgres` user"
    return None


class ThrowawayCluster:
    """A private PostgreSQL cluster: created by `initdb`, listening on 127.0.0.1:<free port>."""

    def __init__(self) -> None:
        bin_dir = postgres_bin_dir()
        assert bin_dir is not None, unavailable_reason()
        self._bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="passerelle-faults-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._pg(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_run_as(), str(self._bin / program), *args],
            check=True,
            capture_output=True,
            text=True,
            cwd=self.root,
        )

    def start(self) -> None:
        """Start the cluster and wait until it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c max_connections=100"
        )
        self._pg(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "-t",
            str(START_TIMEOUT_S),
            "start",
        )
        self.wait(up=True)

    def stop(self) -> None:
        """Fast stop: open connections are cut, as in an outage."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.wait(up=False)

    def is_running(self) -> bool:
        """True while the cluster's postmaster runs."""
        result = subprocess.run(
            [*_run_as(), str(self._bin / "pg_ctl"), "-D", str(self.data), "status"],
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    def accepts_connections(self) -> bool:
        """True when a client can connect now."""
        isready = self._bin / "pg_isready"
        program = str(isready) if isready.exists() else "pg_isready"
        result = subprocess.run(
            [program, "-h", "127.0.0.1", "-p", str(self.port), "-q"], check=False
        )
        return result.returncode == 0

    def wait(self, up: bool, timeout: float = 30) -> None:
        """Wait until the cluster accepts connections (or refuses them)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.accepts_connections() == up:
                return
            time.sleep(0.2)
        raise TimeoutError(f"the test cluster did not become {'ready' if up else 'unreachable'}")

    def destroy(self) -> None:
        """Kill this cluster's postmaster (only it) and remove its folder."""
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            try:
                self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except subprocess.CalledProcessError:
                pid = int(pid_file.read_text().splitlines()[0])
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)
