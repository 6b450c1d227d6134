"""Why a candidate is proposed: the French reasons of one pair of members, from their own rows.

Reasons are computed for the winners only, after ranking: the (need, offer) pairs with the
highest similarity (`reasons.best_pairs`), each phrased by `reasons.pair_reason` with what drove
it (`reasons.pair_cue`: the theme both texts are read in, neighbouring themes, or shared words).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from matching import reasons as R
from matching.features import Featurizer, RowText
from matching.rows import Rows, pair_products
from matching.scoring import MatchConfig, aggregate_needs

__all__ = ["Explainer"]

Explanation = tuple[list[str], tuple[int, ...]]
"""Reasons, and the ids of the asking member's needs they cite."""
RowsOf = Callable[[int], tuple[list[RowText], Rows]]


@dataclass(frozen=True, slots=True)
class _Pair:
    """One member's needs facing another member's offers, and their similarities."""

    need_rows: list[RowText]
    needs: Rows
    offer_rows: list[RowText]
    offers: Rows
    sims: np.ndarray  # (needs x offers), clipped at 0

    def cue(self, i: int, j: int, names: Sequence[str], offer_first: bool = False) -> R.PairCue:
        """What made need `i` and offer `j` similar (seen from the offer's side if asked)."""
        need, offer = self.needs.row(i), self.offers.row(j)
        need_text, offer_text = self.need_rows[i].text, self.offer_rows[j].text
        if offer_first:
            return R.pair_cue(offer, need, offer_text, need_text, names)
        return R.pair_cue(need, offer, need_text, offer_text, names)


class Explainer:
    """Reasons for pairs of indexed members (`needs_of`/`offers_of` give a member's rows)."""

    def __init__(
        self, needs_of: RowsOf, offers_of: RowsOf, featurizer: Featurizer, config: MatchConfig
    ) -> None:
        self._needs_of, self._offers_of, self._config = needs_of, offers_of, config
        model = featurizer.model
        self._names = [model.names_[t] for t in model.themes_]

    def _pair(self, a: int, b: int) -> _Pair:
        a_texts, a_needs = self._needs_of(a)
        b_texts, b_offers = self._offers_of(b)
        sims = np.maximum(pair_products(a_needs, b_offers), 0.0)
        return _Pair(a_texts, a_needs, b_texts, b_offers, sims)

    def offers(self, me: int, other: int) -> Explanation:
        """Which of `other`'s offer rows answer which of `me`'s needs (my view)."""
        pair = self._pair(me, other)
        reasons, matched = [], []
        config = self._config
        for i, j, _ in R.best_pairs(pair.sims, config.min_score, config.reasons_per_match):
            cue = pair.cue(i, j, self._names)
            reasons.append(R.pair_reason(cue, pair.need_rows[i], pair.offer_rows[j]))
            matched.append(pair.need_rows[i].need_id)
        return reasons, tuple(m for m in matched if m is not None)

    def needs(self, member: int, helper: int, limit: int | None = None) -> Explanation:
        """Which of `helper`'s offer rows answer which of `member`'s needs (the helper's view)."""
        pair = self._pair(member, helper)
        reasons, matched = [], []
        limit = self._config.reasons_per_match if limit is None else limit
        for i, j, _ in R.best_pairs(pair.sims, self._config.min_score, limit):
            cue = pair.cue(i, j, self._names, offer_first=True)
            reasons.append(R.pair_reason(cue, pair.offer_rows[j], pair.need_rows[i]))
            matched.append(pair.need_rows[i].need_id)
        return reasons, tuple(m for m in matched if m is not None)

    def peers(self, a: int, b: int) -> Explanation:
        """Why peer `b` is suggested to `a`: a shared need, or what each can bring the other.

        The shared need is cited when it weighs at least as much as the reciprocal help (the
        peer score takes the larger of the two).
        """
        w = self._config.need_max_weight
        b_helps_a, a_helps_b = self._pair(a, b), self._pair(b, a)
        reciprocal = 0.5 * (_relevance(b_helps_a.sims, w) + _relevance(a_helps_b.sims, w))
        a_rows, a_needs = self._needs_of(a)
        b_rows, b_needs = self._needs_of(b)
        if a_rows and b_rows:
            shared = pair_products(a_needs.unit(), b_needs.unit())
            if shared.max() >= max(reciprocal, self._config.min_score):
                i, j = np.unravel_index(int(shared.argmax()), shared.shape)
                cue = R.pair_cue(
                    a_needs.row(i), b_needs.row(j), a_rows[i].text, b_rows[j].text, self._names
                )
                matched = tuple(x for x in [a_rows[i].need_id] if x is not None)
                return [R.shared_need_reason(cue, a_rows[i], b_rows[j])], matched
        reasons, matched = self.offers(a, b)
        helping, _ = self.needs(b, a, limit=1)
        return reasons + [f"Vous pouvez l'aider — {r}" for r in helping], matched


def _relevance(sims: np.ndarray, need_max_weight: float) -> float:
    """Mentor-style relevance of one candidate from its (needs x offers) block."""
    if sims.size == 0:
        return 0.0
    return float(aggregate_needs(sims.max(axis=1)[:, None], need_max_weight)[0])
