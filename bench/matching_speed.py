"""Speed of the matching index against the fair baseline, measured in the same run.

Usage (from the repo root)::

    python bench/matching_speed.py            # 10,000 and 100,000 members
    python bench/matching_speed.py --quick    # 10,000 members only

Members are synthetic (`bench/_population.py`: texts spliced from the dev set, a quarter coaches
and trainers, a long tail of place names), encoded by the service's featurizer. Single-threaded
(threadpoolctl) so the figures describe one core; medians of 300 queries for members drawn at
random among those with needs.

* **mentors (ranking)**: `MemberIndex.mentors_for(limit=10, explain=False)`: every coach's
  offer rows meet the member's need rows, best row per need, aggregation over needs, exclusions,
  the region and cross-silo rules, the top 10;
* **mentors (with reasons)**: the same and the French reasons of the 10;
* **baseline**: the plain product the ranking cannot avoid, over the same pre-normalised rows
  already transposed: the member's need rows times the coaches' offer rows, then the 10 best
  rows (``argpartition``) — no grouping, no rules, no reasons;
* peers and a coach's suggestions (with reasons), for information;
* build: encoding every member (theme model and lexical vectors) and stacking the rows.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bench._evalsets import featurizer  # noqa: E402
from bench._population import Population  # noqa: E402
from matching.index import MemberIndex  # noqa: E402
from matching.scoring import MatchConfig  # noqa: E402

QUERIES = 300
K = 10


def _timed(call: Callable[[int], object], ids: list[int]) -> tuple[float, float]:
    """(median, p99) in milliseconds."""
    times = []
    for member_id in ids:
        started = time.perf_counter()
        call(member_id)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.99 * (len(times) - 1))]


def measure(n: int) -> dict[str, float]:
    config = MatchConfig()
    profiles = list(Population(seed=0).profiles(n))
    started = time.perf_counter()
    index = MemberIndex(featurizer(config), config).build(profiles)
    build_s = time.perf_counter() - started
    rng = random.Random(1)
    seekers = [p.id for p in profiles if p.needs and not p.is_coach]
    ids = [rng.choice(seekers) for _ in range(QUERIES)]
    coaches = [p.id for p in profiles if p.is_coach]
    coach_ids = [rng.choice(coaches) for _ in range(QUERIES // 3)]
    stack = index._stack("coaches", index._offers)  # the rows the ranking reads
    postings = stack.parts[0].postings
    need_rows = {m: index.need_vectors(m)[1].csr for m in set(ids)}

    def baseline(member_id: int) -> np.ndarray:
        sims = (need_rows[member_id] @ postings).toarray().max(axis=0)
        return np.argpartition(-sims, K)[:K]

    with threadpool_limits(1):
        for member_id in ids[:20]:  # warm the stacks and caches once
            index.mentors_for(member_id, K)
        base = _timed(baseline, ids)
        ranking = _timed(lambda m: index.mentors_for(m, K, explain=False), ids)
        explained = _timed(lambda m: index.mentors_for(m, K), ids)
        peers = _timed(lambda m: index.peers_for(m, K), ids[:100])
        suggestions = _timed(lambda c: index.suggestions_for_coach(c, K), coach_ids)
    return {
        "members": n,
        "coach_rows": int(postings.shape[1]),
        "build_s": build_s,
        "baseline_ms": base[0],
        "mentors_ms": ranking[0],
        "mentors_p99_ms": ranking[1],
        "ratio": ranking[0] / base[0],
        "mentors_reasons_ms": explained[0],
        "peers_ms": peers[0],
        "suggestions_ms": suggestions[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 members only")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else [10_000, 100_000]
    rows = [measure(n) for n in sizes]
    print(f"# Top-{K} queries on one core (medians of {QUERIES} queries)\n")
    print(
        "| members | coach offer rows | build s | baseline ms | mentors ms | p99 ms "
        "| mentors / baseline | mentors + reasons ms | peers ms | suggestions ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['members']:,} | {r['coach_rows']:,} | {r['build_s']:.1f} "
            f"| {r['baseline_ms']:.3f} | {r['mentors_ms']:.3f} | {r['mentors_p99_ms']:.3f} "
            f"| {r['ratio']:.2f}x | {r['mentors_reasons_ms']:.3f} | {r['peers_ms']:.2f} "
            f"| {r['suggestions_ms']:.2f} |"
        )


if __name__ == "__main__":
    main()
