"""The incubator: demand clusters -> catalogue coverage -> proposals of new modules.

Coverage. A cluster's similarity to a module is the mean relevance (`ModuleRecommender.relevance`)
of the cluster's needs to that module. When the cluster has a dominant thesaurus theme
(`Cluster.theme`), it is ``covered`` exactly when a *published* module has the same dominant
theme (`ModuleRecommender.module_themes_`), and the best of those modules is reported (the best
module overall when none shares the theme, for information). Otherwise
the best published module is kept and the cluster is covered when the similarity reaches
`COVERAGE_THRESHOLD` (tuned on the `tune` split of the dev set).

Proposals. An uncovered cluster whose needs come from at least `MIN_MEMBERS` distinct members gets
a proposal: a title from its label, 3–4 French objectives built from its distinguishing words and
its most typical need, the majority audience of the members, a format (``hybride`` when the
members come from several regions, else ``presentiel``) and the demand (members, regions).

Contributors. Coaches and trainers whose offers share stems with the cluster's centroid or its
thesaurus theme (see `contributors`), best first.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from catalogue.errors import InvalidProposalError
from catalogue.modules import Module, module_from_dict
from catalogue.recommend import ModuleRecommender
from matching.clustering import Cluster
from matching.features import ThesaurusVectorizer
from matching.text import analyze

__all__ = [
    "COVERAGE_THRESHOLD",
    "MIN_MEMBERS",
    "Contributor",
    "Coverage",
    "DemandNeed",
    "Proposal",
    "assess_coverage",
    "contributors",
    "module_from_proposal",
    "propose_modules",
]

COVERAGE_THRESHOLD = 0.10
MIN_MEMBERS = 3
MIN_CONTRIBUTION = 0.1
THEME_MATCH_BONUS = 0.3
RELATIVE_CUT = 0.4
MAX_CONTRIBUTORS = 5


@dataclass(frozen=True, slots=True)
class DemandNeed:
    """One open need as the incubator sees it (the text clustered at the same index)."""

    id: int
    member_id: int
    text: str
    region: str | None = None
    audience: str = "agents"


@dataclass(frozen=True, slots=True)
class Coverage:
    """How well the published catalogue answers one demand cluster."""

    cluster_id: int
    label: str
    size: int
    members: int
    best_module_id: str | None
    best_module_title: str | None
    similarity: float
    covered: bool


@dataclass(frozen=True, slots=True)
class Contributor:
    """A coach or trainer who could build the proposed module, with French reasons."""

    member_id: int
    display_name: str
    role: str
    reasons: tuple[str, ...]
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Proposal:
    """A module the incubator suggests creating for an uncovered demand cluster."""

    cluster_id: int
    title: str
    objectives: tuple[str, ...]
    audience: tuple[str, ...]
    format: str
    demand: dict[str, Any]
    topics: tuple[str, ...] = ()
    contributors: tuple[Contributor, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: {"title", "objectives", "audience", "format", "demand", ...}."""
        return {
            "cluster_id": self.cluster_id,
            "title": self.title,
            "objectives": list(self.objectives),
            "audience": list(self.audience),
            "format": self.format,
            "demand": self.demand,
            "topics": list(self.topics),
            "contributors": [
                {
                    "member_id": c.member_id,
                    "display_name": c.display_name,
                    "role": c.role,
                    "reasons": list(c.reasons),
                }
                for c in self.contributors
            ],
        }


def assess_coverage(
    clusters: Sequence[Cluster],
    needs: Sequence[DemandNeed],
    recommender: ModuleRecommender,
    *,
    threshold: float = COVERAGE_THRESHOLD,
    sample_per_cluster: int = 100,
) -> list[Coverage]:
    """For each cluster, its best published module, the similarity and whether it is covered.

    The similarity of a large cluster is measured on `sample_per_cluster` of its needs, evenly
    spaced (deterministic), so coverage stays fast on 100,000 needs.
    """
    open_cols = [i for i, m in enumerate(recommender.modules_) if m.is_open]
    sampled = {c.id: _spread(c.member_indices, sample_per_cluster) for c in clusters}
    used = sorted({i for rows in sampled.values() for i in rows})
    position = {need: row for row, need in enumerate(used)}
    texts = [needs[i].text for i in used]
    rel = recommender.relevance(texts)[0] if texts else np.zeros((0, 0))
    result = []
    for cluster in clusters:
        rows = [position[i] for i in sampled[cluster.id]]
        members = len({needs[i].member_id for i in cluster.member_indices})
        themed = [i for i in open_cols if recommender.module_themes_[i] == cluster.theme]
        cols = themed or open_cols
        if not rows or not cols:
            result.append(
                Coverage(cluster.id, cluster.label, cluster.size, members, None, None, 0.0, False)
            )
            continue
        mean = rel[np.ix_(rows, cols)].mean(axis=0)
        best = int(np.argmax(mean))
        module = recommender.modules_[cols[best]]
        sim = round(float(mean[best]), 4)
        covered = bool(themed) if cluster.theme is not None else sim >= threshold
        result.append(
            Coverage(
                cluster.id,
                cluster.label,
                cluster.size,
                members,
                module.id,
                module.title,
                sim,
                covered,
            )
        )
    return result


def _spread(indices: Sequence[int], limit: int) -> list[int]:
    """At most `limit` evenly spaced items of `indices`."""
    if len(indices) <= limit:
        return list(indices)
    picks = np.linspace(0, len(indices) - 1, num=limit).round().astype(int)
    return [indices[i] for i in np.unique(picks)]


