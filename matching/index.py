"""The matching index: every consenting member as rows, and the four queries the service asks.

`MemberIndex` keeps members' profiles and their encoded rows (`matching.features`, stored in two
`matching.rows.Side`: needs and offers). Upserting a member encodes only that member; nothing is
ever refitted (the theme model and the lexical encoder are fixed while the index lives). Queries
meet the rows of a subset of members (a `matching.rows.Stack`) in one sparse product, keep each
candidate's best row per need, rank with `matching.scoring`, and explain only the winners with
`matching.reasons`, from their own rows.

Subsets: *coaches* (coaches and trainers available for suggestions) for mentor queries; *peers*
(other members, available and open to peer exchange) for peer queries; *members* (members who
are not coaches, available) for a coach's suggestions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matching import reasons as R
from matching.errors import UnknownMemberError
from matching.features import Encoded, Featurizer, RowText, need_texts, offer_texts
from matching.profiles import Match, MemberProfile
from matching.rows import Block, Rows, Side, Stack, pair_products
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
        self._stacks: dict[str, Stack] = {}
        self._stacks_version = -1
        self._codes: dict[str, int] = {}

    # --------------------------------------------------------------------------- building
    def build(self, profiles: Iterable[MemberProfile]) -> MemberIndex:
        """Encode every member (the last profile of an id wins) into fresh base blocks."""
        by_id = {p.id: p for p in profiles}
        needs, offers = self._encode_many(list(by_id.values()))
        self._profiles = by_id
        self._needs, self._offers = Side(needs), Side(offers)
        self._touch()
        return self

    def restore(self, profiles: Iterable[MemberProfile], needs: Block, offers: Block) -> None:
        """Take saved blocks (`matching.snapshot`) instead of encoding."""
        self._profiles = {p.id: p for p in profiles}
        self._needs, self._offers = Side(needs), Side(offers)
        self._touch()

    def blocks(self) -> tuple[Block, Block]:
        """The needs and offers blocks of every member, compacted (for `matching.snapshot`)."""
        self._compact()
        return self._needs.base, self._offers.base

    def upsert(self, profile: MemberProfile) -> None:
        """Add or replace one member (encoded on its own; nothing else moves)."""
        self.upsert_many([profile])

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
        """Needs and offers blocks of `profiles`, in their order (one encoding pass per side)."""
        config = self.config
        need_rows = [need_texts(p) for p in profiles]
        offer_rows = [offer_texts(p) for p in profiles]
        corrected = {n.id: n.theme for p in profiles for n in p.needs if n.theme}
        flat_needs = [r for rows in need_rows for r in rows]
        flat_offers = [r for rows in offer_rows for r in rows]
        needs = self.featurizer.encode(
            flat_needs, [1.0] * len(flat_needs), [corrected.get(r.need_id) for r in flat_needs]
        )
        offers = self.featurizer.encode(
            flat_offers,
            [1.0 if r.kind == "offer" else config.about_row_weight for r in flat_offers],
            [None] * len(flat_offers),
        )
        ids = [p.id for p in profiles]
        return _grouped(ids, need_rows, needs), _grouped(ids, offer_rows, offers)

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
        same_region = labels[:, 0] == (self._code(me.region) if me.region else -2)
        cross_silo = labels[:, 1] != self._code(me.organization_type)
        ranking = rank_mentors(
            relevance,
            same_region,
            cross_silo,
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
            reasons, matched = self._offer_reasons(me.id, coach.id)
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
        candidates, labels, scores = self._peer_scores(member_id)
        keep = self._allowed_ids(candidates, labels, me, exclude, exclude_organization)
        keep &= scores >= self.config.min_score
        positions = np.flatnonzero(keep)
        order = np.lexsort((candidates[positions], -scores[positions]))
        order = order if limit < 0 else order[:limit]
        out = []
        for pos in positions[order]:
            other = int(candidates[pos])
            reasons, matched = self._peer_reasons(member_id, other)
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
            reasons, matched = self._need_reasons(
                member_id, coach_id, self.config.reasons_per_match
            )
            out.append(Match(member_id, float(min(relevance[pos], 1.0)), tuple(reasons), matched))
        return out

    def explain_mentor(self, member_id: int, coach_id: int) -> tuple[str, ...]:
        """The French reasons why `coach_id`'s offers answer `member_id`'s needs (for a pair
        proposed elsewhere, e.g. by a cohort assignment); empty when nothing answers."""
        self.profile(coach_id)
        reasons, _ = self._offer_reasons(member_id, coach_id)
        return tuple(reasons)

    def cohort_scores(self, member_ids: Sequence[int], coach_ids: Sequence[int]) -> sp.csr_matrix:
        """(members x coaches) mentor scores in [0, 1]; 0 where the coach cannot really help."""
        out = np.zeros((len(member_ids), len(coach_ids)))
        coaches = np.asarray(coach_ids, dtype=np.int64)
        for coach_id in coach_ids:
            self.profile(coach_id)  # UnknownMemberError for an id the index does not hold
        if not len(coaches):
            return sp.csr_matrix(out)
        offer_rows = [self._offers.rows(int(c)) for c in coaches]
        sizes = np.asarray([len(r) for r in offer_rows])
        has_rows = sizes > 0
        if not has_rows.any():
            return sp.csr_matrix(out)
        stacked = sp.vstack([r.csr for r in offer_rows if len(r)], format="csr")
        stacked_t = sp.csr_matrix(stacked.T)
        starts = np.concatenate([[0], np.cumsum(sizes[has_rows])])[:-1]
        for i, member_id in enumerate(member_ids):
            me = self.profile(member_id)
            _, needs = self.need_vectors(member_id)
            if len(needs) == 0:
                continue
            sims = np.maximum((needs.csr @ stacked_t).toarray(), 0.0)
            relevance = np.zeros(len(coaches))
            best = np.maximum.reduceat(sims, starts, axis=1)
            relevance[has_rows] = aggregate_needs(best, self.config.need_max_weight)
            group = [self.profile(int(c)) for c in coaches]
            ranking = rank_mentors(
                relevance,
                np.asarray([bool(me.region) and c.region == me.region for c in group]),
                np.asarray([c.organization_type != me.organization_type for c in group]),
                me.network_level,
                coaches,
                self.config,
            )
            ok = ranking.helps & (coaches != member_id)
            out[i, ok] = ranking.scores[ok]
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

            self._stacks[key] = side.stack(name, select, self._describe)
        return self._stacks[key]

    def _code(self, value: str | None) -> int:
        """The integer code of a region, organisation type or organisation (-1 for none)."""
        if value is None:
            return -1
        return self._codes.setdefault(value, len(self._codes))

    def _describe(self, member_ids: np.ndarray) -> np.ndarray:
        """(n, 3) codes of members: region, organisation type, organisation."""
        profiles = self._profiles
        out = np.full((member_ids.size, 3), -1, dtype=np.int64)
        for i, member_id in enumerate(member_ids.tolist()):
            p = profiles.get(member_id)
            if p is not None:
                out[i] = (
                    self._code(p.region),
                    self._code(p.organization_type),
                    self._code("org:" + p.organization) if p.organization else -1,
                )
        return out

    def _allowed(
        self, stack: Stack, me: MemberProfile, exclude: Collection[int], exclude_organization: bool
    ) -> np.ndarray:
        return self._allowed_ids(stack.members, stack.labels, me, exclude, exclude_organization)

    def _allowed_ids(
        self,
        candidates: np.ndarray,
        labels: np.ndarray,
        me: MemberProfile,
        exclude: Collection[int],
        exclude_organization: bool,
    ) -> np.ndarray:
        """Candidates other than `me`, not excluded, optionally not of my organisation."""
        banned = np.fromiter({*exclude, me.id}, dtype=np.int64)
        keep = ~np.isin(candidates, banned)
        if exclude_organization and me.organization:
            keep &= labels[:, 2] != self._code("org:" + me.organization)
        return keep

    def _peer_scores(self, member_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every peer candidate (sorted ids), its codes and its symmetric peer score."""
        w = self.config.need_max_weight
        _, my_needs = self.need_vectors(member_id)
        _, my_offers = self.offer_vectors(member_id)
        offers_stack = self._stack("peers", self._offers)
        needs_stack = self._stack("peers", self._needs)
        ids = np.union1d(
            offers_stack.members[offers_stack.live], needs_stack.members[needs_stack.live]
        ).astype(np.int64)
        helps_me, i_help, shared = np.zeros(ids.size), np.zeros(ids.size), np.zeros(ids.size)
        if len(my_needs):
            best = offers_stack.group_max(my_needs.csr)
            _scatter(helps_me, ids, offers_stack, aggregate_needs(best, w))
            cosines = needs_stack.group_max(my_needs.unit().csr, cosine=True)
            _scatter(shared, ids, needs_stack, cosines.max(axis=0, initial=0.0))
        if len(my_offers):
            _scatter(i_help, ids, needs_stack, needs_stack.answered(my_offers.csr, w))
        labels = np.zeros((ids.size, 3), dtype=np.int64)
        for stack in (needs_stack, offers_stack):
            live = stack.live
            labels[np.searchsorted(ids, stack.members[live])] = stack.labels[live]
        return ids, labels, peer_score(helps_me, i_help, shared)

    def _pair(self, a: int, b: int) -> PairRows:
        """The rows of two members and their similarity blocks (for reasons)."""
        a_needs_text, a_needs = self.need_vectors(a)
        b_offers_text, b_offers = self.offer_vectors(b)
        return PairRows(
            a_needs_text,
            a_needs,
            b_offers_text,
            b_offers,
            np.maximum(pair_products(a_needs, b_offers), 0.0),
        )

    def _offer_reasons(self, me_id: int, other_id: int) -> tuple[list[str], tuple[int, ...]]:
        """Which of `other_id`'s offer rows answer which of `me_id`'s needs (my view)."""
        pair = self._pair(me_id, other_id)
        names = self._theme_names()
        reasons, matched = [], []
        for i, j, _ in R.best_pairs(
            pair.sims, self.config.min_score, self.config.reasons_per_match
        ):
            cue = pair.cue(i, j, names)
            reasons.append(R.pair_reason(cue, pair.need_rows[i], pair.offer_rows[j]))
            matched.append(pair.need_rows[i].need_id)
        return reasons, tuple(m for m in matched if m is not None)

    def _need_reasons(
        self, member_id: int, helper_id: int, limit: int
    ) -> tuple[list[str], tuple[int, ...]]:
        """Which of `helper_id`'s offer rows answer which needs of `member_id` (helper's view)."""
        pair = self._pair(member_id, helper_id)
        names = self._theme_names()
        reasons, matched = [], []
        for i, j, _ in R.best_pairs(pair.sims, self.config.min_score, limit):
            cue = pair.cue(i, j, names, offer_first=True)
            reasons.append(R.pair_reason(cue, pair.offer_rows[j], pair.need_rows[i]))
            matched.append(pair.need_rows[i].need_id)
        return reasons, tuple(m for m in matched if m is not None)

    def _peer_reasons(self, a: int, b: int) -> tuple[list[str], tuple[int, ...]]:
        """Why peer `b` is suggested to `a`: a shared need, or what each can bring the other.

        The shared need is cited when it weighs at least as much as the reciprocal help (the
        peer score takes the larger of the two).
        """
        w = self.config.need_max_weight
        b_helps_a, a_helps_b = self._pair(a, b), self._pair(b, a)
        reciprocal = 0.5 * (_relevance(b_helps_a.sims, w) + _relevance(a_helps_b.sims, w))
        a_rows, a_needs = self.need_vectors(a)
        b_rows, b_needs = self.need_vectors(b)
        if a_rows and b_rows:
            shared = pair_products(a_needs.unit(), b_needs.unit())
            if shared.max() >= max(reciprocal, self.config.min_score):
                i, j = np.unravel_index(int(shared.argmax()), shared.shape)
                cue = R.pair_cue(
                    a_needs.row(i),
                    b_needs.row(j),
                    a_rows[i].text,
                    b_rows[j].text,
                    self._theme_names(),
                )
                matched = tuple(x for x in [a_rows[i].need_id] if x is not None)
                return [R.shared_need_reason(cue, a_rows[i], b_rows[j])], matched
        reasons, matched = self._offer_reasons(a, b)
        helping, _ = self._need_reasons(b, a, limit=1)
        return reasons + [f"Vous pouvez l'aider — {r}" for r in helping], matched

    def _theme_names(self) -> list[str]:
        model = self.featurizer.model
        return [model.names_[t] for t in model.themes_]


