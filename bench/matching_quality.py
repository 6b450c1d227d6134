"""Quality (and speed) of mentor and peer matching on the labelled French dev set.

Usage (from the repo root)::

    python bench/matching_quality.py                 # test split, ablations, example, speed 20k
    python bench/matching_quality.py --split tune    # the split the thesaurus was tuned on
    python bench/matching_quality.py --quick         # smaller speed run (< 60 s in total)
    python bench/matching_quality.py --scale 100000  # speed of a top-10 mentor query at 100k

Relevance: a coach is relevant to a member when the coach's themes contain the member's need
theme; two members are relevant peers when their theme sets intersect ("peer nDCG"), or, stricter,
when their need themes are equal ("peer nDCG same need": what a shared need should find).
The engine is built on the profiles of one split only, so test needs are ranked against test
coaches. Members are set to ``national`` here: this bench measures text relevance; regional
rules are unit-tested.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402

from matching.engine import MatchConfig, MatchEngine  # noqa: E402
from matching.profiles import MemberProfile, Need  # noqa: E402

DEVSET = ROOT / "tests" / "data" / "devset_members.json"
K = 5
Ranker = Callable[[int, str], list[int]]


def load(split: str) -> tuple[list[MemberProfile], dict[int, set[str]], dict[int, str]]:
    """Profiles of one split, the theme set of each, and each member's need theme."""
    members = [m for m in json.loads(DEVSET.read_text("utf-8"))["members"] if m["split"] == split]
    profiles, themes, need_theme = [], {}, {}
    for m in members:
        profiles.append(
            MemberProfile(
                id=m["id"],
                display_name=m["display_name"],
                role=m["role"],
                organization=m["organization"],
                organization_type=m["organization_type"],
                region=m["region"],
                network_level="national",
                job_title=m["job_title"],
                bio=m["bio"],
                offers=tuple(m["offers"]),
                needs=tuple(Need(n["id"], n["text"]) for n in m["needs"]),
            )
        )
        themes[m["id"]] = {m["theme"]} | ({m["theme2"]} if m.get("theme2") else set())
        need_theme[m["id"]] = m["theme"]
    return profiles, themes, need_theme


def ndcg_precision(ranked: list[int], relevant: set[int]) -> tuple[float, float]:
    """nDCG@K and precision@K with binary gains."""
    gains = [1.0 if r in relevant else 0.0 for r in ranked[:K]]
    dcg = sum(g / np.log2(i + 2) for i, g in enumerate(gains))
    ideal = sum(1.0 / np.log2(i + 2) for i in range(min(K, len(relevant))))
    return (dcg / ideal if ideal else 0.0), sum(gains) / K


def evaluate(profiles: list[MemberProfile], themes, need_theme, ranker: Ranker) -> dict[str, float]:
    coaches = [p.id for p in profiles if p.is_coach]
    seekers = [p for p in profiles if not p.is_coach and p.needs]
    out: dict[str, list[float]] = {k: [] for k in ("m_ndcg", "m_p", "p_ndcg", "p_p", "p2", "ms")}
    for p in seekers:
        rel = {c for c in coaches if need_theme[p.id] in themes[c]}
        t0 = time.perf_counter()
        ranked = ranker(p.id, "mentor")
        out["ms"].append((time.perf_counter() - t0) * 1000)
        n, pr = ndcg_precision(ranked, rel)
        out["m_ndcg"].append(n)
        out["m_p"].append(pr)
        peers = {q.id for q in seekers if q.id != p.id and themes[q.id] & themes[p.id]}
        ranked = ranker(p.id, "peer")
        n, pr = ndcg_precision(ranked, peers)
        out["p_ndcg"].append(n)
        out["p_p"].append(pr)
        same_need = {q.id for q in seekers if q.id != p.id and need_theme[q.id] == need_theme[p.id]}
        out["p2"].append(ndcg_precision(ranked, same_need)[0])
    res = {k: float(np.mean(v)) for k, v in out.items() if k != "ms"}
    res["ms"] = statistics.median(out["ms"])
    return res


def engine_ranker(profiles: list[MemberProfile], config: MatchConfig) -> Ranker:
    engine = MatchEngine(config).build(profiles)

    def rank(mid: int, kind: str) -> list[int]:
        found = engine.mentors_for(mid, K) if kind == "mentor" else engine.peers_for(mid, K)
        return [m.member_id for m in found]

    return rank


