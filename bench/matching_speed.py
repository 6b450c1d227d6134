"""Top-10 cosine queries: SparseCosineIndex against scikit-learn's brute-force NearestNeighbors.

Usage (from the repo root):
    python bench/matching_speed.py            # 10k, 100k and 1M profiles (a few minutes, ~3 GB)
    python bench/matching_speed.py --quick    # 10k and 100k, fewer queries (< 60 s)

Single-threaded (threadpoolctl) so the figures describe one core. Recall@10 is measured against
the brute-force answer on the same vectors (neighbours with zero cosine are not counted).
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from _synthetic import tfidf_profiles
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

from matching.index import SparseCosineIndex

K = 10


def _latencies(fn, queries, count: int) -> np.ndarray:
    times = []
    for i in range(count):
        q = queries[i % queries.shape[0]]
        start = time.perf_counter()
        fn(q)
        times.append(time.perf_counter() - start)
    return np.array(times) * 1e3


def _recall(index: SparseCosineIndex, brute: NearestNeighbors, queries, count: int) -> float:
    hits = total = 0
    for i in range(count):
        q = queries[i]
        distances, neighbours = brute.kneighbors(q, K)
        expected = set(neighbours[0][distances[0] < 1 - 1e-6].tolist())
        found = set(index.top_k(q, K)[0].tolist())
        hits += len(expected & found)
        total += len(expected)
    return hits / max(total, 1)


def bench_size(n: int, n_queries: int, n_brute: int) -> dict[str, float]:
    """Build, query and update an index of n synthetic profiles; return the figures."""
    X, queries = tfidf_profiles(n, max(n_queries, n_brute), seed=n)
    ids = np.arange(n)
    tracemalloc.start()
    start = time.perf_counter()
    index = SparseCosineIndex().fit(X, ids)
    build = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    ours = _latencies(lambda q: index.top_k(q, K), queries, n_queries)

    start = time.perf_counter()
    brute = NearestNeighbors(n_neighbors=K, metric="cosine", algorithm="brute").fit(X)
    brute_build = time.perf_counter() - start
    theirs = _latencies(lambda q: brute.kneighbors(q, K), queries, n_brute)
    recall = _recall(index, brute, queries, n_brute)

    rng = np.random.default_rng(1)
    source = X[rng.integers(0, n, size=max(1, n // 100))]
    replacements = [source[i] for i in range(source.shape[0])]  # sliced outside the timings
    one = []
    for row_index in range(min(200, len(replacements))):
        start = time.perf_counter()
        index.upsert(int(rng.integers(0, n)), replacements[row_index])
        one.append(time.perf_counter() - start)
    start = time.perf_counter()
    for row_index, member in enumerate(rng.integers(0, n, size=len(replacements)).tolist()):
        index.upsert(member, replacements[row_index])
    index.top_k(queries[0], K)
    bulk = time.perf_counter() - start
    after = _latencies(lambda q: index.top_k(q, K), queries, min(n_queries, 100))
    return {
        "n": n,
        "build_s": build,
        "peak_mb": peak,
        "p50_ms": float(np.median(ours)),
        "p99_ms": float(np.percentile(ours, 99)),
        "brute_build_s": brute_build,
        "brute_p50_ms": float(np.median(theirs)),
        "brute_queries": n_brute,
        "speedup": float(np.median(theirs) / np.median(ours)),
        "recall": recall,
        "upsert_one_us": float(np.median(one) * 1e6),
        "upsert_1pct_s": bulk,
        "p50_after_ms": float(np.median(after)),
    }


def main() -> None:
    """Run the sizes and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k only, fewer queries")
    args = parser.parse_args()
    plan = [(10_000, 300, 300), (100_000, 300, 100)]
    if args.quick:
        plan = [(10_000, 200, 100), (100_000, 200, 30)]
    else:
        plan.append((1_000_000, 300, 20))
    rows = []
    with threadpool_limits(limits=1):
        for n, n_queries, n_brute in plan:
            rows.append(bench_size(n, n_queries, n_brute))
            print(f"  done n={n:,}", file=sys.stderr, flush=True)
    header = (
        "| profiles | build s | peak MiB | top-10 p50 ms | p99 ms | brute p50 ms (queries) "
        "| speed-up | recall@10 | upsert 1 µs | upsert 1% s | p50 after upserts ms |"
    )
    print(header)
    print("|---" * 11 + "|")
    for r in rows:
        print(
            f"| {r['n']:,} | {r['build_s']:.2f} | {r['peak_mb']:.0f} | {r['p50_ms']:.2f} "
            f"| {r['p99_ms']:.2f} | {r['brute_p50_ms']:.2f} ({r['brute_queries']}) "
            f"| {r['speedup']:.0f}× | {r['recall']:.3f} | {r['upsert_one_us']:.0f} "
            f"| {r['upsert_1pct_s']:.2f} | {r['p50_after_ms']:.2f} |"
        )


if __name__ == "__main__":
    main()
