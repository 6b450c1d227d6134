"""Mentor and peer scores from (need, offer) similarities, and the mentor ranking rules.

Similarity of a need and an offer: the one fusion of `matching.features`, ``row_weight * (w *
cos_themes + (1 - w) * cos_words)`` with ``w = theme_weight`` (0 for a need « hors thèmes »).
The weights were chosen on the `tune` split of the dev set (`bench/matching_quality.py --split
tune` prints the grid).

Text relevance of a coach for a member: for each open need, the best similarity over the coach's
offer rows; then ``need_max_weight * max + (1 - need_max_weight) * mean`` over the member's needs
(one strongly covered need matters most; covering several helps a little).

A coach *can really help* when this relevance reaches `MatchConfig.help_threshold`. Region and
cross-silo bonuses never make a coach who cannot help rank above one who can: the sort key
always starts with `helps`.

Tiered network: members are ``local`` (their region first), ``regional`` (their region preferred)
or ``national``. When a local or regional member has no coach of their region above the
threshold, the search is national and each helping result says so (`reasons.WIDENED`).

- ``local`` members: sort key ``(helps, same_region, score)``: helpers of their region first.
- ``regional`` members: helping coaches of their region get `region_bonus` (preferred, not forced).
- ``national`` members: no regional preference.
- A coach of another organisation type gets `cross_silo_bonus` (a tie-break, not a lift).

Peer score (symmetric): ``max(mean(d(A->B), d(B->A)), shared(A, B))`` where ``d(A->B)`` is how
well A's offers answer B's needs (aggregated like mentor relevance) and ``shared`` is the best
cosine between a need row of A and a need row of B.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.errors import InvalidInputError

__all__ = [
    "MatchConfig",
    "MentorRanking",
    "aggregate_needs",
    "peer_score",
    "rank_mentors",
]


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Parameters of the representation and of the ranking rules (documented in this module)."""

    theme_weight: float = 1.0
    top_themes: int = 2
    about_row_weight: float = 0.25
    need_max_weight: float = 0.7
    help_threshold: float = 0.55
    min_score: float = 0.05
    region_bonus: float = 0.10
    cross_silo_bonus: float = 0.02
    reasons_per_match: int = 2

    def __post_init__(self) -> None:
        if not 0.0 <= self.theme_weight <= 1.0 or not 0.0 <= self.need_max_weight <= 1.0:
            raise InvalidInputError("theme_weight and need_max_weight must be in [0, 1]")
        if self.top_themes < 1:
            raise InvalidInputError("top_themes must be >= 1")
        if not 0.0 <= self.min_score <= self.help_threshold <= 1.0:
            raise InvalidInputError("expected 0 <= min_score <= help_threshold <= 1")
        if self.region_bonus < 0 or self.cross_silo_bonus < 0 or self.about_row_weight < 0:
            raise InvalidInputError("bonuses and weights must be >= 0")


def aggregate_needs(best: np.ndarray, need_max_weight: float) -> np.ndarray:
    """Combine per-need coverage (n_needs, n_candidates) into one relevance per candidate."""
    if best.shape[0] == 0:
        return np.zeros(best.shape[1])
    return need_max_weight * best.max(axis=0) + (1.0 - need_max_weight) * best.mean(axis=0)


def peer_score(a_to_b: np.ndarray, b_to_a: np.ndarray, shared: np.ndarray) -> np.ndarray:
    """Symmetric peer score: reciprocal help or a shared need, whichever is stronger."""
    return np.clip(np.maximum(0.5 * (a_to_b + b_to_a), shared), 0.0, 1.0)


@dataclass(frozen=True, slots=True)
class MentorRanking:
    """Result of `rank_mentors`: candidate positions in rank order and per-candidate flags."""

    order: np.ndarray
    scores: np.ndarray
    helps: np.ndarray
    region_applied: np.ndarray
    silo_applied: np.ndarray
    widened: bool


def rank_mentors(
    relevance: np.ndarray,
    same_region: np.ndarray,
    cross_silo: np.ndarray,
    network_level: str,
    ids: np.ndarray,
    config: MatchConfig,
    limit: int | None = None,
) -> MentorRanking:
    """Order candidate coaches by the rules of this module's docstring.

    `relevance`, `same_region`, `cross_silo` and `ids` are aligned arrays over the candidates
    already allowed (exclusions applied). `widened` is True when the member has a regional scope
    (``local``/``regional``) but no coach of their region can help. With `limit`, `order` holds
    only the first `limit` positions of the full order (the other arrays stay complete).
    """
    helps = relevance >= config.help_threshold
    regional_scope = network_level in ("local", "regional")
    region_applied = helps & same_region & regional_scope
    silo_applied = cross_silo & (relevance >= config.min_score)
    scores = relevance + config.cross_silo_bonus * silo_applied
    if network_level == "regional":
        scores = scores + config.region_bonus * region_applied
    scores = np.clip(scores, 0.0, 1.0)
    second = region_applied if network_level == "local" else np.zeros_like(helps)
    tier = 2 * helps.astype(np.int64) + second
    order = _top_order(tier, scores, ids, limit)
    widened = bool(regional_scope and helps.any() and not region_applied.any())
    return MentorRanking(order, scores, helps, region_applied, silo_applied, widened)


def _top_order(
    tier: np.ndarray, scores: np.ndarray, ids: np.ndarray, limit: int | None
) -> np.ndarray:
    """Positions sorted by (tier desc, score desc, id asc); only the first `limit` when given.

    The key is a total order (ids are unique), so sorting a superset of the first `limit`
    positions and cutting gives the head of the full sort: keep every tier above the one where
    the count reaches `limit`, and in that tier the scores at or above its needed-th best.
    """
    if limit is not None and limit < tier.size:
        if limit <= 0:
            return np.zeros(0, dtype=np.intp)
        counts = np.bincount(tier, minlength=4)[::-1]  # tiers 3, 2, 1, 0
        above = np.cumsum(counts) - counts
        cut = int(np.flatnonzero(np.cumsum(counts) >= limit)[0])
        level, needed = 3 - cut, limit - int(above[cut])
        in_level = tier == level
        level_scores = scores[in_level]
        floor = np.partition(level_scores, level_scores.size - needed)[level_scores.size - needed]
        chosen = np.flatnonzero((tier > level) | (in_level & (scores >= floor)))
        head = np.lexsort((ids[chosen], -scores[chosen], -tier[chosen]))
        return chosen[head[:limit]]
    return np.lexsort((ids, -scores, -tier))
