"""Training recommendations: a member's open needs -> the catalogue modules that answer them.

Scoring. The recommender encodes every module's parts (title, summary, each objective, topics)
and the module as a whole as *offer rows* of `matching.features`, so a need meets a module with
the same fusion of meaning and words as it meets a coach: ``w * cos_themes + (1 - w) *
cos_words``. A need's relevance to a module is ``PART_WEIGHT * best part + (1 - PART_WEIGHT) *
whole module``. A module's score for a member is its best need plus `SECOND_NEED_BONUS` times
its second best need when that one reaches `SECOND_NEED_MIN` and half the best (a module
answering two needs beats one answering a single need equally well), multiplied by
`OFF_AUDIENCE_FACTOR` when the module is not meant for the member's audience. Modules below
`MIN_RELEVANCE` are not shown.

Themes of a module (`ModuleRecommender.module_themes_`, what the incubator calls *covered*): the
themes the model gives at least `MODULE_THEME_MIN` probability when it reads the whole module.

Filters. Only published modules; regional modules only for members of that region; modules the
member already followed are left out.

Audience rule (`audience_for`), first match wins on the normalised job title and role:
élu, maire, conseiller municipal/départemental/régional/communautaire, président(e),
vice-président(e) -> ``elus``; DGS, DGA, DGAS, DGST, DRH, directeur/directrice, direction ->
``direction``; chef, responsable, manager, encadrant(e), coordinateur/coordinatrice ->
``managers``; anything else -> ``agents``.

Reasons only cite what drove the score: the need(s) counted, the module part that matched each,
and whether a shared theme or shared words made the match.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from catalogue.errors import CatalogueError
from catalogue.modules import AUDIENCES, Module
from catalogue.parts import EncodedItems
from matching.features import Featurizer, RowText
from matching.reasons import pair_cue, quote
from matching.rows import Rows
from matching.text import normalize

__all__ = [
    "MIN_RELEVANCE",
    "MODULE_THEME_MIN",
    "ModuleRecommender",
    "NeedLike",
    "Recommendation",
    "audience_for",
]

PART_WEIGHT = 0.5
SECOND_NEED_BONUS = 0.25
SECOND_NEED_MIN = 0.2
OFF_AUDIENCE_FACTOR = 0.7
MIN_RELEVANCE = 0.1
MODULE_THEME_MIN = 0.3

_ELUS = {"elu", "elue", "elus", "maire", "president", "presidente", "vice"}
_COUNCIL = {"municipal", "municipale", "departemental", "departementale", "regional", "regionale",
            "communautaire"}  # fmt: skip
_DIRECTION = {"dgs", "dga", "dgas", "dgst", "drh", "dg", "directeur", "directrice", "direction"}
_MANAGERS = {"chef", "cheffe", "responsable", "manager", "encadrant", "encadrante",
             "coordinateur", "coordinatrice", "coordonnateur"}  # fmt: skip


class NeedLike(Protocol):
    """Anything with an `id` and a `text` (a `matching.profiles.Need`, a DB row...)."""

    @property
    def id(self) -> int: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A module suggested to a member, with a score in [0, 1] and French reasons."""

    module_id: str
    title: str
    score: float
    reasons: tuple[str, ...]
    matched_need_ids: tuple[int, ...] = ()


def audience_for(job_title: str = "", role: str = "member") -> str:
    """Map a job title (and role) to a module audience with the rule of the module docstring."""
    tokens = set(normalize(f"{job_title} {role if role != 'member' else ''}").split())
    council = {"conseiller", "conseillere"} & tokens and tokens & _COUNCIL
    if tokens & _ELUS or council:
        return "elus"
    if tokens & _DIRECTION:
        return "direction"
    if tokens & _MANAGERS:
        return "managers"
    return "agents"


