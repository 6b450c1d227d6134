"""Top-10 queries: the index primitive and the engine's `mentors_for` / `peers_for`, against
scikit-learn's brute-force NearestNeighbors(metric="cosine") on the same vectors.

Usage (from the repo root):
    python bench/matching_speed.py            # index 10k, 100k, 1M; engine 10k, 100k (minutes)
    python bench/matching_speed.py --full     # ... and the engine on 1M profiles (~10 GB)
    python bench/matching_speed.py --quick    # 10k and 100k, fewer queries (< 60 s)

Single-threaded (threadpoolctl) so the figures describe one core.

Index table: random TF-IDF-like rows (`_synthetic.tfidf_profiles`); recall@10 is measured
against the brute-force answer on the same vectors (neighbours with zero cosine not counted).

Engine table: N profiles copied from the labelled dev set (`tests/data/devset_members.json`, a
quarter coaches) with new ids, all ``national``; `MatchEngine.build` on them, then
`mentors_for(limit=10)` and `peers_for(limit=10)` for member ids drawn at random. The baseline is
`kneighbors(k=10)` of the member's need rows over the rows the query scans: the coaches' offer
rows for mentors; members' offer rows then members' need rows for peers. "exact@10" compares
the engine's top 10 with a brute reference on the same rows (scikit-learn `cosine_similarity`,
then the engine's public scoring functions). The profiles repeat the dev set's ~200 texts, so
`build` encodes each distinct text once: its time here is a lower bound for real, distinct
texts; query times do not depend on it (every row is scanned as if distinct).
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from _synthetic import tfidf_profiles
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

from matching.engine import MatchEngine
from matching.index import SparseCosineIndex
from matching.profiles import MemberProfile
from matching.scoring import aggregate_needs, group_max, rank_mentors

K = 10
DEVSET = Path(__file__).resolve().parent.parent / "tests" / "data" / "devset_members.json"


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


def devset_profiles(n: int, seed: int = 7) -> list[MemberProfile]:
    """n profiles copied from the dev set (a quarter coaches), ids 1..n, all national."""
    from matching_quality import load  # the dev-set loader of bench/matching_quality.py

    base = load("tune")[0] + load("test")[0]
    coaches = [p for p in base if p.is_coach]
    members = [p for p in base if not p.is_coach]
    rng = np.random.default_rng(seed)
    is_coach = rng.random(n) < 0.25
    picks = rng.integers(0, 1 << 30, size=n)
    return [
        replace(coaches[k % len(coaches)] if c else members[k % len(members)], id=i + 1)
        for i, (c, k) in enumerate(zip(is_coach.tolist(), picks.tolist(), strict=True))
    ]


def _ms(times: list[float]) -> tuple[float, float]:
    array = np.asarray(times) * 1e3
    return float(np.median(array)), float(np.percentile(array, 99))


def _timed(fn, items) -> list[float]:
    times = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - start)
    return times


def _reference_mentors(engine: MatchEngine, member_id: int) -> list[int]:
    """Top-10 coach ids recomputed by brute force (dense cosine over every coach offer row)."""
    stack = engine._stack("coach_offers")  # the engine's own rows, read for the reference only
    rows = stack.matrix_t.T.tocsr()
    queries, _ = engine._needs_store().rows(member_id)
    cfg, me = engine.config, engine.profile(member_id)
    sims = cosine_similarity(queries, rows) * stack.weights
    relevance = aggregate_needs(group_max(sims, stack.starts), cfg.need_max_weight)
    keep = (stack.members != member_id) & (relevance >= cfg.min_score)
    pos = np.flatnonzero(keep)
    coaches = [engine.profile(int(c)) for c in stack.members[pos]]
    cross = np.asarray([c.organization_type != me.organization_type for c in coaches], bool)
    region = np.asarray([bool(me.region) and c.region == me.region for c in coaches], bool)
    ranking = rank_mentors(relevance[pos], region, cross, me.network_level, stack.members[pos], cfg)
    return stack.members[pos][ranking.order[:K]].tolist()


def bench_engine(n: int, n_queries: int, n_brute: int, n_exact: int) -> dict[str, float]:
    """Build a MatchEngine on n dev-set profiles; time its top-10 queries and the baselines."""
    profiles = devset_profiles(n)
    start = time.perf_counter()
    engine = MatchEngine().build(profiles)
    build = time.perf_counter() - start
    seekers = [p.id for p in profiles if not p.is_coach and p.needs]
    rng = np.random.default_rng(n)
    asked = rng.choice(seekers, size=min(n_queries, len(seekers)), replace=False).tolist()
    start = time.perf_counter()
    engine.mentors_for(asked[0], K)
    engine.peers_for(asked[0], K)
    first = time.perf_counter() - start  # stacks the rows once per version
    mentors = _timed(lambda m: engine.mentors_for(m, K), asked)
    peers = _timed(lambda m: engine.peers_for(m, K), asked)

    def fit_rows(name: str) -> NearestNeighbors:
        rows = engine._stack(name).matrix_t.T.tocsr()  # the very rows the engine scans
        return NearestNeighbors(n_neighbors=K, metric="cosine", algorithm="brute").fit(rows)

    coach_nn = fit_rows("coach_offers")
    offer_nn, need_nn = fit_rows("member_offers"), fit_rows("member_needs")
    needs = {m: engine._needs_store().rows(m)[0] for m in asked[:n_brute]}
    brute_m = _timed(lambda m: coach_nn.kneighbors(needs[m], K), asked[:n_brute])
    brute_p = _timed(
        lambda m: (offer_nn.kneighbors(needs[m], K), need_nn.kneighbors(needs[m], K)),
        asked[:n_brute],
    )
    hits = total = 0
    for m in asked[:n_exact]:
        expected = _reference_mentors(engine, m)
        found = [x.member_id for x in engine.mentors_for(m, K)]
        hits += sum(a == b for a, b in zip(expected, found, strict=False))
        total += max(len(expected), len(found))
    m50, m99 = _ms(mentors)
    p50, p99 = _ms(peers)
    b50, bp50 = _ms(brute_m)[0], _ms(brute_p)[0]
    return {
        "n": n,
        "build_s": build,
        "first_s": first,
        "m50": m50,
        "m99": m99,
        "p50": p50,
        "p99": p99,
        "queries": len(asked),
        "brute_m50": b50,
        "brute_p50": bp50,
        "brute_queries": len(brute_m),
        "exact": hits / max(total, 1),
    }


def main() -> None:
    """Run the sizes and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k only, fewer queries")
    parser.add_argument("--full", action="store_true", help="also the engine on 1M profiles")
    args = parser.parse_args()
    plan = [(10_000, 300, 300), (100_000, 300, 100)]
    engine_plan = [(10_000, 300, 100, 50), (100_000, 300, 50, 30)]
    if args.quick:
        plan = [(10_000, 200, 100), (100_000, 200, 30)]
        engine_plan = [(10_000, 200, 30, 10), (100_000, 200, 10, 5)]
    else:
        plan.append((1_000_000, 300, 20))
    if args.full:
        engine_plan.append((1_000_000, 200, 10, 5))
    rows, engine_rows = [], []
    with threadpool_limits(limits=1):
        for n, n_queries, n_brute in plan:
            rows.append(bench_size(n, n_queries, n_brute))
            print(f"  done index n={n:,}", file=sys.stderr, flush=True)
        for n, n_queries, n_brute, n_exact in engine_plan:
            engine_rows.append(bench_engine(n, n_queries, n_brute, n_exact))
            print(f"  done engine n={n:,}", file=sys.stderr, flush=True)
    print("## Index primitive (SparseCosineIndex.top_k)\n")
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
    print("\n## Engine (MatchEngine, dev-set profiles)\n")
    print(
        "| profiles | build s | first query s | mentors p50 ms | p99 ms | brute p50 ms | speed-up "
        "| exact@10 | peers p50 ms | p99 ms | brute p50 ms | speed-up | queries (brute) |"
    )
    print("|---" * 13 + "|")
    for r in engine_rows:
        print(
            f"| {r['n']:,} | {r['build_s']:.1f} | {r['first_s']:.2f} | {r['m50']:.2f} "
            f"| {r['m99']:.2f} | {r['brute_m50']:.2f} | {r['brute_m50'] / r['m50']:.0f}× "
            f"| {r['exact']:.3f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['brute_p50']:.2f} "
            f"| {r['brute_p50'] / r['p50']:.1f}× | {r['queries']} ({r['brute_queries']}) |"
        )


if __name__ == "__main__":
    main()
