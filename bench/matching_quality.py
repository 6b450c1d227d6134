"""Quality of mentor and peer matching on the dev set and on the two blind evaluation sets.

Usage (from the repo root)::

    python bench/matching_quality.py              # every set: baselines, words, themes, fusion
    python bench/matching_quality.py --tune       # the grid the weights and threshold come from
    python bench/matching_quality.py --threshold  # only the help-threshold table

Sets (`bench/_evalsets.py`): ``dev-tune`` and ``corpus-guard`` (weights chosen there),
``dev-test``, ``blind-A``
(members' words) and ``blind-B`` (short jargon), the last two written by authors who never saw
the corpus, the taxonomy's vocabulary or the dev set, and never used to choose anything.

Relevance: a coach is relevant when its theme is the member's need theme; peers when their theme
sets intersect. nDCG@5 with binary gains, averaged over members whose need is in a theme. Every
ranker sees the same profiles (offers, job title, bio); candidates are ranked in full
(``min_score = 0``) so that orderings are compared, not list lengths.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402

from bench._evalsets import (  # noqa: E402
    BLIND,
    SETS,
    TUNE,
    LabelledSet,
    default_model,
    featurizer,
    load_set,
)
from matching.features import need_texts, offer_texts  # noqa: E402
from matching.index import MemberIndex  # noqa: E402
from matching.scoring import MatchConfig, aggregate_needs  # noqa: E402

K = 5
Ranker = Callable[[int, str], list[int]]
DEFAULT = MatchConfig()
RANKING = replace(DEFAULT, min_score=0.0)


def ndcg(ranked: list[int], relevant: set[int]) -> float:
    """nDCG@K with binary gains."""
    gains = [1.0 if r in relevant else 0.0 for r in ranked[:K]]
    dcg = sum(g / np.log2(i + 2) for i, g in enumerate(gains))
    ideal = sum(1.0 / np.log2(i + 2) for i in range(min(K, len(relevant))))
    return dcg / ideal if ideal else 0.0


def evaluate(data: LabelledSet, ranker: Ranker) -> tuple[float, float]:
    """(mentor nDCG@5, peer nDCG@5)."""
    coaches = data.coaches
    peers = [p for p in data.profiles if not p.is_coach]
    mentor, peer = [], []
    for p in data.seekers:
        relevant = {c for c in coaches if data.need_theme[p.id] in data.themes[c]}
        if relevant:
            mentor.append(ndcg(ranker(p.id, "mentor"), relevant))
        mates = {q.id for q in peers if q.id != p.id and data.themes[q.id] & data.themes[p.id]}
        if mates:
            peer.append(ndcg(ranker(p.id, "peer"), mates))
    return float(np.mean(mentor)), float(np.mean(peer))


def index_ranker(data: LabelledSet, config: MatchConfig) -> Ranker:
    """Passerelle's index with `config` (its featurizer fitted as the service fits it)."""
    index = MemberIndex(featurizer(config), config).build(data.profiles)

    def rank(member_id: int, kind: str) -> list[int]:
        query = index.mentors_for if kind == "mentor" else index.peers_for
        return [m.member_id for m in query(member_id, K)]

    return rank


def random_ranker(data: LabelledSet, seed: int) -> Ranker:
    rng = random.Random(seed)
    coaches = data.coaches
    peers = [p.id for p in data.profiles if not p.is_coach]

    def rank(member_id: int, kind: str) -> list[int]:
        pool = [i for i in (coaches if kind == "mentor" else peers) if i != member_id]
        return rng.sample(pool, min(K, len(pool)))

    return rank


