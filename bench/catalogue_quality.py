"""Quality of the catalogue features on the dev set (report the `test` split).

Prints, for Passerelle and for plain baselines measured in the same run:

* recall@5 and MRR of training recommendations (relevant = a module of the need's theme; only
  needs whose theme has modules; the member's region filters regional modules) against a plain
  scikit-learn TF-IDF cosine over the same open modules;
* adjusted Rand index and NMI of the demand clusters against the theme labels (median over
  seeds), the chosen k, against plain TF-IDF + KMeans with k = the true number of themes, and
  Passerelle without its thesaurus block (ablation);
* gap finding: each cluster is named by its majority theme; whether each theme without a module
  produced a proposal, and how many proposals went to themes that do have modules.

    python bench/catalogue_quality.py                  # test split, 5 seeds
    python bench/catalogue_quality.py --split tune     # the split the weights were tuned on
    python bench/catalogue_quality.py --quick          # 2 seeds
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score  # noqa: E402

from catalogue.incubator import DemandNeed, propose_modules  # noqa: E402
from catalogue.modules import Module, load_catalogue  # noqa: E402
from catalogue.recommend import ModuleRecommender  # noqa: E402
from matching.clustering import cluster_needs  # noqa: E402
from matching.profiles import Need  # noqa: E402

DEVSET = ROOT / "tests" / "data" / "devset_catalogue.json"


def recommendation_quality(
    needs: list[dict[str, Any]], modules: list[Module], themes: dict[str, str]
) -> dict[str, tuple[float, float]]:
    """recall@5 and MRR@5 for Passerelle and the plain TF-IDF baseline."""
    recommender = ModuleRecommender().fit(modules)
    plain = TfidfVectorizer().fit([m.text for m in modules])
    module_x = plain.transform([m.text for m in modules])
    ranks: dict[str, list[int | None]] = {"passerelle": [], "tf-idf": []}
    for need in needs:
        ours = recommender.recommend([Need(need["id"], need["text"])], region=need["region"])
        ranks["passerelle"].append(_rank([themes[r.module_id] for r in ours], need["theme"]))
        sims = (plain.transform([need["text"]]) @ module_x.T).toarray().ravel()
        allowed = [
            i
            for i in np.argsort(-sims)
            if modules[i].is_open and modules[i].region in (None, need["region"]) and sims[i] > 0
        ][:5]
        ranks["tf-idf"].append(_rank([themes[modules[i].id] for i in allowed], need["theme"]))
    return {
        name: (
            sum(r is not None for r in found) / len(found),
            sum(1 / r for r in found if r is not None) / len(found),
        )
        for name, found in ranks.items()
    }


def _rank(themes: list[str], theme: str) -> int | None:
    return next((i + 1 for i, t in enumerate(themes) if t == theme), None)


def clustering_quality(
    needs: list[dict[str, Any]], seeds: list[int]
) -> dict[str, dict[str, float]]:
    """Median ARI / NMI / k over seeds for Passerelle, its ablation and the baseline."""
    texts = [n["text"] for n in needs]
    truth = [n["theme"] for n in needs]
    runs: dict[str, list[tuple[float, float, int]]] = {
        "passerelle": [],
        "no thesaurus": [],
        "tf-idf+kmeans": [],
    }
    true_k = len(set(truth))
    x = TfidfVectorizer().fit_transform(texts)
    for seed in seeds:
        for name, weight in (("passerelle", 4.0), ("no thesaurus", 0.0)):
            res = cluster_needs(texts, random_state=seed, thesaurus_weight=weight)
            runs[name].append(_scores(truth, res.assignments, res.k))
        labels = KMeans(true_k, n_init=5, random_state=seed).fit_predict(x)
        runs["tf-idf+kmeans"].append(_scores(truth, labels, true_k))
    return {
        name: {
            "ari": statistics.median(r[0] for r in found),
            "nmi": statistics.median(r[1] for r in found),
            "k": statistics.median(r[2] for r in found),
        }
        for name, found in runs.items()
    }


def _scores(truth: list[str], labels: Any, k: int) -> tuple[float, float, int]:
    return adjusted_rand_score(truth, labels), normalized_mutual_info_score(truth, labels), k


def gap_finding(
    needs: list[dict[str, Any]], modules: list[Module], data: dict[str, Any]
) -> tuple[dict[str, int], int, int, list[str]]:
    """Proposals per theme without module, wrong proposals, total, and one line per proposal."""
    result = cluster_needs([n["text"] for n in needs])
    demand = [DemandNeed(n["id"], n["member_id"], n["text"], n["region"]) for n in needs]
    coaches = [(c["member_id"], c["display_name"], c["role"], c["offers"]) for c in data["coaches"]]
    proposals = propose_modules(result.clusters, demand, ModuleRecommender().fit(modules), coaches)
    by_id = {c.id: c for c in result.clusters}
    gaps = {theme: 0 for theme in data["themes_without_modules"]}
    wrong = 0
    lines = []
    for proposal in proposals:
        members = by_id[proposal.cluster_id].member_indices
        theme, count = Counter(needs[i]["theme"] for i in members).most_common(1)[0]
        if theme in gaps:
            gaps[theme] += 1
        else:
            wrong += 1
        people = ", ".join(c.display_name for c in proposal.contributors) or "-"
        share = f"{count}/{len(members)}"
        lines.append(f"  {theme:<26} {share:>6} needs  « {proposal.title} »  by: {people}")
    return gaps, wrong, len(proposals), lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("test", "tune"), default="test")
    parser.add_argument("--quick", action="store_true", help="2 seeds instead of 5")
    args = parser.parse_args()
    data = json.loads(DEVSET.read_text(encoding="utf-8"))
    modules = load_catalogue()
    themes = data["module_themes"]
    needs = [n for n in data["needs"] if n["split"] == args.split]
    answerable = [n for n in needs if n["theme"] not in data["themes_without_modules"]]
    seeds = [0, 1] if args.quick else [0, 1, 2, 3, 4]
    n_themes = len({n["theme"] for n in needs})
    print(f"split={args.split}: {len(needs)} needs, {n_themes} themes, {len(modules)} modules")

    rec = recommendation_quality(answerable, modules, themes)
    print(f"\nRecommendations ({len(answerable)} needs whose theme has modules)")
    print(f"{'variant':<16} {'recall@5':>9} {'MRR@5':>7} {'vs base':>8}")
    for name, (recall, mrr) in rec.items():
        ratio = recall / rec["tf-idf"][0] if rec["tf-idf"][0] else float("inf")
        print(f"{name:<16} {recall:>9.3f} {mrr:>7.3f} {ratio:>7.2f}x")

    clu = clustering_quality(needs, seeds)
    print(f"\nDemand clusters (median over {len(seeds)} seeds; true k = {n_themes})")
    print(f"{'variant':<16} {'ARI':>7} {'NMI':>7} {'k':>5} {'ARI vs base':>12}")
    base = clu["tf-idf+kmeans"]["ari"]
    for name, m in clu.items():
        ratio = f"{m['ari'] / base:.2f}x" if base > 0 else "n/a"
        print(f"{name:<16} {m['ari']:>7.3f} {m['nmi']:>7.3f} {m['k']:>5.0f} {ratio:>12}")

    gaps, wrong, total, lines = gap_finding(needs, modules, data)
    print("\nIncubator (themes without any module should get a proposal)")
    for theme, count in gaps.items():
        print(f"  {theme:<26} {'proposal' if count else 'MISSED':<9} ({count})")
    print(f"  proposals for themes that have modules: {wrong} of {total}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
