"""Where encoded rows live and how a query meets them: one sparse product per part.

A `Block` holds the rows of several members, grouped contiguously. A `Side` (the needs of every
member, or their offers) is the block of the last compaction plus the members encoded since,
each in a small block of its own; an upsert or a removal marks the member's base rows *stale*
instead of rebuilding anything. When more than `COMPACT_SHARE` of the members changed, the side
is compacted into one new base block.

Queries run over a `Stack`: the rows of a subset of members (the available coaches' offers...),
kept transposed as postings lists (one list of rows per term, so a product only touches the rows
that share a term with the query) in two parts: the base part, selected and transposed once per
compaction, with a mask of its live groups, and the recent part, rebuilt when the side changes.
`Stack.group_max` is the one place where query rows meet stacked rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = [
    "COMPACT_SHARE",
    "Block",
    "Rows",
    "Side",
    "Stack",
    "StackPart",
    "dense_pair",
    "pair_products",
]

COMPACT_SHARE = 0.05
COMPACT_MIN = 256

Describe = Callable[[np.ndarray], np.ndarray]
"""Member ids -> (n, k) integer codes describing them (region, organisation...)."""


class Rows:
    """A few rows of a block as views of its CSR arrays, with each row's theme column.

    Reading one member's rows is frequent (every reason); building a scipy matrix for it costs
    more than the arithmetic, so rows are kept as plain arrays and `csr` is built on demand.
    """

    __slots__ = ("_csr", "data", "indices", "indptr", "themes", "width")

    def __init__(
        self,
        indptr: np.ndarray,
        indices: np.ndarray,
        data: np.ndarray,
        themes: np.ndarray,
        width: int,
    ) -> None:
        self.indptr, self.indices, self.data = indptr, indices, data
        self.themes, self.width = themes, width
        self._csr: sp.csr_matrix | None = None

    @classmethod
    def of(cls, matrix: sp.csr_matrix, themes: np.ndarray) -> Rows:
        """Rows of a scipy CSR matrix (sharing its arrays)."""
        matrix = sp.csr_matrix(matrix, dtype=np.float32)
        rows = cls(matrix.indptr, matrix.indices, matrix.data, themes, int(matrix.shape[1]))
        rows._csr = matrix
        return rows

    @classmethod
    def empty(cls, width: int) -> Rows:
        """No rows."""
        zero = np.zeros(0, dtype=np.int32)
        return cls(
            np.zeros(1, np.int64), zero, np.zeros(0, np.float32), np.zeros(0, np.int16), width
        )

    def __len__(self) -> int:
        return int(self.indptr.size - 1)

    @property
    def csr(self) -> sp.csr_matrix:
        """The rows as a scipy CSR matrix (built once)."""
        if self._csr is None:
            self._csr = sp.csr_matrix(
                (self.data, self.indices, self.indptr), shape=(len(self), self.width)
            )
        return self._csr

    def row(self, i: int) -> Rows:
        """Row `i` alone."""
        a, b = int(self.indptr[i]), int(self.indptr[i + 1])
        return Rows(
            np.asarray([0, b - a], dtype=np.int64),
            self.indices[a:b],
            self.data[a:b],
            self.themes[i : i + 1],
            self.width,
        )

    def unit(self) -> Rows:
        """The rows scaled to unit length (all-zero rows stay zero)."""
        sizes = np.diff(self.indptr)
        squares = np.zeros(len(self), dtype=np.float64)
        np.add.at(
            squares, np.repeat(np.arange(len(self)), sizes), self.data.astype(np.float64) ** 2
        )
        norms = np.sqrt(squares)
        scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        data = (self.data * np.repeat(scale, sizes)).astype(np.float32)
        return Rows(self.indptr, self.indices, data, self.themes, self.width)


def dense_pair(a: Rows, b: Rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two small row sets as dense arrays over the columns either uses, and those columns.

    Rows are wide (a million hashed word columns) but hold a few dozen values: a product of a
    handful of rows is cheapest on their own columns (a transpose would build a million-long
    index).
    """
    columns = np.union1d(a.indices, b.indices)
    return _dense_on(a, columns), _dense_on(b, columns), columns


def _dense_on(rows: Rows, columns: np.ndarray) -> np.ndarray:
    out = np.zeros((len(rows), columns.size), dtype=np.float32)
    if rows.data.size:
        row_of = np.repeat(np.arange(len(rows)), np.diff(rows.indptr))
        out[row_of, np.searchsorted(columns, rows.indices)] = rows.data
    return out


def pair_products(a: Rows, b: Rows) -> np.ndarray:
    """(rows of a) x (rows of b) dot products, for small row sets."""
    dense_a, dense_b, _ = dense_pair(a, b)
    return dense_a @ dense_b.T