def _grouped(ids: Sequence[int], rows: Sequence[Sequence[RowText]], encoded: Encoded) -> Block:
    """Cut a flat encoding back into one group per member (members without rows left out)."""
    sizes = np.asarray([len(r) for r in rows], dtype=np.int64)
    nonempty = sizes > 0
    return Block(
        encoded.rows,
        encoded.themes,
        np.asarray(ids, dtype=np.int64)[nonempty],
        np.concatenate([[0], np.cumsum(sizes[nonempty])]).astype(np.int64),
    )


def _per_member(block: Block) -> dict[int, Block]:
    """One single-member block per group of `block`."""
    return {
        int(m): Block.single(int(m), block.group(g)) for g, m in enumerate(block.members.tolist())
    }


def _scatter(out: np.ndarray, ids: np.ndarray, stack: Stack, values: np.ndarray) -> None:
    """out[position of each live group's member in `ids`] = value (ids sorted)."""
    live = stack.live
    out[np.searchsorted(ids, stack.members[live])] = values[live]


def _relevance(sims: np.ndarray, need_max_weight: float) -> float:
    """Mentor-style relevance of one candidate from its (needs x offers) block."""
    if sims.size == 0:
        return 0.0
    return float(aggregate_needs(sims.max(axis=1)[:, None], need_max_weight)[0])


@dataclass(frozen=True, slots=True)
class PairRows:
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
