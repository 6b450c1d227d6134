"""HTTP load on the real service: uvicorn with 1 and 2 workers, SQLite and PostgreSQL, wrk.

    python bench/http_load.py                      # 10k and 100k members, SQLite + PostgreSQL
    python bench/http_load.py --quick              # 10k members, shorter runs (about 3 min)
    python bench/http_load.py --databases sqlite --members 10000 --workers 1

For each database and community size the script seeds an empty database with synthetic members
(`bench/_population.py`, imported by the service's own bulk import) and the starter catalogue,
issues bearer tokens to 2,000 members, starts `passerelle serve --workers N` as a subprocess on
127.0.0.1, times its start-up (until every worker said "Application startup complete"), then
drives it with Debian's `wrk` (one thread, 32 connections, fixed time) on:

- ``trivial``   ``GET /api/health/live`` — no database, no auth: this stack's ceiling;
- ``profile``   ``GET /api/members/{id}`` — the caller's own profile;
- ``matches``   ``GET /api/members/{id}/matches?kind=mentor``;
- ``training``  ``GET /api/members/{id}/training``;
- ``mix``       30 % each of the three reads, 5 % profile updates (``PATCH`` bio), 5 % new
  needs (``POST``) — while it runs, 12 coaches' last places are fought over by concurrent
  accepts, and the accepted pairs per coach are counted in the database afterwards.

Each scenario runs `--repeat` times; the table shows medians: requests/s, the ratio to the
trivial endpoint's requests/s measured against the same server, median and p99 latency, and
errors (socket errors, timeouts and non-2xx answers, summed). The 2,000 callers are drawn
uniformly. Before the scenarios, `--warmup` seconds of profile reads go through the callers in
turn, so that each worker has met most of them (who a token is, their profile); the last column
shows the first run of each scenario, the others are usually warmer.
The first start on each database builds the index snapshot (`passerelle serve` does it before
its workers start); the next start loads it and replays the changes made meanwhile.
`--caches all,no-results,no-profiles,no-principals` starts the same server once per variant,
each with one per-worker cache turned off (`PASSERELLE_ANSWER_CACHE_SIZE=0`,
`PASSERELLE_PROFILE_CACHE_SIZE=0`, `PASSERELLE_AUTH_CACHE_SECONDS=0`), and ends with what each
cache earns: the median requests/s of each scenario with every cache on, divided by the same
without that cache.
Everything stays on the loopback; each run is bounded by `--duration`. PostgreSQL:
`--postgres-url` or PASSERELLE_BENCH_DATABASE_URL (default: database ``passerelle_bench`` on
127.0.0.1:5432, created and emptied by the script).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from _load_fixture import Fixture, accepted_over_capacity, fixture, seed

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/passerelle_bench"
SCENARIOS = ("trivial", "profile", "matches", "training", "mix")
CACHE_VARIANTS = {
    "all": {},
    "no-results": {"PASSERELLE_ANSWER_CACHE_SIZE": "0"},
    "no-profiles": {"PASSERELLE_PROFILE_CACHE_SIZE": "0"},
    "no-principals": {"PASSERELLE_AUTH_CACHE_SECONDS": "0"},
}
STARTUP_TIMEOUT_S = 900
BIOS = (
    "Je coordonne la démarche d'innovation de la collectivité depuis deux ans.",
    "Cheffe de projet « ville amie des aînés », j'anime un réseau de partenaires.",
    "J'accompagne les équipes qui ouvrent un tiers-lieu en milieu rural.",
)
NEEDS = (
    "mes agents décrochent depuis qu'on alterne bureau et maison",
    "les habitants ne viennent plus aux réunions publiques du quartier",
    "on ne sait pas mesurer si notre expérimentation a marché",
    "nos courriers aux usagers sont incompréhensibles, ils rappellent tous",
)

LUA = r"""
local callers = {CALLERS}
local bios = {BIOS}
local needs = {NEEDS}
local kind = "{KIND}"
init = function(args) math.randomseed(os.time() + {SALT}) end
local function call(method, path, token, body)
  local headers = {["Authorization"] = "Bearer " .. token}
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format(method, path, headers, body)
end
local function read(r, id, token)
  if r <= 1 then return call("GET", "/api/members/" .. id, token) end
  if r <= 2 then return call("GET", "/api/members/" .. id .. "/matches?kind=mentor", token) end
  return call("GET", "/api/members/" .. id .. "/training", token)
