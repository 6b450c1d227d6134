"""How the matching index scales with the number of members (synthetic, `bench/_population.py`).

For each size (100k, 300k and `--members`, or 10k/30k/`--members` with `--quick`) it measures:

- build time of `MemberIndex.build` (every text read by the theme model and encoded), and
  memory: peak RSS growth of the process (ru_maxrss) during the build, per 100,000 members (the
  peak only grows, so sizes after the first one report the growth beyond the earlier peaks: run
  one size alone for its own figure);
- query latency: median and p99 of `mentors_for` and `peers_for` (top 10) for 200 random members;
- refreshing after 1 % of the profiles change: upserting 1 % of members with new texts (total,
  per upsert, first `mentors_for` after, compactions included), against a full rebuild;
- snapshot (`matching.snapshot`): save time, load time, size on disk, against the build time.

Usage: ``python bench/scale.py [--members 1000000] [--quick]``. Numbers are single runs on a
shared machine; the query figures are medians over 200 queries.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

from _evalsets import featurizer  # noqa: E402
from _population import Population  # noqa: E402

from matching.index import MemberIndex  # noqa: E402
from matching.scoring import MatchConfig  # noqa: E402
from matching.snapshot import load_index, save_index  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _latencies(call, ids: list[int]) -> tuple[float, float]:
    times = []
    for member_id in ids:
        start = time.perf_counter()
        call(member_id)
        times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times) * 1e3, times[int(0.99 * (len(times) - 1))] * 1e3


def measure(n: int, seed: int = 0) -> dict[str, float]:
    """Every figure for one population size."""
    population = Population(seed=seed)
    profiles = list(population.profiles(n))
    rss_before = _rss_mb()
    start = time.perf_counter()
    config = MatchConfig()
    engine = MemberIndex(featurizer(config), config).build(profiles)
    build = time.perf_counter() - start
    out: dict[str, float] = {"members": n, "build_s": build}
    out["peak_rss_mb_per_100k"] = (_rss_mb() - rss_before) * 100_000 / n
    rng = random.Random(seed)
    ids = [p.id for p in rng.sample(profiles, 200)]
    out["mentors_med_ms"], out["mentors_p99_ms"] = _latencies(engine.mentors_for, ids)
    out["peers_med_ms"], out["peers_p99_ms"] = _latencies(engine.peers_for, ids)
    changed = rng.sample(profiles, max(1, n // 100))
    fresh = list(population.profiles(len(changed), start=10 * n))
    start = time.perf_counter()
    engine.upsert_many(
        [dataclasses.replace(new, id=old.id) for old, new in zip(changed, fresh, strict=True)]
    )
    out["upsert_1pct_s"] = time.perf_counter() - start
    out["per_upsert_ms"] = out["upsert_1pct_s"] / len(changed) * 1e3
    start = time.perf_counter()
    engine.mentors_for(ids[0])
    out["first_query_after_ms"] = (time.perf_counter() - start) * 1e3
    folder = Path(tempfile.mkdtemp(prefix="passerelle-scale-"))
    try:
        start = time.perf_counter()
        save_index(engine, folder / "snap", {"version": n})
        out["save_s"] = time.perf_counter() - start
        out["snapshot_mb"] = sum(f.stat().st_size for f in (folder / "snap").iterdir()) / 2**20
        del engine
        start = time.perf_counter()
        loaded = load_index(folder / "snap", featurizer(config), config, {"version": n})
        out["load_s"] = time.perf_counter() - start
        assert loaded is not None
        loaded.mentors_for(ids[0])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="10k and 30k before --members")
    args = parser.parse_args()
    sizes = [10_000, 30_000] if args.quick else [100_000, 300_000]
    sizes = sorted({s for s in sizes if s < args.members} | {args.members})
    rows = []
    for n in sizes:
        print(f"measuring {n:,} members...", file=sys.stderr, flush=True)
        rows.append(measure(n))
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print(
            "| "
            + " | ".join(f"{row[c]:,.2f}" if c != "members" else f"{row[c]:,.0f}" for c in columns)
            + " |"
        )
    print()
    for row in rows:
        rebuild_vs_upserts = row["build_s"] / row["upsert_1pct_s"]
        load_vs_build = row["build_s"] / row["load_s"]
        print(
            f"{row['members']:,.0f} members: full rebuild / 1% upserts = {rebuild_vs_upserts:.1f}x;"
            f" build / snapshot load = {load_vs_build:.1f}x"
        )


if __name__ == "__main__":
    main()
