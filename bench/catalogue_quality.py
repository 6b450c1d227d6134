"""Quality of training recommendations, demand themes and incubator proposals.

Usage (from the repo root)::

    python bench/catalogue_quality.py

Sets: ``dev-tune`` and ``dev-test`` of the catalogue dev set (`tests/data/devset_catalogue.json`,
its own module labels), and the needs of the two blind sets (`blind-A`, `blind-B`), whose module
labels were set by an independent annotator who read only the catalogue
(`tests/data/eval/module_themes.json`). Blind sets are never used to choose anything.

* recommendations: recall@5 (a module of the need's theme among the first five) and MRR@5, over
  needs whose theme has a module, against a plain scikit-learn TF-IDF over the same open modules;
* demand themes: adjusted Rand index and NMI of the groups against the true themes, and the
  number of groups, against TF-IDF + k-means with k = the true number of themes;
* incubator: among themes with no module (per the set's labels) and needs from at least three
  members, the share that got a proposal, and how many proposals went to themes that have one.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score  # noqa: E402

from bench._evalsets import BLIND, featurizer, load_set  # noqa: E402
from catalogue.incubator import (  # noqa: E402
    CoachOffer,
    DemandNeed,
    assess_coverage,
    propose_modules,
)
from catalogue.modules import Module, load_catalogue  # noqa: E402
from catalogue.recommend import ModuleRecommender  # noqa: E402
from matching.demand import group_needs  # noqa: E402
from matching.features import RowText  # noqa: E402
from matching.profiles import Need  # noqa: E402
from matching.scoring import MatchConfig  # noqa: E402
from matching.taxonomy import load_taxonomy  # noqa: E402

DEVSET = ROOT / "tests" / "data" / "devset_catalogue.json"
BLIND_MODULES = ROOT / "tests" / "data" / "eval" / "module_themes.json"
K = 5


@dataclass(frozen=True)
class NeedItem:
    id: int
    member_id: int
    text: str
    theme: str
    region: str | None


@dataclass(frozen=True)
class CatalogueSet:
    name: str
    needs: list[NeedItem]
    module_themes: dict[str, set[str]]
    coaches: list[tuple[int, str, str, list[str]]]


def load_sets() -> list[CatalogueSet]:
    data = json.loads(DEVSET.read_text("utf-8"))
    dev_modules = {m: {t} for m, t in data["module_themes"].items()}
    coaches = [(c["member_id"], c["display_name"], c["role"], c["offers"]) for c in data["coaches"]]
    out = []
    for split in ("tune", "test"):
        needs = [
            NeedItem(n["id"], n["member_id"], n["text"], n["theme"], n["region"])
            for n in data["needs"]
            if n["split"] == split
        ]
        out.append(CatalogueSet(f"dev-{split}", needs, dev_modules, coaches))
    blind_modules = {
        m: set(t) for m, t in json.loads(BLIND_MODULES.read_text("utf-8"))["modules"].items()
    }
    for name in BLIND:
        data_set = load_set(name)
        needs = [
            NeedItem(n.id, p.id, n.text, data_set.need_theme[p.id], p.region)
            for p in data_set.profiles
            for n in p.needs
            if data_set.need_theme[p.id] != "hors_themes"
        ]
        set_coaches = [
            (p.id, p.display_name, p.role, list(p.offers)) for p in data_set.profiles if p.is_coach
        ]
        out.append(CatalogueSet(name, needs, blind_modules, set_coaches))
    return out


def recommendations(data: CatalogueSet, recommender: ModuleRecommender, modules: list[Module]):
    """(recall@5, MRR@5) for Passerelle and for plain TF-IDF, over answerable needs."""
    covered = {t for themes in data.module_themes.values() for t in themes}
    answerable = [n for n in data.needs if n.theme in covered]
    plain = TfidfVectorizer().fit([m.text for m in modules])
    module_x = plain.transform([m.text for m in modules])
    ranks: dict[str, list[int | None]] = {"passerelle": [], "plain TF-IDF": []}
    for need in answerable:
        rows, vectors = recommender.encode_needs([Need(need.id, need.text)])
        found = recommender.recommend(rows, vectors, region=need.region, limit=K)
        ranks["passerelle"].append(_rank([r.module_id for r in found], need.theme, data))
        sims = (plain.transform([need.text]) @ module_x.T).toarray().ravel()
        allowed = [
            modules[i].id
            for i in np.argsort(-sims, kind="stable")
            if modules[i].is_open and modules[i].region in (None, need.region) and sims[i] > 0
        ][:K]
        ranks["plain TF-IDF"].append(_rank(allowed, need.theme, data))
    return len(answerable), {
        name: (
            sum(r is not None for r in found) / len(found),
            sum(1 / r for r in found if r is not None) / len(found),
        )
        for name, found in ranks.items()
    }


def _rank(module_ids: list[str], theme: str, data: CatalogueSet) -> int | None:
    return next(
        (i + 1 for i, m in enumerate(module_ids) if theme in data.module_themes.get(m, set())),
        None,
    )


def demand(data: CatalogueSet) -> dict[str, tuple[float, float, int]]:
    """(ARI, NMI, number of groups) for Passerelle and TF-IDF + k-means(true k)."""
    texts = [n.text for n in data.needs]
    truth = [n.theme for n in data.needs]
    model = featurizer(MatchConfig()).model
    themes = model.best_themes(model.distributions(texts))
    result = group_needs(texts, themes, model.names_)
    true_k = len(set(truth))
    x = TfidfVectorizer().fit_transform(texts)
    kmeans = KMeans(true_k, n_init=5, random_state=0).fit_predict(x)
    return {
        "passerelle": (
            adjusted_rand_score(truth, result.assignments),
            normalized_mutual_info_score(truth, result.assignments),
            len(result.groups),
        ),
        "TF-IDF + k-means (true k)": (
            adjusted_rand_score(truth, kmeans),
            normalized_mutual_info_score(truth, kmeans),
            true_k,
        ),
    }


def incubator(data: CatalogueSet, recommender: ModuleRecommender) -> tuple[int, int, int, int]:
    """(uncovered themes with demand, of which proposed, proposals, proposals to covered themes)."""
    texts = [n.text for n in data.needs]
    f = recommender.featurizer
    encoded = f.encode([RowText("need", t) for t in texts], [1.0] * len(texts), [None] * len(texts))
    themes = [f.model.themes_[c] if c >= 0 else None for c in encoded.themes.tolist()]
    result = group_needs(texts, themes, f.model.names_)
    needs = [DemandNeed(n.id, n.member_id, n.text, n.region) for n in data.needs]
    coverage = assess_coverage(result.groups, needs, encoded.rows, recommender)
    offers = []
    for member_id, name, role, texts_ in data.coaches:
        if not texts_:
            continue
        read = f.model.best_themes(f.model.distributions(texts_))
        offers += [
            CoachOffer(member_id, name, role, t, th) for t, th in zip(texts_, read, strict=True)
        ]
    proposals = propose_modules(result.groups, coverage, needs, load_taxonomy(), offers)
    covered = {t for themes_ in data.module_themes.values() for t in themes_}
    members: dict[str, set[int]] = defaultdict(set)
    for n in data.needs:
        members[n.theme].add(n.member_id)
    gaps = {t for t, who in members.items() if t not in covered and len(who) >= 3}
    proposed = {p.theme for p in proposals}
    return len(gaps), len(gaps & proposed), len(proposals), len(proposed & covered)


def main() -> None:
    modules = load_catalogue()
    recommender = ModuleRecommender(featurizer(MatchConfig())).fit(modules)
    sets = load_sets()
    print("# Training recommendations (needs whose theme has a module): recall@5 / MRR@5\n")
    print("| set | needs | Passerelle | plain TF-IDF |")
    print("|---|---|---|---|")
    for data in sets:
        n, figures = recommendations(data, recommender, modules)
        cells = " | ".join(f"{r:.3f} / {m:.3f}" for r, m in figures.values())
        print(f"| {data.name} | {n} | {cells} |")
    print("\n# Demand themes against the true themes: ARI / NMI / groups\n")
    print("| set | needs | true themes | Passerelle | TF-IDF + k-means (true k) |")
    print("|---|---|---|---|---|")
    for data in sets:
        figures = demand(data)
        cells = " | ".join(f"{a:.3f} / {n:.3f} / {k}" for a, n, k in figures.values())
        true_k = len({n.theme for n in data.needs})
        print(f"| {data.name} | {len(data.needs)} | {true_k} | {cells} |")
    print("\n# Incubator: themes without a module and with demand from >= 3 members\n")
    print("| set | such themes | proposed | proposals | proposals for covered themes |")
    print("|---|---|---|---|---|")
    for data in sets:
        gaps, proposed, total, wrong = incubator(data, recommender)
        print(f"| {data.name} | {gaps} | {proposed} | {total} | {wrong} |")
    print(f"\nBlind sets ({', '.join(BLIND)}) are never used to choose a weight or a threshold.")


if __name__ == "__main__":
    main()
