"""Peer candidates: every member a peer query may propose, as slots shared by two stacks.

A peer's score needs both of their stacks (their offers answer my needs; my offers answer their
needs; a need we share), so each candidate gets one *slot* and each group of either stack knows
its slot. Slots for the stacks' base parts are computed once per compaction (a sort over every
member); the members encoded since get slots after them, per index version (a few), and a slot
whose member changed since the base was built is dead (the member's new rows have a new slot).
A query then scatters each stack's per-group values into its slots without searching.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.rows import Stack, StackPart

__all__ = ["PeerPool", "top_positions"]


@dataclass(frozen=True, slots=True)
class _Base:
    key: tuple[int, int]
    ids: np.ndarray
    labels: np.ndarray
    offers_at: np.ndarray
    needs_at: np.ndarray


@dataclass(frozen=True, slots=True)
class PeerPool:
    """Candidate slots: member ids, codes, which slots are current, each group's slot."""

    ids: np.ndarray
    labels: np.ndarray
    live: np.ndarray
    offers_at: np.ndarray  # slot of each group of the offers stack
    needs_at: np.ndarray  # slot of each group of the needs stack

    @classmethod
    def of(cls, offers: Stack, needs: Stack, base: _Base | None) -> tuple[PeerPool, _Base]:
        """The pool for two stacks, reusing `base` while their base parts are the same."""
        base_offers, base_needs = offers.parts[0], needs.parts[0]
        key = (id(base_offers.postings), id(base_needs.postings))
        if base is None or base.key != key:
            base = _base(key, base_offers, base_needs)
        recent_offers = offers.parts[1] if len(offers.parts) > 1 else None
        recent_needs = needs.parts[1] if len(needs.parts) > 1 else None
        recent = [p for p in (recent_offers, recent_needs) if p is not None]
        extra = np.unique(np.concatenate([p.members for p in recent])) if recent else np.zeros(0)
        extra = extra.astype(np.int64)
        n_base = base.ids.size
        live = np.zeros(n_base + extra.size, dtype=bool)
        live[n_base:] = True
        labels = np.concatenate([base.labels, np.zeros((extra.size, 3), dtype=np.int64)])
        ats = []
        for part_base, part_recent, base_at in (
            (base_offers, recent_offers, base.offers_at),
            (base_needs, recent_needs, base.needs_at),
        ):
            group_live = np.ones(base_at.size, bool) if part_base.live is None else part_base.live
            live[base_at[group_live]] = True
            at = base_at
            if part_recent is not None:
                recent_at = n_base + np.searchsorted(extra, part_recent.members)
                labels[recent_at] = part_recent.labels
                at = np.concatenate([base_at, recent_at])
            ats.append(at)
        ids = np.concatenate([base.ids, extra])
        return cls(ids, labels, live, ats[0], ats[1]), base


def _base(key: tuple[int, int], offers: StackPart, needs: StackPart) -> _Base:
    ids = np.unique(np.concatenate([offers.members, needs.members])).astype(np.int64)
    labels = np.zeros((ids.size, 3), dtype=np.int64)
    offers_at = np.searchsorted(ids, offers.members)
    needs_at = np.searchsorted(ids, needs.members)
    labels[offers_at] = offers.labels
    labels[needs_at] = needs.labels
    return _Base(key, ids, labels, offers_at, needs_at)


def top_positions(scores: np.ndarray, ids: np.ndarray, keep: np.ndarray, limit: int) -> np.ndarray:
    """Positions of `keep` ordered by score (descending), then id; only the first `limit`
    (all when negative). A partition finds the cut, so only the head is sorted."""
    positions = np.flatnonzero(keep)
    if 0 <= limit < positions.size:
        if limit == 0:
            return positions[:0]
        values = scores[positions]
        cut = np.partition(values, values.size - limit)[values.size - limit]
        positions = positions[values >= cut]
    order = np.lexsort((ids[positions], -scores[positions]))
    return positions[order] if limit < 0 else positions[order][:limit]
