"""Which (need, offer) pairs explain a match, as French reasons.

Each function receives the similarity block(s) of one candidate, picks the pairs that drove its
score (`reasons.best_pairs`) and phrases them with `matching.reasons`. It returns the reasons and
the ids of the asking member's needs they cite (`Match.matched_need_ids`).
"""

from __future__ import annotations

import numpy as np

from matching import reasons as R
from matching.features import OfferRow
from matching.profiles import MemberProfile
from matching.scoring import MatchConfig, MentorRanking, aggregate_needs

__all__ = ["coach_suggestion_reasons", "mentor_reasons", "offer_reasons", "peer_reasons"]

Explanation = tuple[list[str], tuple[int, ...]]
"""Reasons, and the ids of the needs they cite."""


def offer_reasons(
    block: np.ndarray,
    need_ids: list[int],
    need_texts: list[str],
    offers: list[OfferRow],
    config: MatchConfig,
) -> Explanation:
    """Which of the other member's `offers` answer which of my needs (block: needs x offers)."""
    pairs = R.best_pairs(block, config.min_score, config.reasons_per_match)
    reasons = [R.offer_reason(offers[j], need_texts[i]) for i, j, _ in pairs]
    return reasons, tuple(need_ids[i] for i, _, _ in pairs)


def mentor_reasons(
    block: np.ndarray,
    need_ids: list[int],
    need_texts: list[str],
    coach: MemberProfile,
    coach_offers: list[OfferRow],
    ranking: MentorRanking,
    k: int,
    config: MatchConfig,
) -> Explanation:
    """Offer reasons for the `k`-th ranked coach, then the ranking rules that applied to them."""
    reasons, matched = offer_reasons(block, need_ids, need_texts, coach_offers, config)
    if ranking.region_applied[k]:
        reasons.append(R.region_reason(coach.region or ""))
    if ranking.silo_applied[k]:
        reasons.append(R.silo_reason(coach.organization_type))
    if ranking.widened and ranking.helps[k]:
        reasons.append(R.WIDENED)
    return reasons, matched


def coach_suggestion_reasons(
    block: np.ndarray,
    need_ids: list[int],
    need_texts: list[str],
    coach_offers: list[OfferRow],
    config: MatchConfig,
) -> Explanation:
    """For a coach: which member needs their offers answer (block: member needs x coach offers)."""
    pairs = R.best_pairs(block, config.min_score, config.reasons_per_match)
    reasons = [R.need_for_coach_reason(need_texts[i], coach_offers[j]) for i, j, _ in pairs]
    return reasons, tuple(need_ids[i] for i, _, _ in pairs)


def peer_reasons(
    blocks: tuple[np.ndarray, np.ndarray, np.ndarray],
    a_needs: tuple[list[int], list[str]],
    b_need_texts: list[str],
    a_offers: list[OfferRow],
    b_offers: list[OfferRow],
    config: MatchConfig,
) -> Explanation:
    """Why peer B is suggested to A: a shared need, or what each can bring the other.

    `blocks` are (A needs x B offers, B needs x A offers, A needs x B needs); the shared need is
    cited when it weighs at least as much as the reciprocal help.
    """
    b_helps_a, a_helps_b, shared = blocks
    a_ids, a_texts = a_needs
    w = config.need_max_weight
    recip = 0.5 * (
        aggregate_needs(np.maximum(b_helps_a, 0).max(axis=1, initial=0)[:, None], w)[0]
        + aggregate_needs(np.maximum(a_helps_b, 0).max(axis=1, initial=0)[:, None], w)[0]
    )
    if shared.size and shared.max() >= recip:
        pairs = R.best_pairs(shared, config.min_score, 1)
        return [R.shared_need_reason(b_need_texts[j]) for _, j, _ in pairs], tuple(
            a_ids[i] for i, _, _ in pairs
        )
    reasons, matched = offer_reasons(b_helps_a, a_ids, a_texts, b_offers, config)
    for i, j, _ in R.best_pairs(a_helps_b, config.min_score, 1):
        reasons.append(R.help_reason(a_offers[j], b_need_texts[i]))
    return reasons, matched
