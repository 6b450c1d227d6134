"""The incubator: demand groups -> catalogue coverage -> proposals of new modules.

Coverage. A theme group (or sub-group) is *covered* exactly when a published module is in its
theme (`ModuleRecommender.module_themes_`: the model reads the module in that theme); the best
module reported is the one of that theme whose parts answer the group's needs best (the best
module overall when none is in the theme, for information). An emerging group (needs « hors
thèmes ») is covered when the mean relevance of its needs to the best published module reaches
`COVERAGE_THRESHOLD`.

Proposals. Only for themes: a theme with demand from at least `MIN_MEMBERS` distinct members
and no published module gets one proposal, titled and given objectives from the taxonomy (the
theme's name and learning objectives), for the majority audience of those members, in
``hybride`` format when they come from several regions (else ``presentiel``), with the demand
(members, needs, regions) and the contributors: coaches and trainers whose offers the model
reads in that theme, most offers first.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from catalogue.errors import InvalidProposalError
from catalogue.modules import Module, module_from_dict
from catalogue.recommend import ModuleRecommender
from matching.demand import DemandGroup
from matching.reasons import quote
from matching.taxonomy import Taxonomy

__all__ = [
    "COVERAGE_THRESHOLD",
    "MIN_MEMBERS",
    "CoachOffer",
    "Contributor",
    "Coverage",
    "DemandNeed",
    "Proposal",
    "assess_coverage",
    "contributors",
    "module_from_proposal",
    "propose_modules",
]

COVERAGE_THRESHOLD = 0.3
MIN_MEMBERS = 3
MAX_CONTRIBUTORS = 5
SAMPLE_PER_GROUP = 100


@dataclass(frozen=True, slots=True)
class DemandNeed:
    """One open need as the incubator sees it (the text grouped at the same index)."""

    id: int
    member_id: int
    text: str
    region: str | None = None
    audience: str = "agents"


@dataclass(frozen=True, slots=True)
class CoachOffer:
    """One offer of a coach or trainer, with the theme the model reads in it (None: none)."""

    member_id: int
    display_name: str
    role: str
    text: str
    theme: str | None


@dataclass(frozen=True, slots=True)
class Coverage:
    """How well the published catalogue answers one demand group."""

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
    """A module the incubator suggests creating for a theme with demand and no module."""

    cluster_id: int
    theme: str
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
            "theme": self.theme,
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
    groups: Sequence[DemandGroup],
    needs: Sequence[DemandNeed],
    need_rows: sp.csr_matrix,
    recommender: ModuleRecommender,
) -> list[Coverage]:
    """For each group: its best published module, their similarity, and whether it is covered.

    `need_rows` are the fused rows of `needs` (same order). The similarity of a large group is
    measured on `SAMPLE_PER_GROUP` of its needs, evenly spaced (deterministic).
    """
    open_cols = [i for i, m in enumerate(recommender.modules_) if m.is_open]
    result = []
    for group in groups:
        members = len({needs[i].member_id for i in group.member_indices})
        rows = _spread(group.member_indices, SAMPLE_PER_GROUP)
        themed = [i for i in open_cols if group.theme in recommender.module_themes_[i]]
        cols = themed or open_cols
        if not rows or not cols:
            result.append(
                Coverage(group.id, group.label, group.size, members, None, None, 0.0, False)
            )
            continue
        rel = recommender.relevance(need_rows[rows])[0]
        mean = rel[:, cols].mean(axis=0)
        best = int(np.argmax(mean))
        module = recommender.modules_[cols[best]]
        similarity = round(float(mean[best]), 4)
        covered = bool(themed) if group.theme is not None else similarity >= COVERAGE_THRESHOLD
        if similarity <= 0:
            result.append(
                Coverage(group.id, group.label, group.size, members, None, None, 0.0, covered)
            )
            continue
        result.append(
            Coverage(
                group.id,
                group.label,
                group.size,
                members,
                module.id,
                module.title,
                similarity,
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


def contributors(theme: str, theme_name: str, offers: Sequence[CoachOffer]) -> list[Contributor]:
    """Coaches and trainers whose offers are read in `theme`, most such offers first."""
    by_member: dict[int, list[CoachOffer]] = defaultdict(list)
    for offer in offers:
        if offer.theme == theme and offer.role in ("coach", "trainer"):
            by_member[offer.member_id].append(offer)
    found = [
        Contributor(
            member_id,
            items[0].display_name,
            items[0].role,
            tuple(f"Propose « {quote(o.text)} » (thème : {theme_name})" for o in items[:2]),
            float(len(items)),
        )
        for member_id, items in by_member.items()
    ]
    found.sort(key=lambda c: (-c.score, c.member_id))
    return found[:MAX_CONTRIBUTORS]


def propose_modules(
    groups: Sequence[DemandGroup],
    coverage: Sequence[Coverage],
    needs: Sequence[DemandNeed],
    taxonomy: Taxonomy,
    offers: Sequence[CoachOffer] = (),
    *,
    min_members: int = MIN_MEMBERS,
) -> list[Proposal]:
    """One proposal per uncovered theme with demand from `min_members` members or more."""
    covered = {c.cluster_id: c.covered for c in coverage}
    by_theme: dict[str, list[DemandGroup]] = defaultdict(list)
    for group in groups:
        if group.theme is not None:
            by_theme[group.theme].append(group)
    proposals = []
    for theme_id, theme_groups in by_theme.items():
        if any(covered.get(g.id, False) for g in theme_groups):
            continue
        rows = [needs[i] for g in theme_groups for i in g.member_indices]
        members = len({n.member_id for n in rows})
        if members < min_members:
            continue
        theme = taxonomy.theme(theme_id)
        regions = sorted({n.region for n in rows if n.region})
        audiences = Counter(n.audience for n in rows).most_common()
        audience = tuple(a for a, count in audiences if count >= audiences[0][1] / 2)
        largest = max(theme_groups, key=lambda g: (g.size, -g.id))
        proposals.append(
            Proposal(
                cluster_id=largest.id,
                theme=theme_id,
                title=f"{theme.name} : parcours de formation-action",
                objectives=tuple(theme.objectives[:5]),
                audience=audience,
                format="hybride" if len(regions) > 1 else "presentiel",
                demand={"members": members, "needs": len(rows), "regions": regions},
                topics=(theme.name, *[m for m in theme.methods if len(m) <= 60][:3]),
                contributors=tuple(contributors(theme_id, theme.name, offers)),
            )
        )
    proposals.sort(key=lambda p: (-p.demand["members"], p.cluster_id))
    return proposals


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