def text_ranker(data: LabelledSet, vectorizer: TfidfVectorizer) -> Ranker:
    """A plain scikit-learn TF-IDF baseline ranking with the same rules as the index:
    mentors by their best offer row per need (max, then mean over needs), peers by the larger
    of reciprocal help and a shared need."""
    by_id = {p.id: p for p in data.profiles}
    needs = {p.id: [r.text for r in need_texts(p)] for p in data.profiles}
    offers = {p.id: [r.text for r in offer_texts(p)] for p in data.profiles}
    vectorizer.fit([t for v in needs.values() for t in v] + [t for v in offers.values() for t in v])
    enc = {k: (vectorizer.transform(v) if v else None) for k, v in needs.items()}
    off = {k: (vectorizer.transform(v) if v else None) for k, v in offers.items()}

    def answers(a: int, b: int) -> float:  # how well b's offers answer a's needs
        if enc[a] is None or off[b] is None:
            return 0.0
        best = (enc[a] @ off[b].T).toarray().max(axis=1)
        return float(aggregate_needs(best[:, None], DEFAULT.need_max_weight)[0])

    def shared(a: int, b: int) -> float:
        if enc[a] is None or enc[b] is None:
            return 0.0
        return float((enc[a] @ enc[b].T).toarray().max())

    def rank(member_id: int, kind: str) -> list[int]:
        if kind == "mentor":
            pool = [c for c in data.coaches if c != member_id]
            scores = [answers(member_id, c) for c in pool]
        else:
            pool = [p.id for p in data.profiles if not by_id[p.id].is_coach and p.id != member_id]
            scores = [
                max(0.5 * (answers(member_id, q) + answers(q, member_id)), shared(member_id, q))
                for q in pool
            ]
        order = np.lexsort((pool, -np.asarray(scores)))
        return [pool[i] for i in order[:K]]

    return rank


def rankers(data: LabelledSet) -> dict[str, Ranker]:
    return {
        "plain word TF-IDF (scikit-learn)": text_ranker(data, TfidfVectorizer()),
        "plain char TF-IDF (3-5-grams)": text_ranker(
            data, TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        ),
        "words alone (theme_weight 0)": index_ranker(data, replace(RANKING, theme_weight=0.0)),
        "themes alone (theme_weight 1)": index_ranker(data, replace(RANKING, theme_weight=1.0)),
        f"fusion (default, w={DEFAULT.theme_weight:g})": index_ranker(data, RANKING),
    }


def reading_figures(data: LabelledSet) -> tuple[float, float, float]:
    """(need theme accuracy, share of off-topic needs read « hors thèmes », share of in-theme
    needs wrongly read « hors thèmes »)."""
    model = default_model()
    texts, labels = data.need_texts()
    best = model.best_themes(model.distributions(texts))
    in_theme = [(b, t) for b, t in zip(best, labels, strict=True) if t != "hors_themes"]
    off = [b for b, t in zip(best, labels, strict=True) if t == "hors_themes"]
    accuracy = float(np.mean([b == t for b, t in in_theme]))
    caught = float(np.mean([b is None for b in off])) if off else float("nan")
    lost = float(np.mean([b is None for b, _ in in_theme]))
    return accuracy, caught, lost