def contributors(
    cluster: Cluster, coaches: Sequence[tuple[int, str, str, Sequence[str]]]
) -> list[Contributor]:
    """Coaches and trainers whose offers match the cluster, best first, with French reasons.

    An offer scores the centroid weight of the stems it shares with the cluster, plus
    `THEME_MATCH_BONUS` when its dominant thesaurus theme is the cluster's. A coach is kept when
    the total reaches `MIN_CONTRIBUTION` and at least `RELATIVE_CUT` times the best coach's.
    """
    candidates = [c for c in coaches if c[2] in ("coach", "trainer")]
    offers = [offer for c in candidates for offer in c[3]]
    themes = _offer_themes(offers) if cluster.theme is not None and offers else {}
    scored = []
    for member_id, display_name, role, member_offers in candidates:
        score = 0.0
        reasons = []
        for offer in member_offers:
            shared = sorted({s for s in analyze(offer) if s in cluster.centroid})
            offer_score = sum(cluster.centroid[s] for s in shared)
            same_theme = cluster.theme is not None and themes.get(offer) == cluster.theme
            offer_score += THEME_MATCH_BONUS if same_theme else 0.0
            if offer_score < MIN_CONTRIBUTION:
                continue
            score += offer_score
            why = "même thème que la demande" if same_theme else "mots communs avec la demande"
            reasons.append(f"Propose « {offer} » ({why} « {cluster.label} »)")
        if score >= MIN_CONTRIBUTION:
            scored.append(
                Contributor(member_id, display_name, role, tuple(reasons), round(score, 4))
            )
    if not scored:
        return []
    best = max(c.score for c in scored)
    kept = [c for c in scored if c.score >= RELATIVE_CUT * best]
    kept.sort(key=lambda c: (-c.score, c.member_id))
    return kept[:MAX_CONTRIBUTORS]


def _offer_themes(offers: list[str]) -> dict[str, str | None]:
    """Dominant thesaurus theme of each offer text (None when no thesaurus term occurs)."""
    vectorizer = ThesaurusVectorizer().fit(offers)
    counts = vectorizer.transform(offers).toarray()
    names = vectorizer.get_feature_names_out()
    return {
        o: (str(names[r.argmax()]) if r.max() > 0 else None)
        for o, r in zip(offers, counts, strict=True)
    }


def propose_modules(
    clusters: Sequence[Cluster],
    needs: Sequence[DemandNeed],
    recommender: ModuleRecommender,
    coaches: Sequence[tuple[int, str, str, Sequence[str]]] = (),
    *,
    threshold: float = COVERAGE_THRESHOLD,
    min_members: int = MIN_MEMBERS,
) -> list[Proposal]:
    """Proposals for the uncovered clusters with enough distinct members (largest demand first)."""
    coverage = {
        c.cluster_id: c for c in assess_coverage(clusters, needs, recommender, threshold=threshold)
    }
    proposals = []
    for cluster in clusters:
        cov = coverage[cluster.id]
        if cov.covered or cov.members < min_members:
            continue
        rows = [needs[i] for i in cluster.member_indices]
        regions = sorted({n.region for n in rows if n.region})
        audiences = Counter(n.audience for n in rows).most_common()
        audience = tuple(a for a, count in audiences if count >= audiences[0][1] / 2)
        proposals.append(
            Proposal(
                cluster_id=cluster.id,
                title=f"{cluster.label} : atelier d'incubation",
                objectives=_objectives(cluster, rows),
                audience=audience,
                format="hybride" if len(regions) > 1 else "presentiel",
                demand={"members": cov.members, "needs": cluster.size, "regions": regions},
                topics=tuple(cluster.top_terms[:4]),
                contributors=tuple(contributors(cluster, coaches)),
            )
        )
    proposals.sort(key=lambda p: (-p.demand["members"], p.cluster_id))
    return proposals


def _objectives(cluster: Cluster, rows: Sequence[DemandNeed]) -> tuple[str, ...]:
    words = list(cluster.top_terms) + ["ces situations"] * 3
    typical = _typical_need(cluster, rows)
    return (
        f"Comprendre les enjeux liés à « {words[0]} » et « {words[1]} »",
        f"Partager des pratiques éprouvées autour de « {words[2]} »",
        f"Travailler sur une situation vécue : « {typical} »",
        "Repartir avec un plan d'action concret pour sa collectivité",
    )


def _typical_need(cluster: Cluster, rows: Sequence[DemandNeed]) -> str:
    """The need whose stems weigh most in the cluster centroid."""

    def weight(need: DemandNeed) -> float:
        stems = set(analyze(need.text))
        return sum(cluster.centroid.get(s, 0.0) for s in stems) / (1 + len(stems)) ** 0.5

    text = max(rows, key=weight).text.strip()
    return text if len(text) <= 200 else text[:197] + "..."


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:60].strip("-") or "module"


def module_from_proposal(
    proposal: Proposal | dict[str, Any], *, duration_hours: float = 7
) -> Module:
    """Adopt a proposal: a `draft` module, `source: incubator`, validated like the catalogue."""
    data = proposal.to_dict() if isinstance(proposal, Proposal) else dict(proposal)
    missing = [k for k in ("title", "objectives", "audience", "format") if not data.get(k)]
    if missing:
        raise InvalidProposalError(f"proposal lacks {', '.join(missing)}")
    demand = data.get("demand") or {}
    summary = (
        f"Module proposé par l'incubateur pour répondre à une demande exprimée par "
        f"{demand.get('members', 'plusieurs')} membres : {data['title']}."
    )
    record = {
        "id": f"incubateur-{data.get('cluster_id', 0)}-{_slug(data['title'])}",
        "title": data["title"],
        "summary": summary,
        "objectives": list(data["objectives"]),
        "format": data["format"],
        "duration_hours": duration_hours,
        "audience": list(data["audience"]),
        "topics": list(data.get("topics", ())),
        "status": "draft",
        "source": "incubator",
    }
    return module_from_dict(record)
