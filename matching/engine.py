"""The engine facade the web service calls: build, update one member, and the four queries.

Rows live in two `stacks.RowStore` (needs side, offers side): the matrix from the last `build`
plus the rows of members upserted since (encoded with the fitted vocabulary, no refit). Queries
stack the rows of the relevant subset (coaches' offers, members' needs...) once per version and
compute similarities in one place, `stacks.similarities`, so a faster index can replace it.
Rows are stored as float32: half the memory and about twice as fast products; scores carry
float32 precision (~1e-7).

The engine owns the state and its per-version caches; the work is done by `matching.stacks`
(row stores and stacks), `matching.candidates` (region/organisation filters), `matching.peers`
(peer scores), `matching.scoring` (mentor ranking) and `matching.explain` (reasons).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from matching import explain
from matching.candidates import MemberCodes
from matching.errors import NotFittedError, UnknownMemberError
from matching.features import (
    OfferRow,
    TextEncoder,
    encode_members,
    need_rows,
    offer_row_weight,
    offer_rows,
)
from matching.peers import (
    PeerBlocks,
    PeerSlots,
    best_first,
    candidate_blocks,
    pair_peer_score,
    peer_scores,
    peer_slots,
)
from matching.profiles import Match, MemberProfile
from matching.scoring import MatchConfig, aggregate_needs, group_max, rank_mentors
from matching.stacks import RowStore, Stack, group_block, similarities, stack_products

__all__ = ["MatchConfig", "MatchEngine"]


class MatchEngine:
    """In-memory matching over member profiles: mentors, peers, coach suggestions, cohorts."""

    def __init__(self, config: MatchConfig | None = None) -> None:
        self._config = config or MatchConfig()
        self._encoder: TextEncoder | None = None
        self._profiles: dict[int, MemberProfile] = {}
        self._need_meta: dict[int, tuple[list[int], list[str]]] = {}
        self._offer_meta: dict[int, list[OfferRow]] = {}
        self._needs: RowStore | None = None
        self._offers: RowStore | None = None
        self._version = 0
        self._changes = 0
        self._stacks: dict[str, Stack] = {}
        self._peer_ids: np.ndarray | None = None
        self._base_peer_ids: np.ndarray | None = None  # as of the last build
        self._changed: set[int] = set()  # members upserted or removed since that build
        self._codes = MemberCodes(self._profiles)  # reads the live profiles
        self._slots_cache: dict[str, PeerSlots] = {}

    # ----------------------------------------------------------------- building and updating
    def build(self, profiles: Iterable[MemberProfile]) -> MatchEngine:
        """Fit the text encoder on every need and offer, then encode and index all members."""
        by_id = {p.id: p for p in profiles}  # the last profile of an id wins
        encoded = encode_members(by_id.values(), self._config)
        self._profiles.clear()  # the same dict, shared with `self._codes`
        self._profiles.update(by_id)
        self._encoder = encoded.encoder
        self._needs, self._offers = encoded.needs, encoded.offers
        self._need_meta, self._offer_meta = encoded.need_meta, encoded.offer_meta
        self._changes = 0
        self._base_peer_ids = None
        self._codes.clear_base()
        self._changed.clear()
        self._touch()
        return self

    @classmethod
    def restore(
        cls,
        config: MatchConfig,
        encoder: TextEncoder,
        profiles: Iterable[MemberProfile],
        needs: RowStore,
        offers: RowStore,
        changes_since_fit: int = 0,
    ) -> MatchEngine:
        """An engine from saved parts (see `matching.snapshot`): no fitting, no encoding."""
        engine = cls(config)
        engine._encoder, engine._needs, engine._offers = encoder, needs, offers
        for p in profiles:
            engine._profiles[p.id] = p
            engine._need_meta[p.id], engine._offer_meta[p.id] = need_rows(p), offer_rows(p)
        engine._changes = changes_since_fit
        engine._touch()
        return engine

    def state(self) -> tuple[TextEncoder, RowStore, RowStore]:
        """The fitted encoder and the two row stores (for `matching.snapshot`)."""
        return self._fitted()

    def profiles(self) -> list[MemberProfile]:
        """Every indexed profile, in indexing order."""
        return list(self._profiles.values())

    def upsert(self, profile: MemberProfile) -> None:
        """Add or replace one member, encoded with the fitted vocabulary (no refit)."""
        encoder, needs, offers = self._fitted()
        ids, texts = need_rows(profile)
        rows = offer_rows(profile)
        encoded = encoder.transform(texts + [r.text for r in rows]).astype(np.float32)
        needs.put(profile.id, encoded[: len(texts)], np.ones(len(texts)))
        weight = self._config.profile_row_weight
        weights = np.asarray([offer_row_weight(r, weight) for r in rows], dtype=float)
        offers.put(profile.id, encoded[len(texts) :], weights)
        self._profiles[profile.id] = profile
        self._need_meta[profile.id], self._offer_meta[profile.id] = (ids, texts), rows
        self._changes += 1
        self._changed.add(profile.id)
        self._touch()

    def remove(self, member_id: int) -> None:
        """Forget a member (erasure, consent withdrawn); unknown ids raise UnknownMemberError."""
        _, needs, offers = self._fitted()
        self.profile(member_id)
        needs.drop(member_id)
        offers.drop(member_id)
        del self._profiles[member_id], self._need_meta[member_id], self._offer_meta[member_id]
        self._changes += 1
        self._changed.add(member_id)
        self._touch()

    @property
    def version(self) -> int:
        """Increases on every build, upsert and remove."""
        return self._version

    @property
    def changes_since_fit(self) -> int:
        """Upserts and removals since the last build (the service refits when this grows)."""
        return self._changes

    @property
    def config(self) -> MatchConfig:
        """The configuration this engine was created with."""
        return self._config

    def __contains__(self, member_id: object) -> bool:
        return member_id in self._profiles

    def __len__(self) -> int:
        return len(self._profiles)

    def profile(self, member_id: int) -> MemberProfile:
        """The indexed profile of a member; UnknownMemberError if absent."""
        try:
            return self._profiles[member_id]
        except KeyError:
            raise UnknownMemberError(member_id) from None

    # ----------------------------------------------------------------------------- queries
    def mentors_for(
        self,
        member_id: int,
        limit: int = 10,
        exclude: Collection[int] = (),
        exclude_organization: bool = False,
    ) -> list[Match]:
        """Coaches and trainers ranked for the member's open needs, with reasons."""
        me, cfg = self._query_member(member_id), self._config
        need_ids, need_texts = self._need_meta[member_id]
        stack = self._stack("coach_offers")
        if not need_ids or stack.empty:
            return []
        queries, _ = self._needs_store().rows(member_id)
        sims = similarities(stack, queries)
        best = group_max(sims, stack.starts, stack.groups)
        relevance = aggregate_needs(best, self._config.need_max_weight)
        keep = self._codes.allowed(stack.members, me, exclude, exclude_organization, "coach_offers")
        keep &= relevance >= self._config.min_score
        positions = np.flatnonzero(keep)
        same_region, cross_silo = self._structure("coach_offers", me)
        ranking = rank_mentors(
            relevance[positions],
            same_region[positions],
            cross_silo[positions],
            me.network_level,
            stack.members[positions],
            self._config,
            limit=limit if limit >= 0 else None,
        )
        out = []
        for k in ranking.order[:limit].tolist():
            pos = positions[k]
            coach = self._profiles[int(stack.members[pos])]
            block = group_block(sims, stack, pos)
            reasons, matched = explain.mentor_reasons(
                block, need_ids, need_texts, coach, self._offer_meta[coach.id], ranking, k, cfg
            )
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
        me = self._query_member(member_id)
        everyone = self._peer_candidates()
        keep = self._codes.allowed(everyone, me, exclude, exclude_organization, "peers")
        if not keep.any():
            return []
        all_scores, blocks = self._peer_scores(member_id)
        cands, scores = everyone[keep], all_scores[keep]
        out = []
        for k in best_first(scores, cands, self._config.min_score, limit).tolist():
            if len(out) >= limit:
                break
            other = int(cands[k])
            reasons, matched = self._peer_reasons(member_id, other, blocks)
            out.append(Match(other, float(scores[k]), tuple(reasons), matched))
        return out

    def suggestions_for_coach(
        self, coach_id: int, limit: int = 10, exclude: Collection[int] = ()
    ) -> list[Match]:
        """Members with open needs this coach can really help, best placed first."""
        coach = self._query_member(coach_id)
        stack = self._stack("member_needs")
        offers, weights = self._offers_store().rows(coach_id)
        if stack.empty or offers.shape[0] == 0:
            return []
        per_need = stack_products(stack, offers) * weights[:, None]
        best = np.maximum(per_need.max(axis=0), 0.0)
        sizes = np.diff(np.r_[stack.starts, best.size])
        w = self._config.need_max_weight
        relevance = w * np.maximum.reduceat(best, stack.starts) + (1 - w) * (
            np.add.reduceat(best, stack.starts) / sizes
        )
        keep = self._codes.allowed(stack.members, coach, exclude, False)
        keep &= relevance >= self._config.help_threshold
        out = []
        for pos in np.flatnonzero(keep)[np.argsort(-relevance[keep], kind="stable")][:limit]:
            member = self._profiles[int(stack.members[pos])]
            block = per_need[:, stack.starts[pos] : stack.starts[pos] + sizes[pos]].T
            need_ids, need_texts = self._need_meta[member.id]
            reasons, matched = explain.coach_suggestion_reasons(
                block, need_ids, need_texts, self._offer_meta[coach_id], self._config
            )
            out.append(Match(member.id, float(min(relevance[pos], 1.0)), tuple(reasons), matched))
        return out

    def cohort_scores(self, member_ids: Sequence[int], coach_ids: Sequence[int]) -> sp.csr_matrix:
        """(members x coaches) mentor scores in [0, 1]; 0 where the coach cannot really help."""
        _, needs, offers = self._fitted()
        members = [self.profile(i) for i in member_ids]
        coaches = [self.profile(i) for i in coach_ids]
        out = np.zeros((len(members), len(coaches)))
        ids = np.asarray([c.id for c in coaches], dtype=np.int64)
        stack = offers.stack(ids) if len(coaches) else None
        if stack is None or stack.empty:
            return sp.csr_matrix(out)
        col_of = {int(c): k for k, c in enumerate(ids)}
        cols = np.asarray([col_of[int(m)] for m in stack.members])
        for i, me in enumerate(members):
            queries, _ = needs.rows(me.id)
            if queries.shape[0] == 0:
                continue
            rel = aggregate_needs(
                group_max(similarities(stack, queries), stack.starts),
                self._config.need_max_weight,
            )
            group_coaches = [self._profiles[int(c)] for c in stack.members]
            ranking = rank_mentors(
                rel,
                np.array([bool(me.region) and c.region == me.region for c in group_coaches]),
                np.array([c.organization_type != me.organization_type for c in group_coaches]),
                me.network_level,
                stack.members,
                self._config,
            )
            ok = ranking.helps & (stack.members != me.id)
            out[i, cols[ok]] = ranking.scores[ok]
        return sp.csr_matrix(out)

    def peer_score(self, a_id: int, b_id: int) -> float:
        """The symmetric peer score of two indexed members (what `peers_for` ranks by)."""
        self._query_member(a_id)
        self._query_member(b_id)
        needs, offers = self._needs_store(), self._offers_store()
        return pair_peer_score(needs, offers, a_id, b_id, self._config.need_max_weight)

    # ----------------------------------------------------------------------------- helpers
    def _touch(self) -> None:
        self._version += 1
        self._stacks.clear()
        self._codes.clear()
        self._slots_cache.clear()
        self._peer_ids = None

    def _fitted(self) -> tuple[TextEncoder, RowStore, RowStore]:
        if self._encoder is None or self._needs is None or self._offers is None:
            raise NotFittedError("call MatchEngine.build() first")
        return self._encoder, self._needs, self._offers

    def _needs_store(self) -> RowStore:
        return self._fitted()[1]

    def _offers_store(self) -> RowStore:
        return self._fitted()[2]

    def _query_member(self, member_id: int) -> MemberProfile:
        self._fitted()
        return self.profile(member_id)

    def _structure(self, name: str, me: MemberProfile) -> tuple[np.ndarray, np.ndarray]:
        """(same region as me, other organisation type than me) over a stack's members."""
        stack = self._stack(name)
        base_members = self._stack_store(name).base_members(name)
        return self._codes.structure(name, stack, base_members, me)

    def _stack(self, name: str) -> Stack:
        if name not in self._stacks:
            store = self._stack_store(name)
            self._stacks[name] = store.cached_stack(name, self._stack_filter(name))
        return self._stacks[name]

    def _stack_store(self, name: str) -> RowStore:
        return self._needs_store() if name == "member_needs" else self._offers_store()

    def _stack_filter(self, name: str) -> Callable[[int], bool]:
        """Which members a stack holds: available coaches, or available non-coaches."""
        coach = name == "coach_offers"
        profiles = self._profiles

        def allowed(member_id: int) -> bool:
            p = profiles.get(member_id)
            return p is not None and p.available and p.is_coach == coach

        return allowed

    def _peer_candidates(self) -> np.ndarray:
        """Sorted ids of available non-coaches: the build-time set, patched by changes since."""
        if self._peer_ids is None:
            if self._base_peer_ids is None:
                ids = [p.id for p in self._profiles.values() if p.available and not p.is_coach]
                self._base_peer_ids = np.asarray(sorted(ids), dtype=np.int64)
                self._changed.clear()
            changed = np.fromiter(self._changed, dtype=np.int64, count=len(self._changed))
            kept = self._base_peer_ids[~np.isin(self._base_peer_ids, changed)]
            allowed = self._stack_filter("member_needs")
            added = [m for m in self._changed if allowed(m)]
            self._peer_ids = np.union1d(kept, np.asarray(added, dtype=np.int64))
        return self._peer_ids

    def _peer_slots(self, name: str) -> PeerSlots:
        """Where the groups of stack `name` sit among the peer candidates, once per version."""
        if name not in self._slots_cache:
            members = self._stack(name).members
            self._slots_cache[name] = peer_slots(self._peer_candidates(), members)
        return self._slots_cache[name]

    def _peer_scores(self, a: int) -> tuple[np.ndarray, PeerBlocks]:
        """Peer scores of `a` against every peer candidate, and the similarity blocks."""
        return peer_scores(
            self._needs_store().rows(a)[0],
            self._offers_store().rows(a),
            self._stack("member_needs"),
            self._stack("member_offers"),
            self._peer_slots("member_needs"),
            self._peer_slots("member_offers"),
            self._peer_candidates().size,
            self._config.need_max_weight,
        )

    def _peer_reasons(
        self, a: int, b: int, blocks: PeerBlocks
    ) -> tuple[list[str], tuple[int, ...]]:
        """Why `b` is a peer for `a`, from the similarity blocks of `_peer_scores(a)`."""
        everyone, needs, offers = self._peer_candidates(), self._need_meta, self._offer_meta
        slots = self._peer_slots("member_needs"), self._peer_slots("member_offers")
        pair = candidate_blocks(blocks, b, everyone, *slots, len(needs[a][0]), len(offers[a]))
        return explain.peer_reasons(pair, needs[a], needs[b][1], offers[a], offers[b], self._config)
