"""Speed of grouping 10,000 / 100,000 needs into demand themes (one core).

Synthetic needs are drawn from the catalogue dev set's vocabulary: each picks a theme, then words
from two real needs of that theme, with a length drawn from the real need lengths.

* **reading**: the theme model reads every need (`ThemeModel.distributions`), as the service
  does once when a need is written (the index keeps the result);
* **grouping**: `matching.demand.group_needs` on the themes read (what a demand request costs
  when the data changed: the service takes the themes from its index);
* **baseline** in the same run: plain TF-IDF + MiniBatchKMeans with k = 27 (no themes, no
  labels, no stable ids).

    python bench/demand_speed.py            # 10k and 100k
    python bench/demand_speed.py --quick    # 10k only
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.cluster import MiniBatchKMeans  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bench._evalsets import default_model  # noqa: E402
from matching.demand import group_needs  # noqa: E402

DEVSET = ROOT / "tests" / "data" / "devset_catalogue.json"


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


def measure(n: int) -> dict[str, float]:
    texts = synthetic_needs(n)
    model = default_model()
    with threadpool_limits(1):
        started = time.perf_counter()
        themes = model.best_themes(model.distributions(texts))
        reading = time.perf_counter() - started
        started = time.perf_counter()
        result = group_needs(texts, themes, model.names_)
        grouping = time.perf_counter() - started
        started = time.perf_counter()
        x = TfidfVectorizer().fit_transform(texts)
        MiniBatchKMeans(27, n_init=3, random_state=0).fit(x)
        baseline = time.perf_counter() - started
    return {
        "needs": n,
        "reading_s": reading,
        "grouping_s": grouping,
        "total_s": reading + grouping,
        "baseline_s": baseline,
        "groups": len(result.groups),
        "subgroups": sum(g.kind == "subtheme" for g in result.groups),
        "emerging": sum(g.kind == "emerging" for g in result.groups),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 needs only")
    args = parser.parse_args()
    rows = [measure(n) for n in ([10_000] if args.quick else [10_000, 100_000])]
    print("# Demand themes on one core\n")
    print(
        "| needs | reading s | grouping s | total s | baseline s (TF-IDF + k-means) "
        "| grouping / baseline | groups | sub-groups | emerging |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['needs']:,} | {r['reading_s']:.1f} | {r['grouping_s']:.1f} | {r['total_s']:.1f} "
            f"| {r['baseline_s']:.1f} | {r['grouping_s'] / r['baseline_s']:.2f}x | {r['groups']} "
            f"| {r['subgroups']} | {r['emerging']} |"
        )


if __name__ == "__main__":
    main()
