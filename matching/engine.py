"""The engine facade the web service calls: build, update one member, and the four queries.

Rows live in two `features.RowStore` (needs side, offers side): the matrix from the last `build`
plus the rows of members upserted since (encoded with the fitted vocabulary, no refit). Queries
stack the rows of the relevant subset (coaches' offers, members' needs...) once per version and
compute similarities in one place, `features.similarities`, so a faster index can replace it.
Rows are stored as float32: half the memory and about twice as fast products; scores carry
float32 precision (~1e-7).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from matching import reasons as R
from matching.errors import NotFittedError, UnknownMemberError
from matching.features import (
    OfferRow,
    RowStore,
    Stack,
    TextEncoder,
    need_rows,
    offer_rows,
    similarities,
    stack_products,
)
from matching.profiles import Match, MemberProfile
from matching.scoring import MatchConfig, aggregate_needs, group_max, peer_score, rank_mentors

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
        self._base_codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._codes: dict[str, int] = {}
        self._codes_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._org_cache: dict[str, np.ndarray] = {}
        self._slots_cache: dict[str, tuple[tuple[np.ndarray, np.ndarray], np.ndarray]] = {}

    # ----------------------------------------------------------------- building and updating
    def build(self, profiles: Iterable[MemberProfile]) -> MatchEngine:
        """Fit the text encoder on every need and offer, then encode and index all members."""
        cfg = self._config
        by_id = {p.id: p for p in profiles}
        self._profiles, self._need_meta, self._offer_meta = {}, {}, {}
        need_texts, need_owner, offer_texts, offer_owner, offer_w = [], [], [], [], []
        for mid, p in by_id.items():
            self._profiles[mid] = p
            ids, texts = need_rows(p)
            rows = offer_rows(p)
            self._need_meta[mid], self._offer_meta[mid] = (ids, texts), rows
            need_texts += texts
            need_owner += [mid] * len(texts)
            offer_texts += [r.text for r in rows]
            offer_owner += [mid] * len(rows)
            offer_w += [self._row_weight(r) for r in rows]
        corpus = need_texts + offer_texts
        self._encoder = TextEncoder(
            word_weight=cfg.word_weight,
            char_weight=cfg.char_weight,
            thesaurus_weight=cfg.thesaurus_weight,
            lsa_weight=cfg.lsa_weight,
            lsa_components=cfg.lsa_components,
        )
        if corpus:  # one pass: each distinct text is analysed once per vectorizer
            encoded = self._encoder.fit_transform(corpus).astype(np.float32)
        else:
            encoded = self._encoder.fit(["passerelle"]).transform([]).astype(np.float32)
        n = len(need_texts)
        self._needs = RowStore(
            encoded[:n], np.asarray(need_owner, dtype=np.int64), np.ones(n, dtype=np.float64)
        )
        self._offers = RowStore(
            encoded[n:], np.asarray(offer_owner, dtype=np.int64), np.asarray(offer_w, dtype=float)
        )
        self._changes = 0
        self._base_peer_ids, self._base_codes = None, {}
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
        weights = np.asarray([self._row_weight(r) for r in rows], dtype=float)
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
        me = self._query_member(member_id)
        need_ids, need_texts = self._need_meta[member_id]
        stack = self._stack("coach_offers")
        if not need_ids or stack.empty:
            return []
        queries, _ = self._needs_store().rows(member_id)
        sims = similarities(stack, queries)
        best = group_max(sims, stack.starts, stack.groups)
        relevance = aggregate_needs(best, self._config.need_max_weight)
        keep = self._allowed(stack.members, me, exclude, exclude_organization, "coach_offers")
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
            block = self._group_block(sims, stack, pos)
            reasons, matched = self._pair_reasons(block, need_ids, need_texts, coach.id)
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
        me = self._query_member(member_id)
        everyone = self._peer_candidates()
        keep = self._allowed(everyone, me, exclude, exclude_organization, "peers")
        if not keep.any():
            return []
        all_scores, blocks = self._peer_scores(member_id)
        cands, scores = everyone[keep], all_scores[keep]
        out = []
        for k in _best_first(scores, cands, self._config.min_score, limit).tolist():
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
        keep = self._allowed(stack.members, coach, exclude, False)
        keep &= relevance >= self._config.help_threshold
        out = []
        for pos in np.flatnonzero(keep)[np.argsort(-relevance[keep], kind="stable")][:limit]:
            member = self._profiles[int(stack.members[pos])]
            block = per_need[:, stack.starts[pos] : stack.starts[pos] + sizes[pos]].T
            need_ids, need_texts = self._need_meta[member.id]
            rows = self._offer_meta[coach_id]
            pairs = R.best_pairs(block, self._config.min_score, self._config.reasons_per_match)
            reasons = [R.need_for_coach_reason(need_texts[i], rows[j]) for i, j, _ in pairs]
            matched = tuple(need_ids[i] for i, _, _ in pairs)
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
        return self._pair_peer_score(a_id, b_id)

    # ----------------------------------------------------------------------------- helpers
    def _row_weight(self, row: OfferRow) -> float:
        return 1.0 if row.kind == "offer" else self._config.profile_row_weight

    def _touch(self) -> None:
        self._version += 1
        self._stacks.clear()
        self._codes_cache.clear()
        self._org_cache.clear()
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
        key = f"{name}:structure"
        if key not in self._codes_cache:
            stack = self._stack(name)
            base_key = f"{name}:base-structure"
            if base_key not in self._base_codes:  # the stack's base part, once per build
                base_members = self._stack_store(name).base_members(name)
                self._base_codes[base_key] = self._region_type_codes(base_members)
            regions, types = self._base_codes[base_key]
            n_base = stack.base_groups.size
            extra = self._region_type_codes(stack.members[n_base:])
            regions = np.concatenate([regions[stack.base_groups], extra[0]])
            types = np.concatenate([types[stack.base_groups], extra[1]])
            self._codes_cache[key] = (regions, types)
        regions, types = self._codes_cache[key]
        same_region = regions == (self._code(me.region) if me.region else -2)
        return same_region, types != self._code(me.organization_type)

    def _region_type_codes(self, member_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Region and organisation-type codes (-1 for members gone since: never selected)."""
        members = [self._profiles.get(int(i)) for i in member_ids]
        regions = [self._code(p.region) if p else -1 for p in members]
        types = [self._code(p.organization_type) if p else -1 for p in members]
        return np.asarray(regions, dtype=np.int64), np.asarray(types, dtype=np.int64)

    def _code(self, value: str | None) -> int:
        if value is None:
            return -1
        return self._codes.setdefault(value, len(self._codes))

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

    def _allowed(
        self,
        candidates: np.ndarray,
        me: MemberProfile,
        exclude: Collection[int],
        exclude_organization: bool,
        cache_key: str | None = None,
    ) -> np.ndarray:
        """Candidates not excluded and not `me`; optionally not of my organisation.

        `cache_key` names a fixed candidate array (a stack's members, the peer candidates) whose
        organisation codes are then computed once per version.
        """
        banned = np.fromiter({*exclude, me.id}, dtype=np.int64)
        keep = ~np.isin(candidates, banned)
        if exclude_organization and me.organization:
            mine = self._code("org:" + me.organization)
            keep &= self._organizations(candidates, cache_key) != mine
        return keep

    def _organizations(self, candidates: np.ndarray, cache_key: str | None) -> np.ndarray:
        """Organisation code of each candidate (cached per version under `cache_key`)."""
        if cache_key is None or cache_key not in self._org_cache:
            profiles = self._profiles
            codes = [self._code("org:" + profiles[c].organization) for c in candidates.tolist()]
            array = np.asarray(codes, dtype=np.int64)
            if cache_key is None:
                return array
            self._org_cache[cache_key] = array
        return self._org_cache[cache_key]

    def _group_block(self, sims: np.ndarray, stack: Stack, pos: int) -> np.ndarray:
        start = stack.starts[pos]
        stop = stack.starts[pos + 1] if pos + 1 < stack.starts.size else sims.shape[1]
        return sims[:, start:stop]

    def _pair_reasons(
        self, block: np.ndarray, need_ids: list[int], need_texts: list[str], other_id: int
    ) -> tuple[list[str], tuple[int, ...]]:
        rows = self._offer_meta[other_id]
        pairs = R.best_pairs(block, self._config.min_score, self._config.reasons_per_match)
        reasons = [R.offer_reason(rows[j], need_texts[i]) for i, j, _ in pairs]
        return reasons, tuple(need_ids[i] for i, _, _ in pairs)

    def _pair_sims(self, q_store: RowStore, q_id: int, r_store: RowStore, r_id: int) -> np.ndarray:
        queries, _ = q_store.rows(q_id)
        rows, weights = r_store.rows(r_id)
        if queries.shape[0] == 0 or rows.shape[0] == 0:
            return np.zeros((queries.shape[0], rows.shape[0]))
        return (queries @ rows.T).toarray() * weights

    def _peer_parts(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        needs, offers = self._needs_store(), self._offers_store()
        b_helps_a = self._pair_sims(needs, a, offers, b)  # A needs x B offers
        a_helps_b = self._pair_sims(needs, b, offers, a)  # B needs x A offers
        shared = self._pair_sims(needs, a, needs, b)  # A needs x B needs
        return b_helps_a, a_helps_b, shared

    def _pair_peer_score(self, a: int, b: int) -> float:
        w = self._config.need_max_weight
        b_helps_a, a_helps_b, shared = self._peer_parts(a, b)
        d_ba = aggregate_needs(np.maximum(b_helps_a, 0).max(axis=1, initial=0)[:, None], w)
        d_ab = aggregate_needs(np.maximum(a_helps_b, 0).max(axis=1, initial=0)[:, None], w)
        return float(peer_score(d_ab, d_ba, np.asarray([shared.max(initial=0.0)]))[0])

    def _peer_slots(self, name: str) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
        """Where the groups of stack `name` sit among the peer candidates, once per version.

        Returns ((candidate positions, their groups), group of each candidate or -1).
        """
        key = f"{name}:slots"
        if key not in self._slots_cache:
            everyone, members = self._peer_candidates(), self._stack(name).members
            pos = np.clip(np.searchsorted(everyone, members), 0, max(everyone.size - 1, 0))
            hit = everyone[pos] == members if everyone.size else np.zeros(members.size, bool)
            slots = np.where(hit, pos, -1)
            group_at = np.full(everyone.size, -1, dtype=np.int64)
            group_at[slots[hit]] = np.flatnonzero(hit)
            self._slots_cache[key] = ((slots[hit], np.flatnonzero(hit)), group_at)
        return self._slots_cache[key]

    def _peer_scores(self, a: int) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, Stack]]]:
        """Vectorised peer scores of `a` against every peer candidate (same formula as pairs).

        Also returns the similarity blocks computed on the way, so reasons reuse them.
        """
        w = self._config.need_max_weight
        n = self._peer_candidates().size
        a_needs, _ = self._needs_store().rows(a)
        a_offers, a_weights = self._offers_store().rows(a)
        need_stack, offer_stack = self._stack("member_needs"), self._stack("member_offers")
        d_ba = np.zeros(n)
        d_ab = np.zeros(n)
        shared = np.zeros(n)
        blocks: dict[str, tuple[np.ndarray, Stack]] = {}
        if a_needs.shape[0] and not offer_stack.empty:
            sims = similarities(offer_stack, a_needs)
            blocks["b_helps_a"] = (sims, offer_stack)
            best = group_max(sims, offer_stack.starts, offer_stack.groups)
            _place(d_ba, self._peer_slots("member_offers")[0], aggregate_needs(best, w))
        if not need_stack.empty:
            slots = self._peer_slots("member_needs")[0]
            sizes = np.diff(np.r_[need_stack.starts, need_stack.weights.size])
            if a_offers.shape[0]:
                per_need = stack_products(need_stack, a_offers) * a_weights[:, None]
                blocks["a_helps_b"] = (per_need, need_stack)
                best = np.maximum(per_need.max(axis=0), 0.0)
                rel = w * group_max(best[np.newaxis, :], need_stack.starts, need_stack.groups)[0]
                total = np.zeros(need_stack.starts.size)
                np.add.at(total, need_stack.groups, best)  # in row order, as add.reduceat
                rel = rel + (1 - w) * (total / sizes)
                _place(d_ab, slots, rel)
            if a_needs.shape[0]:
                sims = similarities(need_stack, a_needs)
                blocks["shared"] = (sims, need_stack)
                top = sims.max(axis=0, keepdims=True)
                best = group_max(top, need_stack.starts, need_stack.groups)[0]
                _place(shared, slots, best)
        return peer_score(d_ab, d_ba, shared), blocks

    def _blocks_for(
        self, a: int, b: int, blocks: dict[str, tuple[np.ndarray, Stack]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Slice (A needs x B offers, B needs x A offers, A needs x B needs) out of `blocks`."""
        n_a_needs = len(self._need_meta[a][0])
        n_a_offers = len(self._offer_meta[a])
        everyone = self._peer_candidates()
        at = int(np.searchsorted(everyone, b))

        def cut(name: str, rows: int) -> np.ndarray:
            if name not in blocks:
                return np.zeros((rows, 0))
            sims, stack = blocks[name]
            stack_name = "member_offers" if name == "b_helps_a" else "member_needs"
            group_at = self._peer_slots(stack_name)[1]
            pos = int(group_at[at]) if at < everyone.size and everyone[at] == b else -1
            if pos < 0:
                return np.zeros((rows, 0))
            return self._group_block(sims, stack, pos)

        return cut("b_helps_a", n_a_needs), cut("a_helps_b", n_a_offers).T, cut("shared", n_a_needs)

    def _peer_reasons(
        self, a: int, b: int, blocks: dict[str, tuple[np.ndarray, Stack]]
    ) -> tuple[list[str], tuple[int, ...]]:
        cfg = self._config
        b_helps_a, a_helps_b, shared = self._blocks_for(a, b, blocks)
        a_ids, a_texts = self._need_meta[a]
        _, b_texts = self._need_meta[b]
        w = cfg.need_max_weight
        recip = 0.5 * (
            aggregate_needs(np.maximum(b_helps_a, 0).max(axis=1, initial=0)[:, None], w)[0]
            + aggregate_needs(np.maximum(a_helps_b, 0).max(axis=1, initial=0)[:, None], w)[0]
        )
        if shared.size and shared.max() >= recip:
            pairs = R.best_pairs(shared, cfg.min_score, 1)
            return [R.shared_need_reason(b_texts[j]) for _, j, _ in pairs], tuple(
                a_ids[i] for i, _, _ in pairs
            )
        reasons, matched = self._pair_reasons(b_helps_a, a_ids, a_texts, b)
        for i, j, _ in R.best_pairs(a_helps_b, cfg.min_score, 1):
            reasons.append(R.help_reason(self._offer_meta[a][j], b_texts[i]))
        return reasons, matched


def _best_first(scores: np.ndarray, ids: np.ndarray, floor: float, limit: int) -> np.ndarray:
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


def _place(out: np.ndarray, slots: tuple[np.ndarray, np.ndarray], values: np.ndarray) -> None:
    """out[positions] = values[groups] for the (positions, groups) pairs of `_peer_slots`."""
    positions, groups = slots
    if groups.size == values.size:  # every group is a candidate (the usual case)
        out[positions] = values
    else:
        out[positions] = values[groups]