end
local next_caller = 0
request = function()
  local c = callers[math.random(#callers)]
  if kind == "warmup" then  -- every caller in turn, so that each is seen once
    next_caller = next_caller % #callers + 1
    c = callers[next_caller]
  end
  local id, token = c[1], c[2]
  if kind == "trivial" then return wrk.format("GET", "/api/health/live") end
  if kind == "profile" then return read(1, id, token) end
  if kind == "matches" then return read(2, id, token) end
  if kind == "training" then return read(3, id, token) end
  if kind == "warmup" then return read(1, id, token) end
  local r = math.random(100)
  if r <= 90 then return read(math.ceil(r / 30), id, token) end
  if r <= 95 then return call("PATCH", "/api/members/" .. id, token, bios[math.random(#bios)]) end
  return call("POST", "/api/members/" .. id .. "/needs", token, needs[math.random(#needs)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"socket": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write, e.status, e.timeout))
end
"""


@dataclass
class Run:
    """One wrk run against one scenario."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds


@dataclass
class ServerReport:
    """Everything measured against one server (database, size, workers)."""

    database: str
    members: int
    workers: int
    startup_s: float
    index_note: str
    variant: str = "all"
    runs: dict[str, list[Run]] = field(default_factory=dict)
    accepts: str = ""


def _lua_string(value: str) -> str:
    return "[==[" + value + "]==]"


def write_script(directory: Path, kind: str, fixture_: Fixture) -> Path:
    """The wrk Lua script of one scenario, with the callers' ids and tokens inlined."""
    callers = ",".join(f'{{{c.member_id},"{c.token}"}}' for c in fixture_.callers)
    bios = ",".join(_lua_string(json.dumps({"bio": b})) for b in BIOS)
    needs = ",".join(_lua_string(json.dumps({"text": n})) for n in NEEDS)
    script = (
        LUA.replace("{CALLERS}", "{" + callers + "}")
        .replace("{BIOS}", "{" + bios + "}")
        .replace("{NEEDS}", "{" + needs + "}")
        .replace("{KIND}", kind)
        .replace("{SALT}", str(time.perf_counter_ns() % 100_000))
    )
    path = directory / f"{kind}.lua"
    path.write_text(script, encoding="utf-8")
    return path


def run_wrk(base: str, script: Path, duration: float, connections: int) -> Run:
    """One `wrk` run; its `done` callback prints the figures as JSON."""
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    return Run(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1e3,
        p99_ms=figures["p99_us"] / 1e3,
        errors=figures["socket"] + figures["status"] + figures["timeout"],
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`passerelle serve` in a subprocess; ready when every worker finished its start-up."""

    def __init__(
        self, url: str, workers: int, data_dir: Path, extra_env: dict[str, str] | None = None
    ) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "PASSERELLE_DATABASE_URL": url,
            "PASSERELLE_DATA_DIR": str(data_dir),
            **(extra_env or {}),
        }
        command = [sys.executable, "-m", "service.cli", "serve", "--port", str(self.port)]
        command += ["--workers", str(workers), "--log-level", "info"]
        self._workers = workers
        self._ready = threading.Semaphore(0)
        self._failed = threading.Event()
        start = time.perf_counter()
        self.index_note = "index loaded from its snapshot"
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        threading.Thread(target=self._watch, daemon=True).start()
        for _ in range(workers):
            if not self._ready.acquire(timeout=STARTUP_TIMEOUT_S) or self._failed.is_set():
                self.stop()
                raise RuntimeError("the server did not start (see its output above)")
        self.startup_s = time.perf_counter() - start
        if httpx.get(f"{self.base}/api/health", timeout=30).status_code != 200:
            self.stop()
            raise RuntimeError("the server started but /api/health is not OK")

    def _watch(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("Matching index:"):
                self.index_note = line.strip().removeprefix("Matching index: ").rstrip(".")
            if "Application startup complete" in line:
                self._ready.release()
            elif "Application startup failed" in line or "Traceback" in line:
                sys.stderr.write(line)
                self._failed.set()
                self._ready.release()
            elif " ERROR" in line or line.lower().startswith("error"):
                sys.stderr.write(line)

    def stop(self) -> None:
        """Stop the server and its workers."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def _create_requests(base: str, fixture_: Fixture, spare: int) -> list[tuple[str, int]]:
    """(coach token, request id) for `capacity + spare` requests to each race coach."""
    mentees = iter(reversed(fixture_.callers))
    pending = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for coach in fixture_.coaches:
            for _ in range(coach.capacity + spare):
                mentee = next(mentees)
                response = await client.post(
                    "/api/match-requests",
                    json={"mentee_id": mentee.member_id, "coach_id": coach.member_id},
                    headers={"Authorization": f"Bearer {mentee.token}"},
                )
                response.raise_for_status()
                pending.append((coach.token, int(response.json()["id"])))
    return pending


async def _accept_all(base: str, pending: list[tuple[str, int]]) -> list[int]:
    limits = httpx.Limits(max_connections=len(pending))
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/api/match-requests/{request_id}/accept",
                    headers={"Authorization": f"Bearer {token}"},
                )
                for token, request_id in pending
            )
        )
    return [response.status_code for response in responses]


def accept_race(server: Server, fixture_: Fixture, start_mix: threading.Thread) -> str:
    """Fire every accept at once while the mixed load runs; check capacity in the database."""
    pending = asyncio.run(_create_requests(server.base, fixture_, spare=3))
    start_mix.start()
    time.sleep(1.0)
    statuses = asyncio.run(_accept_all(server.base, pending))
    start_mix.join()
    accepted, over = asyncio.run(
        accepted_over_capacity(fixture_.url, [c.member_id for c in fixture_.coaches])
    )
    capacity = sum(c.capacity for c in fixture_.coaches)
    other = sum(1 for s in statuses if s not in (200, 409))
    verdict = "OK" if over == 0 and accepted == capacity and other == 0 else "FAILED"
    return (
        f"capacity check {verdict}: {len(statuses)} simultaneous accepts for "
        f"{len(fixture_.coaches)} coaches with {capacity} places: "
        f"{statuses.count(200)} accepted, {statuses.count(409)} refused (409), {other} other; "
        f"in the database {accepted} accepted pairs, {over} coaches over capacity"
    )


def measure(
    fixture_: Fixture,
    database: str,
    workers: int,
    args: argparse.Namespace,
    work: Path,
    data_dir: Path,
    variant: str = "all",
) -> ServerReport:
    """Start a server on the seeded database and run every scenario against it."""
    server = Server(fixture_.url, workers, data_dir, CACHE_VARIANTS[variant])
    report = ServerReport(
        database, fixture_.members, workers, server.startup_s, server.index_note, variant
    )
    try:
        run_wrk(server.base, write_script(work, "warmup", fixture_), args.warmup, args.connections)
        for kind in SCENARIOS:
            script = write_script(work, kind, fixture_)
            runs = report.runs.setdefault(kind, [])
            for repeat in range(args.repeat):
                if kind == "mix" and repeat == 0 and fixture_.coaches:

                    def go(script: Path = script, runs: list[Run] = runs) -> None:
                        runs.append(run_wrk(server.base, script, args.duration, args.connections))

                    report.accepts = accept_race(server, fixture_, threading.Thread(target=go))
                else:
                    runs.append(run_wrk(server.base, script, args.duration, args.connections))
    finally:
        server.stop()
    return report


def print_report(report: ServerReport) -> None:
    """One table per server: medians of the repeated runs."""
    ceiling = statistics.median(run.rate for run in report.runs["trivial"])
    print(
        f"\n{report.database}, {report.members:,} members, {report.workers} worker(s), "
        f"caches: {report.variant}: ready in {report.startup_s:.1f} s ({report.index_note})"
    )
    print(
        f"{'scenario':<10}{'req/s':>9}{'x trivial':>11}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'1st run req/s':>15}"
    )
    for kind, runs in report.runs.items():
        rate = statistics.median(run.rate for run in runs)
        print(
            f"{kind:<10}{rate:>9.0f}{rate / ceiling:>11.2f}"
            f"{statistics.median(run.p50_ms for run in runs):>9.1f}"
            f"{statistics.median(run.p99_ms for run in runs):>9.1f}"
            f"{sum(run.errors for run in runs):>8}{runs[0].rate:>15.0f}"
        )
    if report.accepts:
        print(report.accepts)
    sys.stdout.flush()


def print_cache_gains(reports: list[ServerReport]) -> None:
    """What each cache earns: req/s with every cache on / req/s without that one cache."""
    baseline = {(r.database, r.members, r.workers): r for r in reports if r.variant == "all"}
    rows = [r for r in reports if r.variant != "all"]
    if not rows or not baseline:
        return
    print("\nWhat each cache earns: req/s with every cache / req/s without it (medians)")
    print(f"{'server':<28}{'without':<15}" + "".join(f"{kind:>10}" for kind in SCENARIOS))
    for report in rows:
        base = baseline.get((report.database, report.members, report.workers))
        if base is None:
            continue
        server = f"{report.database} {report.members:,} x{report.workers}"
        gains = [
            statistics.median(run.rate for run in base.runs[kind])
            / statistics.median(run.rate for run in report.runs[kind])
            for kind in SCENARIOS
        ]
        line = "".join(f"{gain:>10.2f}" for gain in gains)
        print(f"{server:<28}{report.variant.removeprefix('no-'):<15}{line}")


def _database_url(database: str, members: int, args: argparse.Namespace, work: Path) -> str:
    if database == "sqlite":
        return f"sqlite+aiosqlite:///{work / f'bench-{members}.sqlite3'}"
    return args.postgres_url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", default="10000,100000", help="comma-separated sizes")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (median)")
    parser.add_argument(
        "--warmup", type=float, default=10.0, help="seconds of profile reads, callers in turn"
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PASSERELLE_BENCH_DATABASE_URL", DEFAULT_POSTGRES),
    )
    parser.add_argument("--quick", action="store_true", help="10k members, 1 run of 3 s each")
    parser.add_argument(
        "--caches",
        default="all",
        help="comma-separated cache variants: " + ", ".join(CACHE_VARIANTS),
    )
    args = parser.parse_args()
    if args.quick:
        args.members, args.repeat, args.duration, args.warmup = "10000", 1, 3.0, 5.0
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    sizes = [int(size) for size in args.members.split(",")]
    variants = args.caches.split(",")
    if unknown := set(variants) - set(CACHE_VARIANTS):
        print(f"unknown cache variants: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    reports: list[ServerReport] = []
    workers = [int(count) for count in args.workers.split(",")]
    print(
        f"Passerelle under load: wrk -t1 -c{args.connections}, {args.duration:g} s per run, "
        f"median of {args.repeat}; {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory(prefix="passerelle-load-") as tmp:
        work = Path(tmp)
        for database in args.databases.split(","):
            for members in sizes:
                url = _database_url(database, members, args, work)
                start = time.perf_counter()
                asyncio.run(seed(url, members))
                seeded = time.perf_counter() - start
                print(f"\n[{database}] {members:,} members seeded in {seeded:.0f} s")
                data_dir = Path(tempfile.mkdtemp(dir=work, prefix="data-"))
                for count in workers:  # the first start builds the snapshot, later ones load it
                    for variant in variants:
                        fixture_ = asyncio.run(fixture(url, members, seed_value=count))
                        report = measure(fixture_, database, count, args, work, data_dir, variant)
                        reports.append(report)
                        print_report(report)
    print_cache_gains(reports)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