def random_ranker(profiles: list[MemberProfile], seed: int) -> Ranker:
    rng = random.Random(seed)
    coaches = [p.id for p in profiles if p.is_coach]
    peers = [p.id for p in profiles if not p.is_coach and p.needs]

    def rank(mid: int, kind: str) -> list[int]:
        pool = [i for i in (coaches if kind == "mentor" else peers) if i != mid]
        return rng.sample(pool, min(K, len(pool)))

    return rank


def plain_tfidf_ranker(profiles: list[MemberProfile]) -> Ranker:
    """Baseline: scikit-learn's default TfidfVectorizer, needs vs concatenated offers."""
    by_id = {p.id: p for p in profiles}
    need = {p.id: " ".join(n.text for n in p.needs) for p in profiles}
    offer = {p.id: " ".join((*p.offers, p.job_title, p.bio)) for p in profiles}
    vec = TfidfVectorizer().fit(list(need.values()) + list(offer.values()))
    ids = list(by_id)
    n_mat, o_mat = vec.transform([need[i] for i in ids]), vec.transform([offer[i] for i in ids])
    allv = vec.transform([need[i] + " " + offer[i] for i in ids])
    coach = np.array([by_id[i].is_coach for i in ids])
    has_needs = np.array([bool(by_id[i].needs) for i in ids])
    pos = {i: k for k, i in enumerate(ids)}

    def rank(mid: int, kind: str) -> list[int]:
        k = pos[mid]
        if kind == "mentor":
            s = (o_mat @ n_mat[k].T).toarray().ravel()
            s[~coach] = -1
        else:
            s = (allv @ allv[k].T).toarray().ravel()
            s[coach | ~has_needs] = -1
        s[k] = -1
        return [ids[j] for j in np.argsort(-s, kind="stable")[:K] if s[j] > -1]

    return rank


# min_score=0 everywhere: rank every candidate, as the baselines do, so nDCG compares orderings
# (the engine's default 0.05 floor would return shorter lists for the weaker variants).
VARIANTS: dict[str, MatchConfig] = {
    "word (French analyser)": MatchConfig(char_weight=0, thesaurus_weight=0, min_score=0),
    "+ char n-grams": MatchConfig(thesaurus_weight=0, min_score=0),
    "+ LSA (no thesaurus)": MatchConfig(thesaurus_weight=0, lsa_weight=0.5, min_score=0),
    "word + thesaurus": MatchConfig(char_weight=0, min_score=0),
    "word + char + thesaurus (default)": MatchConfig(min_score=0),
    "default + LSA": MatchConfig(lsa_weight=0.5, min_score=0),
    "default + LSA (0.25)": MatchConfig(lsa_weight=0.25, min_score=0),
}