@dataclass(frozen=True, slots=True)
class Block:
    """Rows of several members: member `members[g]` owns rows ``starts[g]:starts[g + 1]``."""

    rows: sp.csr_matrix  # (n_rows, n_features) float32
    themes: np.ndarray  # (n_rows,) int16: best theme column of each row, -1: « hors thèmes »
    members: np.ndarray  # (n_groups,) int64
    starts: np.ndarray  # (n_groups + 1,) int64

    @classmethod
    def empty(cls, n_features: int) -> Block:
        """A block without rows."""
        return cls(
            sp.csr_matrix((0, n_features), dtype=np.float32),
            np.zeros(0, dtype=np.int16),
            np.zeros(0, dtype=np.int64),
            np.zeros(1, dtype=np.int64),
        )

    @classmethod
    def single(cls, member_id: int, rows: Rows) -> Block:
        """The rows of one member (possibly none)."""
        return cls(
            sp.csr_matrix(rows.csr, dtype=np.float32),
            np.asarray(rows.themes, dtype=np.int16),
            np.asarray([member_id], dtype=np.int64),
            np.asarray([0, len(rows)], dtype=np.int64),
        )

    @classmethod
    def concat(cls, blocks: Iterable[Block], n_features: int) -> Block:
        """The blocks one after the other, members without rows left out."""
        kept = [b for b in blocks if b.rows.shape[0]]
        if not kept:
            return cls.empty(n_features)
        sizes = np.concatenate([np.diff(b.starts) for b in kept])
        members = np.concatenate([b.members for b in kept])
        nonempty = sizes > 0
        return cls(
            sp.vstack([b.rows for b in kept], format="csr", dtype=np.float32),
            np.concatenate([b.themes for b in kept]),
            members[nonempty],
            np.concatenate([[0], np.cumsum(sizes[nonempty])]).astype(np.int64),
        )

    def select(self, keep_groups: np.ndarray) -> Block:
        """The groups where `keep_groups` (a boolean mask over groups) is True."""
        sizes = np.diff(self.starts)
        row_mask = np.repeat(keep_groups, sizes)
        kept_sizes = sizes[keep_groups]
        return Block(
            self.rows[row_mask],
            self.themes[row_mask],
            self.members[keep_groups],
            np.concatenate([[0], np.cumsum(kept_sizes)]).astype(np.int64),
        )

    def group(self, position: int) -> Rows:
        """The rows of the group at `position` (views of this block's arrays)."""
        a, b = int(self.starts[position]), int(self.starts[position + 1])
        indptr = self.rows.indptr[a : b + 1]
        first, last = int(indptr[0]), int(indptr[-1])
        return Rows(
            indptr - first,
            self.rows.indices[first:last],
            self.rows.data[first:last],
            self.themes[a:b],
            int(self.rows.shape[1]),
        )


@dataclass(frozen=True, slots=True)
class StackPart:
    """Transposed rows of some groups, and which of those groups are still current."""

    postings: sp.csr_matrix  # (n_features, n_rows): one postings list per term
    norms: np.ndarray  # (n_rows,) float32: length of each row
    members: np.ndarray  # (n_groups,)
    starts: np.ndarray  # (n_groups + 1,)
    labels: np.ndarray  # (n_groups, k) int: codes describing each member (region...)
    live: np.ndarray | None  # (n_groups,) bool, None when every group is current
    group_of: np.ndarray  # (n_rows,) the group of each row

    @classmethod
    def of(cls, block: Block, describe: Describe) -> StackPart:
        """Transpose a block once (the costly step, done per compaction for the base part)."""
        postings = sp.csr_matrix(block.rows.T, dtype=np.float32)
        squares = np.zeros(block.rows.shape[0], dtype=np.float64)
        np.add.at(squares, postings.indices, postings.data.astype(np.float64) ** 2)
        norms = np.sqrt(squares).astype(np.float32)
        group_of = np.repeat(np.arange(block.members.size), np.diff(block.starts))
        labels = describe(block.members)
        return cls(postings, norms, block.members, block.starts, labels, None, group_of)

    def with_live(self, live: np.ndarray | None) -> StackPart:
        """The same part with another mask of current groups."""
        return StackPart(
            self.postings, self.norms, self.members, self.starts, self.labels, live, self.group_of
        )


