"""Training recommendations: a member's open needs -> the catalogue modules that answer them.

Scoring. The recommender is fitted once on the catalogue: word TF-IDF (stemmed French words)
and character n-gram TF-IDF (typos, missing accents) over the parts of every module (title,
summary, each objective, topics), and theme counts of the domain thesaurus
(`matching.features.ThesaurusVectorizer`: a member's everyday words and a module's method names
meet on the same theme). The similarity of a need to a part is the weighted mean
``(WORD_WEIGHT * word cos + (1 - WORD_WEIGHT) * char cos + THESAURUS_WEIGHT * theme cos)
/ (1 + THESAURUS_WEIGHT)``; a need's relevance to a module is
``PART_WEIGHT * best part + (1 - PART_WEIGHT) * whole module``. A module's score for a member is
its best need plus `SECOND_NEED_BONUS` times its second best need when that one reaches
`SECOND_NEED_MIN` (the 90th percentile of need/module relevance across different themes on the
`tune` split) and half the best (a module answering two needs beats one answering a single need
equally well), multiplied by `OFF_AUDIENCE_FACTOR` when the
module is not meant for the member's audience. Modules below `MIN_RELEVANCE` are not shown.

Filters. Only published modules; regional modules only for members of that region; modules the
member already followed are left out.

Audience rule (`audience_for`), first match wins on the normalised job title and role:
élu, maire, conseiller municipal/départemental/régional/communautaire, président(e),
vice-président(e) -> ``elus``; DGS, DGA, DGAS, DGST, DRH, directeur/directrice, direction ->
``direction``; chef, responsable, manager, encadrant(e), coordinateur/coordinatrice ->
``managers``; anything else -> ``agents``.

Reasons only cite what drove the score: the need(s) counted and the module part that matched each.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize as l2_normalize

from catalogue.errors import CatalogueError
from catalogue.modules import AUDIENCES, Module
from matching.features import ThesaurusVectorizer
from matching.text import make_char_vectorizer, make_word_vectorizer, normalize

__all__ = [
    "MIN_RELEVANCE",
    "ModuleRecommender",
    "NeedLike",
    "Recommendation",
    "audience_for",
    "recommend_modules",
]

WORD_WEIGHT = 0.3
THESAURUS_WEIGHT = 0.15
PART_WEIGHT = 0.3
MEMO_TEXTS = 50_000
"""Need texts whose relevance rows a fitted recommender remembers."""
SECOND_NEED_BONUS = 0.25
SECOND_NEED_MIN = 0.13
OFF_AUDIENCE_FACTOR = 0.7
MIN_RELEVANCE = 0.05

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
    """Fitted once on the catalogue, answers many members fast.

    Parameters
    ----------
    word_weight : float
        Share of word TF-IDF against character n-grams in the lexical similarity (in [0, 1]).
    thesaurus_weight : float
        Weight of the thesaurus-theme cosine beside the lexical similarity (weight 1).
    min_relevance : float
        Modules whose relevance to every need is below this are never recommended.
    """

    def __init__(
        self,
        word_weight: float = WORD_WEIGHT,
        thesaurus_weight: float = THESAURUS_WEIGHT,
        min_relevance: float = MIN_RELEVANCE,
    ) -> None:
        self.word_weight = word_weight
        self.thesaurus_weight = thesaurus_weight
        self.min_relevance = min_relevance

    def fit(self, modules: Sequence[Module]) -> ModuleRecommender:
        """Vectorise every module of the catalogue (all statuses; filtering is per query)."""
        self._memo: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if not 0.0 <= self.word_weight <= 1.0:
            raise CatalogueError(f"word_weight must be in [0, 1], got {self.word_weight}")
        if self.thesaurus_weight < 0:
            raise CatalogueError(f"thesaurus_weight must be >= 0, got {self.thesaurus_weight}")
        if not modules:
            raise CatalogueError("cannot fit a recommender on an empty catalogue")
        self.modules_ = tuple(modules)
        parts: list[str] = []
        owner: list[int] = []
        self.part_labels_: list[str] = []
        for index, module in enumerate(self.modules_):
            for kind, text in _parts(module):
                parts.append(text)
                owner.append(index)
                shown = text if len(text) <= 160 else text[:157].rstrip() + "…"
                self.part_labels_.append(f"{kind} « {shown} »")
        self.part_owner_ = np.asarray(owner)
        self.word_ = make_word_vectorizer().fit(parts)
        self.char_ = make_char_vectorizer().fit(parts)
        self.theme_ = ThesaurusVectorizer().fit(parts)
        whole = [m.text for m in self.modules_]
        self.part_blocks_ = self._blocks(parts)
        self.module_blocks_ = self._blocks(whole)
        counts = self.theme_.transform(whole).toarray()
        names = self.theme_.get_feature_names_out()
        self.module_themes_ = tuple(
            str(names[row.argmax()]) if row.max() > 0 else None for row in counts
        )
        return self

    def _blocks(self, texts: list[str]) -> list[sparse.csr_matrix]:
        """L2-normalised word, char and thesaurus blocks of texts."""
        return [
            l2_normalize(self.word_.transform(texts)),
            l2_normalize(self.char_.transform(texts)),
            l2_normalize(self.theme_.transform(texts)),
        ]

    def _similarity(self, a: list[sparse.csr_matrix], b: list[sparse.csr_matrix]) -> np.ndarray:
        weights = (self.word_weight, 1.0 - self.word_weight, self.thesaurus_weight)
        total = sum(weights)
        return sum(w / total * (x @ y.T).toarray() for w, x, y in zip(weights, a, b, strict=True))

    def relevance(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(needs x modules relevance, needs x modules index of the best part, -1 if none).

        Each text's row depends on that text alone, so rows are remembered per text (up to
        `MEMO_TEXTS`; a refit starts afresh): a member asking again costs no encoding.
        """
        self._check_fitted()
        memo = self._memo
        missing = list(dict.fromkeys(text for text in texts if text not in memo))
        if missing:
            if len(memo) + len(missing) > MEMO_TEXTS:
                memo.clear()
            rel, idx = self._relevance(missing)
            memo.update((text, (rel[i], idx[i])) for i, text in enumerate(missing))
        if not texts:
            return np.zeros((0, len(self.modules_))), np.zeros((0, len(self.modules_)), dtype=int)
        rows = [memo[text] for text in texts]
        return np.vstack([r for r, _ in rows]), np.vstack([i for _, i in rows])

    def _relevance(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        blocks = self._blocks(list(texts))
        part_sim = self._similarity(blocks, self.part_blocks_)
        whole = self._similarity(blocks, self.module_blocks_)
        n_mod = len(self.modules_)
        best_part = np.zeros((len(texts), n_mod))
        best_idx = np.zeros((len(texts), n_mod), dtype=int)
        for m in range(n_mod):
            cols = np.flatnonzero(self.part_owner_ == m)
            sub = part_sim[:, cols]
            arg = sub.argmax(axis=1)
            best_idx[:, m] = cols[arg]
            best_part[:, m] = sub[np.arange(len(texts)), arg]
        best_idx[best_part <= 0] = -1
        return PART_WEIGHT * best_part + (1 - PART_WEIGHT) * whole, best_idx

    def recommend(
        self,
        needs: Sequence[NeedLike],
        *,
        audience_hint: str | None = None,
        region: str | None = None,
        followed: Collection[str] = (),
        limit: int = 5,
    ) -> list[Recommendation]:
        """The best `limit` open modules for these needs (see the module docstring)."""
        self._check_fitted()
        if audience_hint is not None and audience_hint not in AUDIENCES:
            raise CatalogueError(f"unknown audience {audience_hint!r}; expected one of {AUDIENCES}")
        needs = [n for n in needs if n.text.strip()]
        if not needs or limit <= 0:
            return []
        rel, part_idx = self.relevance([n.text for n in needs])
        followed = set(followed)
        results: list[Recommendation] = []
        for m, module in enumerate(self.modules_):
            if not module.is_open or module.id in followed:
                continue
            if module.region is not None and module.region != region:
                continue
            order = np.argsort(-rel[:, m])
            best = order[0]
            if rel[best, m] < self.min_relevance:
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
                f"Répond à votre besoin « {needs[i].text} » : {self._part_label(part_idx[i, m], m)}"
                for i in drivers
            ]
            if audience_hint is not None and fits:
                reasons.append(f"Conçu pour votre public ({_AUDIENCE_FR[audience_hint]})")
            if module.region is not None:
                reasons.append(f"Proposé dans votre région ({module.region})")
            results.append(
                Recommendation(
                    module.id,
                    module.title,
                    round(float(min(score, 1.0)), 4),
                    tuple(reasons),
                    tuple(int(needs[i].id) for i in drivers),
                )
            )
        results.sort(key=lambda r: (-r.score, r.module_id))
        return results[:limit]

    def _part_label(self, part: int, module: int) -> str:
        """The module part that matched (the module as a whole when no single part did)."""
        if part < 0:
            return f"module « {self.modules_[module].title} »"
        return self.part_labels_[part]

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


def recommend_modules(
    needs: Sequence[NeedLike],
    modules: Sequence[Module],
    *,
    audience_hint: str | None = None,
    region: str | None = None,
    followed: Collection[str] = (),
    limit: int = 5,
) -> list[Recommendation]:
    """One-shot helper: fit a `ModuleRecommender` on `modules` and recommend for `needs`."""
    recommender = ModuleRecommender().fit(modules)
    return recommender.recommend(
        needs, audience_hint=audience_hint, region=region, followed=followed, limit=limit
    )