def quality_table(split: str) -> None:
    profiles, themes, need_theme = load(split)
    n_coach = sum(p.is_coach for p in profiles)
    print(f"\n## Quality on split '{split}' ({len(profiles)} profiles, {n_coach} coaches), @{K}")
    rows: list[tuple[str, dict[str, float]]] = []
    rand = [evaluate(profiles, themes, need_theme, random_ranker(profiles, s)) for s in range(5)]
    mean_rand = {k: float(np.mean([r[k] for r in rand])) for k in rand[0]}
    rows.append(("random (mean of 5 seeds)", mean_rand))
    plain = evaluate(profiles, themes, need_theme, plain_tfidf_ranker(profiles))
    rows.append(("plain word TF-IDF (baseline)", plain))
    for name, cfg in VARIANTS.items():
        rows.append((name, evaluate(profiles, themes, need_theme, engine_ranker(profiles, cfg))))
    base = rows[1][1]
    header = (
        f"| {'variant':36} | mentor nDCG | mentor P | peer nDCG | peer P | peer nDCG same need "
        "| vs TF-IDF (mentor nDCG) | median ms/query |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for name, r in rows:
        ratio = r["m_ndcg"] / base["m_ndcg"] if base["m_ndcg"] else float("nan")
        print(
            f"| {name:36} | {r['m_ndcg']:11.3f} | {r['m_p']:8.3f} | {r['p_ndcg']:9.3f} | "
            f"{r['p_p']:6.3f} | {r['p2']:20.3f} | {ratio:23.2f}x | {r['ms']:15.2f} |"
        )


EXAMPLE_NEED = "mes agents décrochent depuis qu'on alterne présentiel et distanciel"
EXAMPLE_COACHES = {
    1: "management hybride, rituels d'équipe à distance",
    2: "animation d'ateliers participatifs et intelligence collective",
    3: "ouverture des données publiques et tableaux de bord",
    4: "prévention des risques psychosociaux",
    5: "conduite du changement et gestion des résistances",
    6: "langage clair et simplification des courriers",
    7: "accompagnement des agents en décrochage scolaire",
}


def example_check() -> None:
    coaches = [
        MemberProfile(id=i, display_name=f"C{i}", role="coach", offers=(t,))
        for i, t in EXAMPLE_COACHES.items()
    ]
    member = MemberProfile(id=100, display_name="M", needs=(Need(1, EXAMPLE_NEED),))
    print(f"\n## Example: « {EXAMPLE_NEED} »")
    word_only = VARIANTS["word (French analyser)"]
    for name, cfg in (("word only", word_only), ("default", MatchConfig())):
        engine = MatchEngine(cfg).build([*coaches, member])
        ranked = engine.mentors_for(100, 10)
        first = ranked[0].member_id if ranked else None
        verdict = "OK: hybrid-management coach first" if first == 1 else "MISS"
        top = ", ".join(f"{m.member_id}:{m.score:.2f}" for m in ranked[:4])
        print(f"- {name:10} -> {verdict} (ranked {top})")


def speed(n: int, queries: int) -> None:
    """Median latency of top-10 mentor queries over `n` synthetic profiles from dev-set text."""
    profiles, _, _ = load("tune")
    profiles += load("test")[0]
    rng = random.Random(7)
    coaches = [p for p in profiles if p.is_coach]
    members = [p for p in profiles if not p.is_coach]
    synth = []
    for i in range(n):
        src = rng.choice(coaches) if rng.random() < 0.25 else rng.choice(members)
        synth.append(replace(src, id=i + 1))
    t0 = time.perf_counter()
    engine = MatchEngine().build(synth)
    build_s = time.perf_counter() - t0
    seekers = [p.id for p in synth if not p.is_coach and p.needs][:queries]
    engine.mentors_for(seekers[0], 10)  # warm the stacks
    t_m, t_p = [], []
    for mid in seekers:
        t0 = time.perf_counter()
        engine.mentors_for(mid, 10)
        t_m.append((time.perf_counter() - t0) * 1000)
    for mid in seekers[: max(3, queries // 4)]:
        t0 = time.perf_counter()
        engine.peers_for(mid, 10)
        t_p.append((time.perf_counter() - t0) * 1000)
    base = TfidfVectorizer().fit([" ".join(p.offers) + " " + p.job_title for p in synth])
    mat = base.transform([" ".join(p.offers) + " " + p.job_title for p in synth]).tocsr()
    q = base.transform([synth[0].needs[0].text if synth[0].needs else "x"])
    t_b = []
    for _ in range(len(seekers)):
        t0 = time.perf_counter()
        s = (mat @ q.T).toarray().ravel()
        np.argpartition(-s, 10)[:10]
        t_b.append((time.perf_counter() - t0) * 1000)
    mb = statistics.median(t_b)
    print(f"\n## Speed over {n} profiles (build {build_s:.1f} s, {len(seekers)} queries)")
    print("| query | median ms | ratio vs plain TF-IDF X@q |")
    print("|-------|-----------|---------------------------|")
    print(f"| plain TF-IDF X@q + top-10 (baseline) | {mb:.2f} | 1.00x |")
    for name, times in (("mentors_for top-10", t_m), ("peers_for top-10", t_p)):
        med = statistics.median(times)
        print(f"| {name} | {med:.2f} | {med / mb:.2f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("test", "tune", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="small speed run (< 60 s in all)")
    parser.add_argument("--scale", type=int, default=None, help="profiles in the speed run")
    args = parser.parse_args()
    for split in ("test", "tune") if args.split == "both" else (args.split,):
        quality_table(split)
    example_check()
    n = args.scale or (5_000 if args.quick else 20_000)
    speed(n, 20 if args.quick else 50)


if __name__ == "__main__":
    main()