class Stack:
    """The rows of a subset of members, as a base part and a recent part.

    Similarities are sparse products (a row only meets the rows it shares a term with); the best
    row of each group is taken over the products' non-zero entries only (`numpy.maximum.at`),
    never over a dense row per query: with tens of thousands of groups a dense `reduceat` cost
    ten times more.
    """

    def __init__(self, parts: tuple[StackPart, ...]) -> None:
        self.parts = parts
        kept = [p for p in parts if p.members.size]
        self.members = np.concatenate([p.members for p in kept]) if kept else np.zeros(0, np.int64)
        self.labels = (
            np.concatenate([p.labels for p in kept]) if kept else np.zeros((0, 3), np.int64)
        )
        self.live = (
            np.concatenate(
                [np.ones(p.members.size, bool) if p.live is None else p.live for p in kept]
            )
            if kept
            else np.zeros(0, dtype=bool)
        )
        self._offsets = np.cumsum([0] + [p.members.size for p in kept])
        self._kept = kept

    def group_max(self, queries: sp.csr_matrix, cosine: bool = False) -> np.ndarray:
        """(n_queries, n_groups): each query row's best similarity among each group's rows.

        Similarities are dot products of the fused rows (`matching.features`, all >= 0); with
        `cosine`, divided by the stacked rows' lengths (queries must be unit rows).
        """
        n_groups = self.members.size
        flat = np.zeros(queries.shape[0] * n_groups, dtype=np.float32)
        for part, offset in zip(self._kept, self._offsets, strict=False):
            sims = sp.csr_matrix(queries @ part.postings)
            values = sims.data
            if cosine:
                values = values / np.maximum(part.norms[sims.indices], 1e-12)
            at = offset + part.group_of[sims.indices]
            if sims.shape[0] > 1:  # one flat index: ufunc.at is ten times slower on 2-D indices
                at = at + n_groups * np.repeat(np.arange(sims.shape[0]), np.diff(sims.indptr))
            np.maximum.at(flat, at, values)
        return flat.reshape(queries.shape[0], n_groups)

    def answered(self, offers: sp.csr_matrix, need_max_weight: float) -> np.ndarray:
        """(n_groups,): how well `offers` answer each group's rows, taken as needs.

        Per stacked need row, the best similarity over the offer rows; then per group
        ``need_max_weight * max + (1 - need_max_weight) * mean`` (`scoring.aggregate_needs`).
        """
        w = need_max_weight
        out = np.zeros(self.members.size, dtype=np.float64)
        for part, offset in zip(self._kept, self._offsets, strict=False):
            sims = sp.csr_matrix(offers @ part.postings)
            best = np.zeros(part.group_of.size, dtype=np.float64)
            np.maximum.at(best, sims.indices, sims.data)
            top = np.zeros(part.members.size, dtype=np.float64)
            np.maximum.at(top, part.group_of, best)
            mean = np.bincount(part.group_of, weights=best, minlength=part.members.size)
            mean /= np.diff(part.starts)
            out[offset : offset + part.members.size] = w * top + (1.0 - w) * mean
        return out


class Side:
    """One side (needs or offers) of every indexed member: a base block and recent members."""

    def __init__(self, base: Block) -> None:
        self.base = base
        self.recent: dict[int, Block] = {}
        self.stale: set[int] = set()
        self._position = {int(m): g for g, m in enumerate(base.members.tolist())}
        self._base_parts: dict[str, StackPart] = {}

    @property
    def n_features(self) -> int:
        """Columns of the rows."""
        return int(self.base.rows.shape[1])

    def rows(self, member_id: int) -> Rows:
        """A member's current rows (none for an unknown member)."""
        if member_id in self.recent:
            return self.recent[member_id].group(0)
        g = self._position.get(member_id)
        if g is None or member_id in self.stale:
            return Rows.empty(self.n_features)
        return self.base.group(g)

    def put(self, member_id: int, block: Block) -> None:
        """Replace a member's rows."""
        self.recent[member_id] = block
        if member_id in self._position:
            self.stale.add(member_id)

    def drop(self, member_id: int) -> None:
        """Forget a member's rows."""
        self.recent.pop(member_id, None)
        if member_id in self._position:
            self.stale.add(member_id)

    def needs_compaction(self) -> bool:
        """True when enough members changed since the base block was built."""
        changed = len(self.recent) + len(self.stale)
        return changed > max(COMPACT_MIN, COMPACT_SHARE * len(self._position))

    def compacted(self) -> Side:
        """A new side whose base holds every current member: the live groups of the base, then
        the recent blocks (one selection and one concatenation, whatever the size)."""
        base = self.base
        if self.stale:
            stale = np.fromiter(self.stale, dtype=np.int64, count=len(self.stale))
            base = base.select(~np.isin(base.members, stale))
        return Side(Block.concat([base, *self.recent.values()], self.n_features))

    def stack(self, name: str, wanted: Callable[[int], bool], describe: Describe) -> Stack:
        """The rows of the members `wanted` selects, as a base part and a recent part.

        The base part is selected, transposed and described once per compaction and kept under
        `name` (membership only changes with an upsert, which makes the member recent); members
        changed since are masked out of it and taken, if still wanted, from the recent part.
        """
        if name not in self._base_parts:
            members = self.base.members
            keep = np.fromiter((wanted(int(m)) for m in members), bool, members.size)
            self._base_parts[name] = StackPart.of(self.base.select(keep), describe)
        base = self._base_parts[name]
        if self.stale:
            stale = np.fromiter(self.stale, dtype=np.int64, count=len(self.stale))
            base = base.with_live(~np.isin(base.members, stale))
        recent = [b for m, b in self.recent.items() if b.rows.shape[0] and wanted(m)]
        parts = [base]
        if recent:
            parts.append(StackPart.of(Block.concat(recent, self.n_features), describe))
        return Stack(tuple(parts))
