"""The matching index: every consenting member as rows, and the four queries the service asks.

`MemberIndex` keeps members' profiles and their encoded rows (`matching.features`, stored in two
`matching.rows.Side`: needs and offers). Upserting a member encodes only that member; nothing is
ever refitted (the theme model and the lexical encoder are fixed while the index lives). Queries
meet the rows of a subset of members (a `matching.rows.Stack`) in one sparse product, keep each
candidate's best row per need, rank with `matching.scoring`, and explain only the winners
(`matching.explain`, from their own rows).

Subsets: *coaches* (coaches and trainers available for suggestions) for mentor queries; *peers*
(other members, available and open to peer exchange) for peer queries; *members* (members who
are not coaches, available) for a coach's suggestions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from matching import reasons as R
from matching.candidates import Codes
from matching.errors import UnknownMemberError
from matching.explain import Explainer
from matching.features import Featurizer, RowText, encode_members, need_texts, offer_texts
from matching.peers import PeerPool, top_positions
from matching.profiles import Match, MemberProfile
from matching.rows import Block, Rows, Side, Stack, StackPart
from matching.scoring import MatchConfig, aggregate_needs, peer_score, rank_mentors

__all__ = ["MemberIndex"]

SUBSETS = {
    "coaches": lambda p: p.available and p.is_coach,
    "peers": lambda p: p.available and not p.is_coach and p.peer_exchange,
    "members": lambda p: p.available and not p.is_coach,
}


class MemberIndex:
    """In-memory rows of every member and the mentor, peer, suggestion and cohort queries."""

    def __init__(self, featurizer: Featurizer, config: MatchConfig | None = None) -> None:
        self.featurizer = featurizer
        self.config = config or MatchConfig()
        self._profiles: dict[int, MemberProfile] = {}
        self._needs = Side(Block.empty(featurizer.n_features))
        self._offers = Side(Block.empty(featurizer.n_features))
        self._version = 0
        self._stacks: dict[Any, Any] = {}
        self._stacks_version = -1
        self._codes = Codes(self._profiles)
        self._peer_base: Any = None  # the peer pool's per-compaction part (`matching.peers`)
        self._explain = Explainer(self.need_vectors, self.offer_vectors, featurizer, self.config)

    # --------------------------------------------------------------------------- building
    def build(self, profiles: Iterable[MemberProfile]) -> MemberIndex:
        """Encode every member (the last profile of an id wins) into fresh base blocks."""
        by_id = {p.id: p for p in profiles}
        needs, offers = self._encode_many(list(by_id.values()))
        self._profiles.clear()  # the same dict: `self._codes` reads it
        self._profiles.update(by_id)
        self._needs, self._offers = Side(needs), Side(offers)
        self._touch()
        return self

    def restore(self, profiles: Iterable[MemberProfile], needs: Block, offers: Block) -> None:
        """Take saved blocks (`matching.snapshot`) instead of encoding."""
        self._profiles.clear()
        self._profiles.update((p.id, p) for p in profiles)
        self._needs, self._offers = Side(needs), Side(offers)
        self._touch()

    def blocks(self) -> tuple[Block, Block]:
        """The needs and offers blocks of every member, compacted (for `matching.snapshot`)."""
        self._compact()
        return self._needs.base, self._offers.base

    def upsert_many(self, profiles: Sequence[MemberProfile]) -> None:
        """Add or replace members, encoded in one batch (the last profile of an id wins)."""
        by_id = {p.id: p for p in profiles}
        if not by_id:
            return
        batch = list(by_id.values())
        needs, offers = self._encode_many(batch)
        need_blocks, offer_blocks = _per_member(needs), _per_member(offers)
        for profile in batch:
            empty = Block.single(profile.id, Rows.empty(self.featurizer.n_features))
            self._profiles[profile.id] = profile
            self._needs.put(profile.id, need_blocks.get(profile.id, empty))
            self._offers.put(profile.id, offer_blocks.get(profile.id, empty))
        self._touch()

    def remove(self, member_id: int) -> None:
        """Forget a member (erasure, consent withdrawn); unknown ids raise UnknownMemberError."""
        self.profile(member_id)
        del self._profiles[member_id]
        self._needs.drop(member_id)
        self._offers.drop(member_id)
        self._touch()

    def _encode_many(self, profiles: Sequence[MemberProfile]) -> tuple[Block, Block]:
        return encode_members(self.featurizer, profiles, self.config.about_row_weight)

    # ---------------------------------------------------------------------------- reading
    @property
    def version(self) -> int:
        """Increases on every build, upsert and removal."""
        return self._version

    def __contains__(self, member_id: object) -> bool:
        return member_id in self._profiles

    def __len__(self) -> int:
        return len(self._profiles)

    def profiles(self) -> list[MemberProfile]:
        """Every indexed profile."""
        return list(self._profiles.values())

    def profile(self, member_id: int) -> MemberProfile:
        """The indexed profile of a member; UnknownMemberError if absent."""
        try:
            return self._profiles[member_id]
        except KeyError:
            raise UnknownMemberError(member_id) from None

    def need_vectors(self, member_id: int) -> tuple[list[RowText], Rows]:
        """A member's need rows: their texts, and the fused rows (with their theme columns)."""
        return need_texts(self.profile(member_id)), self._needs.rows(member_id)

    def offer_vectors(self, member_id: int) -> tuple[list[RowText], Rows]:
        """A member's offer rows: their texts, and the fused rows (with their theme columns)."""
        return offer_texts(self.profile(member_id)), self._offers.rows(member_id)

    def need_table(self) -> tuple[np.ndarray, sp.csr_matrix, np.ndarray]:
        """Every indexed open need: need ids, fused rows and best theme columns (-1: none)."""
        side = self._needs
        base = side.base
        members = base.members.tolist()
        live = np.asarray(
            [m in self._profiles and m not in side.stale and m not in side.recent for m in members],
            dtype=bool,
        )
        ids: list[int] = []
        for m, keep in zip(members, live, strict=True):
            if keep:
                ids += [r.need_id for r in need_texts(self._profiles[m]) if r.need_id is not None]
        row_mask = np.repeat(live, np.diff(base.starts))
        rows, themes = [base.rows[row_mask]], [base.themes[row_mask]]
        for m, block in side.recent.items():
            if block.rows.shape[0]:
                ids += [r.need_id for r in need_texts(self._profiles[m]) if r.need_id is not None]
                rows.append(block.rows)
                themes.append(block.themes)
        return (
            np.asarray(ids, dtype=np.int64),
            sp.vstack(rows, format="csr", dtype=np.float32),
            np.concatenate(themes),
        )

    # ----------------------------------------------------------------------------- queries
    def mentors_for(
        self,
        member_id: int,
        limit: int = 10,
        exclude: Collection[int] = (),
        exclude_organization: bool = False,
        explain: bool = True,
    ) -> list[Match]:
        """Coaches and trainers ranked for the member's open needs, with reasons (unless not
        `explain`: the ranking alone)."""
        me = self.profile(member_id)
        need_rows, needs = self.need_vectors(member_id)
        stack = self._stack("coaches", self._offers)
        if not need_rows or stack.members.size == 0:
            return []
        relevance = aggregate_needs(stack.group_max(needs.csr), self.config.need_max_weight)
        members, labels = stack.members, stack.labels
        keep = stack.live & self._allowed(stack, me, exclude, exclude_organization)
        keep &= relevance >= self.config.min_score
        positions = np.flatnonzero(keep)
        return self._ranked_mentors(
            me, members[positions], labels[positions], relevance[positions], limit, explain
        )

    def _ranked_mentors(
        self,
        me: MemberProfile,
        coach_ids: np.ndarray,
        labels: np.ndarray,
        relevance: np.ndarray,
        limit: int,
        explain: bool = True,
    ) -> list[Match]:
        ranking = rank_mentors(
            relevance,
            self._codes.same_region(labels, me),
            self._codes.other_type(labels, me),
            me.network_level,
            coach_ids,
            self.config,
            limit=limit if limit >= 0 else None,
        )
        out = []
        for k in (ranking.order if limit < 0 else ranking.order[:limit]).tolist():
            coach = self._profiles[int(coach_ids[k])]
            if not explain:
                out.append(Match(coach.id, float(ranking.scores[k])))
                continue
            reasons, matched = self._explain.offers(me.id, coach.id)
            if ranking.region_applied[k]:
                reasons.append(R.region_reason(coach.region or ""))
            if ranking.silo_applied[k]:
                reasons.append(R.silo_reason(coach.organization_type))
            if ranking.widened and ranking.helps[k]:
                reasons.append(R.WIDENED)
            out.append(Match(coach.id, float(ranking.scores[k]), tuple(reasons), matched))
        return out

    def peers_for(
        self,
        member_id: int,
        limit: int = 10,
        exclude: Collection[int] = (),
        exclude_organization: bool = False,
    ) -> list[Match]:
        """Members (not coaches) ranked by reciprocal help or a shared need (symmetric score)."""
        me = self.profile(member_id)
        pool, scores = self._peer_scores(member_id)
        keep = pool.live & (scores >= self.config.min_score)
        keep &= self._codes.allowed(pool.ids, pool.labels, me, exclude, exclude_organization)
        out = []
        for pos in top_positions(scores, pool.ids, keep, limit):
            other = int(pool.ids[pos])
            reasons, matched = self._explain.peers(member_id, other)
            out.append(Match(other, float(scores[pos]), tuple(reasons), matched))
        return out

    def suggestions_for_coach(
        self, coach_id: int, limit: int = 10, exclude: Collection[int] = ()
    ) -> list[Match]:
        """Members with open needs this coach can really help, best placed first."""
        coach = self.profile(coach_id)
        _, offers = self.offer_vectors(coach_id)
        stack = self._stack("members", self._needs)
        if len(offers) == 0 or stack.members.size == 0:
            return []
        relevance = stack.answered(offers.csr, self.config.need_max_weight)
        members = stack.members
        keep = stack.live & self._allowed(stack, coach, exclude, False)
        keep &= relevance >= self.config.help_threshold
        positions = np.flatnonzero(keep)
        order = np.lexsort((members[positions], -relevance[positions]))
        order = order if limit < 0 else order[:limit]
        out = []
        for pos in positions[order]:
            member_id = int(members[pos])
            reasons, matched = self._explain.needs(member_id, coach_id)
            out.append(Match(member_id, float(min(relevance[pos], 1.0)), tuple(reasons), matched))
        return out

    def explain_mentor(self, member_id: int, coach_id: int) -> tuple[str, ...]:
        """The French reasons why `coach_id`'s offers answer `member_id`'s needs (for a pair
        proposed elsewhere, e.g. by a cohort assignment); empty when nothing answers."""
        self.profile(coach_id)
        reasons, _ = self._explain.offers(member_id, coach_id)
        return tuple(reasons)

    def cohort_scores(self, member_ids: Sequence[int], coach_ids: Sequence[int]) -> sp.csr_matrix:
        """(members x coaches) mentor scores in [0, 1]; 0 where the coach cannot really help."""
        for coach_id in coach_ids:
            self.profile(coach_id)  # UnknownMemberError for an id the index does not hold
        coaches = np.asarray(coach_ids, dtype=np.int64)
        stack = Stack(
            (
                StackPart.of(
                    Block.concat(
                        [Block.single(c, self._offers.rows(c)) for c in coach_ids],
                        self.featurizer.n_features,
                    ),
                    self._codes.describe,
                ),
            )
        )  # the coaches' offers, in no base: a cohort is computed once
        column = {int(m): k for k, m in enumerate(coaches.tolist())}
        out = np.zeros((len(member_ids), len(coach_ids)))
        if stack.members.size == 0:
            return sp.csr_matrix(out)
        at = np.asarray([column[int(m)] for m in stack.members])
        for i, member_id in enumerate(member_ids):
            me = self.profile(member_id)
            _, needs = self.need_vectors(member_id)
            if len(needs) == 0:
                continue
            relevance = aggregate_needs(stack.group_max(needs.csr), self.config.need_max_weight)
            ranking = rank_mentors(
                relevance,
                self._codes.same_region(stack.labels, me),
                self._codes.other_type(stack.labels, me),
                me.network_level,
                stack.members,
                self.config,
            )
            ok = ranking.helps & (stack.members != member_id)
            out[i, at[ok]] = ranking.scores[ok]
        return sp.csr_matrix(out)

    # --------------------------------------------------------------------------- helpers
    def _touch(self) -> None:
        self._version += 1
        if self._needs.needs_compaction() or self._offers.needs_compaction():
            self._compact()

    def _compact(self) -> None:
        if self._needs.recent or self._needs.stale:
            self._needs = self._needs.compacted()
        if self._offers.recent or self._offers.stale:
            self._offers = self._offers.compacted()
        self._stacks_version = -1

    def _stack(self, name: str, side: Side) -> Stack:
        """The rows of subset `name` on `side`, once per index version."""
        if self._stacks_version != self._version:
            self._stacks = {}
            self._stacks_version = self._version
        key = f"{name}:{id(side)}"
        if key not in self._stacks:
            wanted = SUBSETS[name]
            profiles = self._profiles

            def select(member_id: int) -> bool:
                p = profiles.get(member_id)
                return p is not None and wanted(p)

            self._stacks[key] = side.stack(name, select, self._codes.describe)
        return self._stacks[key]

    def _allowed(
        self, stack: Stack, me: MemberProfile, exclude: Collection[int], exclude_organization: bool
    ) -> np.ndarray:
        return self._codes.allowed(stack.members, stack.labels, me, exclude, exclude_organization)

    def _peer_scores(self, member_id: int) -> tuple[PeerPool, np.ndarray]:
        """The peer candidates' slots and each slot's symmetric peer score with `member_id`."""
        w = self.config.need_max_weight
        _, my_needs = self.need_vectors(member_id)
        _, my_offers = self.offer_vectors(member_id)
        offers = self._stack("peers", self._offers)
        needs = self._stack("peers", self._needs)
        key = ("peer-pool", self._version)
        if key not in self._stacks:
            self._stacks[key], self._peer_base = PeerPool.of(offers, needs, self._peer_base)
        pool: PeerPool = self._stacks[key]
        n = pool.ids.size
        helps_me, i_help, shared = np.zeros(n), np.zeros(n), np.zeros(n)
        if len(my_needs):
            best = aggregate_needs(offers.group_max(my_needs.csr), w)
            _spread(helps_me, pool.offers_at, offers, best)
            cosines = needs.group_max(my_needs.unit().csr, cosine=True)
            _spread(shared, pool.needs_at, needs, cosines.max(axis=0, initial=0.0))
        if len(my_offers):
            _spread(i_help, pool.needs_at, needs, needs.answered(my_offers.csr, w))
        return pool, peer_score(helps_me, i_help, shared)


def _per_member(block: Block) -> dict[int, Block]:
    """One single-member block per group of `block`."""
    return {
        int(m): Block.single(int(m), block.group(g)) for g, m in enumerate(block.members.tolist())
    }


def _spread(out: np.ndarray, slots: np.ndarray, stack: Stack, values: np.ndarray) -> None:
    """out[slot of each live group of `stack`] = its value."""
    live = stack.live
    out[slots[live]] = values[live]
