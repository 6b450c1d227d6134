"""Peer ranking: how well two members (not coaches) can help each other.

The symmetric peer score (`scoring.peer_score`) of members A and B combines how much B's offers
answer A's needs, how much A's offers answer B's needs, and their best shared need.
`peer_scores` computes it for one member against every peer candidate at once, from the stacks of
members' needs and offers; `pair_peer_score` computes it for one pair straight from the row stores
(same formula). `candidate_blocks` cuts one candidate's similarity blocks back out of a
`peer_scores` result, so reasons reuse them, and `best_first` picks the top candidates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matching.scoring import aggregate_needs, group_max, peer_score
from matching.stacks import RowStore, Stack, group_block, similarities, stack_products

__all__ = [
    "PeerBlocks",
    "PeerSlots",
    "best_first",
    "candidate_blocks",
    "pair_peer_score",
    "peer_scores",
    "peer_slots",
]

PeerBlocks = dict[str, tuple[np.ndarray, Stack]]
"""Similarity blocks of `peer_scores` by name ("b_helps_a", "a_helps_b", "shared"), with their
stack: A needs x offers stack, needs stack x A offers, A needs x needs stack."""


@dataclass(frozen=True, slots=True)
class PeerSlots:
    """Where the groups of a stack sit among the sorted peer candidates."""

    positions: np.ndarray  # candidate position of each group that is a candidate
    groups: np.ndarray  # those groups, in the same order
    group_at: np.ndarray  # group of each candidate, or -1 when it has none in the stack


def peer_slots(candidates: np.ndarray, members: np.ndarray) -> PeerSlots:
    """Locate the groups of a stack (`members`: its member ids) among the sorted `candidates`."""
    pos = np.clip(np.searchsorted(candidates, members), 0, max(candidates.size - 1, 0))
    hit = candidates[pos] == members if candidates.size else np.zeros(members.size, bool)
    slots = np.where(hit, pos, -1)
    group_at = np.full(candidates.size, -1, dtype=np.int64)
    group_at[slots[hit]] = np.flatnonzero(hit)
    return PeerSlots(slots[hit], np.flatnonzero(hit), group_at)


def peer_scores(
    a_needs: sp.csr_matrix,
    a_offers: tuple[sp.csr_matrix, np.ndarray],
    need_stack: Stack,
    offer_stack: Stack,
    need_slots: PeerSlots,
    offer_slots: PeerSlots,
    n_candidates: int,
    need_max_weight: float,
) -> tuple[np.ndarray, PeerBlocks]:
    """Vectorised peer scores of member A against every peer candidate (same formula as pairs).

    `a_needs` and `a_offers` (rows, row weights) are A's rows; the stacks hold the candidates'
    needs and offers, located among the `n_candidates` candidates by the slots. Also returns the
    similarity blocks computed on the way, so reasons reuse them.
    """
    w = need_max_weight
    a_offer_rows, a_weights = a_offers
    d_ba = np.zeros(n_candidates)
    d_ab = np.zeros(n_candidates)
    shared = np.zeros(n_candidates)
    blocks: PeerBlocks = {}
    if a_needs.shape[0] and not offer_stack.empty:
        sims = similarities(offer_stack, a_needs)
        blocks["b_helps_a"] = (sims, offer_stack)
        best = group_max(sims, offer_stack.starts, offer_stack.groups)
        _place(d_ba, offer_slots, aggregate_needs(best, w))
    if not need_stack.empty:
        sizes = np.diff(np.r_[need_stack.starts, need_stack.weights.size])
        if a_offer_rows.shape[0]:
            per_need = stack_products(need_stack, a_offer_rows) * a_weights[:, None]
            blocks["a_helps_b"] = (per_need, need_stack)
            best = np.maximum(per_need.max(axis=0), 0.0)
            rel = w * group_max(best[np.newaxis, :], need_stack.starts, need_stack.groups)[0]
            total = np.zeros(need_stack.starts.size)
            np.add.at(total, need_stack.groups, best)  # in row order, as add.reduceat
            rel = rel + (1 - w) * (total / sizes)
            _place(d_ab, need_slots, rel)
        if a_needs.shape[0]:
            sims = similarities(need_stack, a_needs)
            blocks["shared"] = (sims, need_stack)
            top = sims.max(axis=0, keepdims=True)
            best = group_max(top, need_stack.starts, need_stack.groups)[0]
            _place(shared, need_slots, best)
    return peer_score(d_ab, d_ba, shared), blocks


def candidate_blocks(
    blocks: PeerBlocks,
    b: int,
    candidates: np.ndarray,
    need_slots: PeerSlots,
    offer_slots: PeerSlots,
    n_a_needs: int,
    n_a_offers: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slice (A needs x B offers, B needs x A offers, A needs x B needs) out of `blocks`."""
    at = int(np.searchsorted(candidates, b))

    def cut(name: str, slots: PeerSlots, rows: int) -> np.ndarray:
        if name not in blocks:
            return np.zeros((rows, 0))
        sims, stack = blocks[name]
        pos = int(slots.group_at[at]) if at < candidates.size and candidates[at] == b else -1
        if pos < 0:
            return np.zeros((rows, 0))
        return group_block(sims, stack, pos)

    return (
        cut("b_helps_a", offer_slots, n_a_needs),
        cut("a_helps_b", need_slots, n_a_offers).T,
        cut("shared", need_slots, n_a_needs),
    )