def quality() -> None:
    print(f"# Matching quality, nDCG@{K} (mentor / peer)\n")
    sets = {name: load_set(name) for name in ("corpus-guard", *SETS)}
    names = list(sets)
    print("| ranker | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    rows: dict[str, list[str]] = {}
    for data in sets.values():
        random_runs = [evaluate(data, random_ranker(data, seed)) for seed in range(10)]
        mean = np.mean(random_runs, axis=0)
        rows.setdefault("random (mean of 10 seeds)", []).append(f"{mean[0]:.3f} / {mean[1]:.3f}")
        for label, ranker in rankers(data).items():
            mentor, peer = evaluate(data, ranker)
            rows.setdefault(label, []).append(f"{mentor:.3f} / {peer:.3f}")
    for label, cells in rows.items():
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("\n# How the theme model reads the needs\n")
    print("| set | needs | need theme accuracy | off-topic read « hors thèmes » | in-theme lost |")
    print("|---|---|---|---|---|")
    for name, data in sets.items():
        accuracy, caught, lost = reading_figures(data)
        n = len(data.need_texts()[0])
        print(f"| {name} | {n} | {accuracy:.3f} | {caught:.2f} | {lost:.3f} |")
    print(f"\nBlind sets ({', '.join(BLIND)}) are never used to choose a weight or a threshold.")


def tune() -> None:
    """The grid on the tuning sets: weights of the fusion, then the help threshold."""
    sets = [load_set(name) for name in TUNE]
    print(f"# Tuning grid on {' + '.join(TUNE)}: mentor / peer nDCG@5, and the mean of all\n")
    print("| theme_weight | top_themes | about_row_weight | " + " | ".join(TUNE) + " | mean |")
    print("|---|---|---|" + "---|" * len(TUNE) + "---|")
    results = []
    grid = [(0.0, 1, about) for about in (0.25, 0.5, 1.0)]  # no theme block: top_themes moot
    grid += [
        (w, top, about)
        for w in (0.2, 0.4, 0.6, 0.8, 1.0)
        for top in (1, 2, 3, 5)
        for about in (0.25, 0.5, 1.0)
    ]
    for w, top, about in grid:
        if True:
            if True:
                config = replace(RANKING, theme_weight=w, top_themes=top, about_row_weight=about)
                figures = [evaluate(data, index_ranker(data, config)) for data in sets]
                mean = float(np.mean(figures))
                results.append((mean, w, top, about))
                cells = " | ".join(f"{m:.3f} / {p:.3f}" for m, p in figures)
                print(f"| {w:g} | {top} | {about:g} | {cells} | {mean:.3f} |", flush=True)
    chosen = max(results, key=lambda r: (round(r[0], 3), -r[1]))
    print(
        f"\nrule: the best mean (ties: the smaller theme weight) -> theme_weight={chosen[1]:g}, "
        f"top_themes={chosen[2]}, about_row_weight={chosen[3]:g} (mean {chosen[0]:.3f}); "
        f"MatchConfig defaults: theme_weight={DEFAULT.theme_weight:g}, "
        f"top_themes={DEFAULT.top_themes}, about_row_weight={DEFAULT.about_row_weight:g}"
    )
    help_threshold(sets)


def help_threshold(sets: list[LabelledSet]) -> None:
    """Precision and recall of "can really help" on the tuning sets, for the default weights."""
    print("\n# help threshold on the tuning sets: does a coach above it really help?\n")
    pairs = []
    for data in sets:
        index = MemberIndex(featurizer(DEFAULT), RANKING).build(data.profiles)
        for p in data.seekers:
            for match in index.mentors_for(p.id, limit=-1):
                relevant = data.need_theme[p.id] in data.themes[match.member_id]
                pairs.append((match.score, relevant))
    scores = np.asarray([s for s, _ in pairs])
    truth = np.asarray([r for _, r in pairs])
    print("| threshold | precision | recall | F1 |")
    print("|---|---|---|---|")
    best_f1, best_t = 0.0, 0.0
    for t in np.arange(0.05, 0.951, 0.05):
        above = scores >= t
        precision = truth[above].mean() if above.any() else 0.0
        recall = above[truth].mean() if truth.any() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 > best_f1:
            best_f1, best_t = f1, t
        print(f"| {t:.2f} | {precision:.3f} | {recall:.3f} | {f1:.3f} |")
    print(
        f"\nbest F1 {best_f1:.3f} at {best_t:.2f}; MatchConfig.help_threshold = "
        f"{DEFAULT.help_threshold:g}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tune", action="store_true", help="print the dev-tune grid")
    parser.add_argument(
        "--threshold", action="store_true", help="only the help-threshold table (dev-tune)"
    )
    args = parser.parse_args()
    if args.threshold:
        help_threshold([load_set(name) for name in TUNE])
    elif args.tune:
        tune()
    else:
        quality()


if __name__ == "__main__":
    main()