class ModuleRecommender:
    """The catalogue encoded once; answers members from their need rows (no text analysis).

    Parameters
    ----------
    featurizer : the theme model and lexical encoder the matching index uses.
    """

    def __init__(self, featurizer: Featurizer) -> None:
        self.featurizer = featurizer

    def fit(self, modules: Sequence[Module]) -> ModuleRecommender:
        """Encode every module of the catalogue (all statuses; filtering is per query)."""
        if not modules:
            raise CatalogueError("cannot fit a recommender on an empty catalogue")
        self.modules_ = tuple(modules)
        self.items_ = EncodedItems.encode(
            self.featurizer,
            [_parts(module) for module in self.modules_],
            [module.text for module in self.modules_],
            PART_WEIGHT,
        )
        model = self.featurizer.model
        dist = model.distributions([m.text for m in self.modules_])
        self.module_themes_ = tuple(
            frozenset(model.themes_[j] for j in np.flatnonzero(row >= MODULE_THEME_MIN))
            for row in dist
        )
        return self

    def relevance(self, needs: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """(needs x modules relevance, needs x modules index of the best part) for need rows."""
        self._check_fitted()
        return self.items_.relevance(needs)

    def encode_needs(self, needs: Sequence[NeedLike]) -> tuple[list[RowText], Rows]:
        """Need rows of needs that are not in the matching index (a member without consent)."""
        rows = [RowText("need", n.text, n.id) for n in needs if n.text.strip()]
        corrected = [getattr(n, "theme", None) for n in needs if n.text.strip()]
        encoded = self.featurizer.encode(rows, [1.0] * len(rows), corrected)
        return rows, Rows.of(encoded.rows, encoded.themes)

    def recommend(
        self,
        need_rows: Sequence[RowText],
        needs: Rows,
        *,
        audience_hint: str | None = None,
        region: str | None = None,
        followed: Collection[str] = (),
        limit: int = 5,
    ) -> list[Recommendation]:
        """The best `limit` open modules for these need rows (see the module docstring)."""
        self._check_fitted()
        if audience_hint is not None and audience_hint not in AUDIENCES:
            raise CatalogueError(f"unknown audience {audience_hint!r}; expected one of {AUDIENCES}")
        if not need_rows or limit <= 0:
            return []
        rel, part_idx = self.relevance(needs.csr)
        followed = set(followed)
        results: list[Recommendation] = []
        for m, module in enumerate(self.modules_):
            if not module.is_open or module.id in followed:
                continue
            if module.region is not None and module.region != region:
                continue
            order = np.argsort(-rel[:, m], kind="stable")
            best = order[0]
            if rel[best, m] < MIN_RELEVANCE:
                continue
            drivers = [best]
            score = rel[best, m]
            if len(order) > 1 and rel[order[1], m] >= max(SECOND_NEED_MIN, 0.5 * rel[best, m]):
                drivers.append(order[1])
                score += SECOND_NEED_BONUS * rel[order[1], m]
            fits = audience_hint is None or audience_hint in module.audience
            if not fits:
                score *= OFF_AUDIENCE_FACTOR
            reasons = [
                self._reason(need_rows[i], needs.row(i), int(part_idx[i, m])) for i in drivers
            ]
            if audience_hint is not None and fits:
                reasons.append(f"Conçu pour votre public ({_AUDIENCE_FR[audience_hint]})")
            if module.region is not None:
                reasons.append(f"Proposé dans votre région ({module.region})")
            matched = tuple(
                int(need_rows[i].need_id) for i in drivers if need_rows[i].need_id is not None
            )
            results.append(
                Recommendation(
                    module.id,
                    module.title,
                    round(float(min(score, 1.0)), 4),
                    tuple(reasons),
                    matched,
                )
            )
        results.sort(key=lambda r: (-r.score, r.module_id))
        return results[:limit]

    def _reason(self, need: RowText, need_row: Rows, part: int) -> str:
        """« <cue> — votre besoin « … » / objectif « … » »."""
        model = self.featurizer.model
        names = [model.names_[t] for t in model.themes_]
        text = self.items_.texts[part]
        cue = pair_cue(need_row, self.items_.rows.row(part), need.text, text, names)
        kind = self.items_.kinds[part]
        return f"{cue.lead()} — votre besoin « {quote(need.text)} » / {kind} « {quote(text)} »"

    def _check_fitted(self) -> None:
        if not hasattr(self, "modules_"):
            raise CatalogueError("ModuleRecommender is not fitted; call fit(modules) first")


_AUDIENCE_FR = {"agents": "agents", "managers": "managers", "direction": "équipes de direction",
                "elus": "élus"}  # fmt: skip


def _parts(module: Module) -> list[tuple[str, str]]:
    parts = [("titre", module.title), ("présentation", module.summary)]
    parts += [("objectif", objective) for objective in module.objectives]
    if module.topics:
        parts.append(("thèmes", ", ".join(module.topics)))
    return parts