def pair_peer_score(
    needs: RowStore, offers: RowStore, a: int, b: int, need_max_weight: float
) -> float:
    """The peer score of members `a` and `b`, computed from their rows alone."""
    w = need_max_weight
    b_helps_a = _pair_sims(needs, a, offers, b)  # A needs x B offers
    a_helps_b = _pair_sims(needs, b, offers, a)  # B needs x A offers
    shared = _pair_sims(needs, a, needs, b)  # A needs x B needs
    d_ba = aggregate_needs(np.maximum(b_helps_a, 0).max(axis=1, initial=0)[:, None], w)
    d_ab = aggregate_needs(np.maximum(a_helps_b, 0).max(axis=1, initial=0)[:, None], w)
    return float(peer_score(d_ab, d_ba, np.asarray([shared.max(initial=0.0)]))[0])


def best_first(scores: np.ndarray, ids: np.ndarray, floor: float, limit: int) -> np.ndarray:
    """Positions with score >= floor, by (score desc, id asc); only the first `limit` when >= 0.

    Equal to filtering ``np.lexsort((ids, -scores))`` by the floor: (score, id) is a total order,
    so the head of the full sort is the sorted head of the scores at or above the limit-th best.
    """
    eligible = np.flatnonzero(scores >= floor)
    if 0 <= limit < eligible.size:
        if limit == 0:
            return eligible[:0]
        values = scores[eligible]
        kth = np.partition(values, values.size - limit)[values.size - limit]
        eligible = eligible[values >= kth]
    return eligible[np.lexsort((ids[eligible], -scores[eligible]))]


def _pair_sims(q_store: RowStore, q_id: int, r_store: RowStore, r_id: int) -> np.ndarray:
    queries, _ = q_store.rows(q_id)
    rows, weights = r_store.rows(r_id)
    if queries.shape[0] == 0 or rows.shape[0] == 0:
        return np.zeros((queries.shape[0], rows.shape[0]))
    return (queries @ rows.T).toarray() * weights


def _place(out: np.ndarray, slots: PeerSlots, values: np.ndarray) -> None:
    """out[positions] = values[groups] for the (position, group) pairs of `slots`."""
    if slots.groups.size == values.size:  # every group is a candidate (the usual case)
        out[slots.positions] = values
    else:
        out[slots.positions] = values[slots.groups]
