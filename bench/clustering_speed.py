"""Speed of demand clustering on 10,000 / 100,000 synthetic needs (one core).

Synthetic needs are drawn from the dev-set vocabulary: each picks a theme, then words from two
real needs of that theme, with a length drawn from the real need lengths. Each size runs in a
fresh subprocess pinned to one thread (peak RSS per run). Stages: features (TF-IDF, thesaurus,
LSA), clustering (k chosen on a sample + k-means on all), labels (c-TF-IDF), coverage
(`assess_coverage` against the starter catalogue). Baseline in the same run: plain TF-IDF +
MiniBatchKMeans with a fixed k = 16 (no k search, no thesaurus, no labels, no ids).

    python bench/clustering_speed.py            # 10k and 100k, 3 repeats
    python bench/clustering_speed.py --quick    # 10k and 30k, 1 repeat (< 60 s)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEVSET = ROOT / "tests" / "data" / "devset_catalogue.json"
ONE_THREAD = {v: "1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def synthetic_needs(n: int, seed: int = 0) -> list[str]:
    """`n` need texts from the dev-set vocabulary, realistic lengths, mostly unique."""
    needs = json.loads(DEVSET.read_text(encoding="utf-8"))["needs"]
    by_theme: dict[str, list[list[str]]] = {}
    for need in needs:
        by_theme.setdefault(need["theme"], []).append(need["text"].split())
    lengths = [len(need["text"].split()) for need in needs]
    rng = random.Random(seed)
    themes = sorted(by_theme)
    texts = []
    for _ in range(n):
        pool = rng.sample(by_theme[rng.choice(themes)], 2)
        words = pool[0] + pool[1]
        length = min(len(words), max(4, rng.choice(lengths) + rng.randint(-2, 2)))
        start = rng.randint(0, len(words) - length)
        texts.append(" ".join(words[start : start + length]))
    return texts


def run_child(n: int, which: str) -> dict[str, float]:
    """One measured run in this (fresh) process."""
    texts = synthetic_needs(n)
    timings: dict[str, float] = {}
    if which == "baseline":
        from sklearn.cluster import MiniBatchKMeans
        from sklearn.feature_extraction.text import TfidfVectorizer

        t0 = time.perf_counter()
        x = TfidfVectorizer().fit_transform(texts)
        timings["features"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        MiniBatchKMeans(16, batch_size=4096, n_init=3, random_state=0).fit(x)
        timings["clustering"] = time.perf_counter() - t0
        timings["labels"] = timings["coverage"] = 0.0
    else:
        from catalogue.incubator import DemandNeed, assess_coverage
        from catalogue.modules import load_catalogue
        from catalogue.recommend import ModuleRecommender
        from matching.clustering import cluster_needs

        result = cluster_needs(texts)
        timings.update(result.timings)
        t0 = time.perf_counter()
        recommender = ModuleRecommender().fit(load_catalogue())
        needs = [DemandNeed(i, i, t) for i, t in enumerate(texts)]
        assess_coverage(result.clusters, needs, recommender)
        timings["coverage"] = time.perf_counter() - t0
        timings["k"] = result.k
    timings["total"] = sum(timings[s] for s in ("features", "clustering", "labels", "coverage"))
    timings["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return timings


def measure(n: int, which: str) -> dict[str, float]:
    env = {**os.environ, **ONE_THREAD}
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(n), which],
        capture_output=True, text=True, check=True, env=env, cwd=ROOT,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 30k needs, one repeat")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(int(args.child[0]), args.child[1])))
        return
    sizes = (10_000, 30_000) if args.quick else (10_000, 100_000)
    repeats = args.repeats or (1 if args.quick else 3)
    stages = ("features", "clustering", "labels", "coverage", "total")
    print(f"one thread per run, median of {repeats} run(s), seconds; peak RSS in MB")
    header = f"{'needs':>8} {'variant':<9} " + " ".join(f"{s:>10}" for s in stages)
    print(header + f" {'peak MB':>8} {'k':>4} {'vs base':>8}")
    for n in sizes:
        medians = {}
        for which in ("baseline", "passerelle"):
            runs = [measure(n, which) for _ in range(repeats)]
            medians[which] = {k: statistics.median(r.get(k, 0.0) for r in runs) for k in runs[0]}
        for which, med in medians.items():
            ratio = med["total"] / medians["baseline"]["total"]
            cells = " ".join(f"{med[s]:>10.2f}" for s in stages)
            k = int(med.get("k", 16))
            print(f"{n:>8} {which:<9} {cells} {med['peak_mb']:>8.0f} {k:>4} {ratio:>7.1f}x")


if __name__ == "__main__":
    main()
