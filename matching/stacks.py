"""Query stacks: the rows of a subset of members, grouped by member, and their similarities.

`RowStore` keeps one side (needs or offers) of every member: the matrix encoded at build time plus
the rows upserted since. `RowStore.stack` (or `RowStore.cached_stack`, whose base part is selected
and transposed once per build) groups the live rows of a subset, e.g. the coaches' offers, into a
`Stack`. `similarities` is the one place where query rows meet stacked rows (the swap point for a
faster index); `products` and `stack_products` are the raw dot products behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = [
    "RowStore",
    "Stack",
    "group_block",
    "products",
    "scatter",
    "similarities",
    "stack_products",
]


@dataclass(frozen=True, slots=True)
class Stack:
    """Rows of a subset of members, grouped contiguously by member.

    The rows are the live rows of a cached base part (`base_t`, transposed once per build;
    `live` selects the rows still current, None when all are) followed by the rows upserted
    since (`extra_t`), so an upsert costs a small transpose, not a new stack.
    """

    base_t: sp.csr_matrix  # (n_features, n_base_rows): one postings list per term
    live: np.ndarray | None  # base rows still current, in order (None: every base row)
    extra_t: sp.csr_matrix | None  # (n_features, n_extra_rows) of rows upserted since build
    weights: np.ndarray  # per-row weight (profile rows count less than offers)
    members: np.ndarray  # member id of each group
    starts: np.ndarray  # first row of each group
    groups: np.ndarray  # group (position in `members`) of each row
    base_groups: np.ndarray  # position among the base part's groups of each live base group

    @property
    def empty(self) -> bool:
        """True when no member of the subset has a row."""
        return self.members.size == 0

    @property
    def matrix_t(self) -> sp.csr_matrix:
        """All rows as one (n_features, n_rows) matrix (built on demand; for references)."""
        base = self.base_t if self.live is None else self.base_t[:, self.live]
        if self.extra_t is None:
            return sp.csr_matrix(base)
        return sp.hstack([base, self.extra_t], format="csr")


def products(matrix_t: sp.csr_matrix, queries: sp.csr_matrix) -> np.ndarray:
    """Dense ``queries @ matrix_t`` (n_queries, n_rows), reading only the query terms' postings.

    The postings of the terms present in `queries` are copied out of `matrix_t` and summed into a
    dense accumulator (scipy's CSC mat-vec), instead of a sparse x sparse product followed by
    `toarray()`: about twice as fast, with no sparse output to size and fill. Each cosine is
    summed in the same order (ascending term) and dtype as ``(queries @ matrix_t).toarray()``,
    so the result is bitwise identical for canonical (sorted-index) query rows.
    """
    n_queries, n_rows = queries.shape[0], matrix_t.shape[1]
    queries = sp.csr_matrix(queries)
    if n_queries == 0 or n_rows == 0 or queries.nnz == 0:
        dtype = np.result_type(queries.dtype, matrix_t.dtype)
        return np.zeros((n_queries, n_rows), dtype=dtype)
    if not queries.has_canonical_format:  # unsorted or duplicate terms: keep scipy's order
        return (queries @ matrix_t).toarray()
    if n_queries == 1:
        postings = matrix_t[queries.indices]  # (n_terms, n_rows)
        return (postings.T @ queries.data)[np.newaxis, :]
    terms = np.unique(queries.indices)
    postings = matrix_t[terms]
    weights = queries[:, terms].toarray()  # (n_queries, n_terms)
    return np.ascontiguousarray((postings.T @ weights.T).T)


def stack_products(stack: Stack, queries: sp.csr_matrix) -> np.ndarray:
    """Dense ``queries @ stack.matrix_t`` computed part by part (same values, bitwise)."""
    out = products(stack.base_t, queries)
    if stack.live is not None:
        out = out[:, stack.live]
    if stack.extra_t is not None:
        out = np.hstack([out, products(stack.extra_t, queries)])
    return out


def similarities(stack: Stack, queries: sp.csr_matrix) -> np.ndarray:
    """Cosine of each query row with each stacked row: (n_queries, n_rows), weighted."""
    return stack_products(stack, queries) * stack.weights


def group_block(sims: np.ndarray, stack: Stack, pos: int) -> np.ndarray:
    """The columns of `sims` (n_queries, n_rows of `stack`) that belong to group `pos`."""
    start = stack.starts[pos]
    stop = stack.starts[pos + 1] if pos + 1 < stack.starts.size else sims.shape[1]
    return sims[:, start:stop]


@dataclass(frozen=True, slots=True)
class _BasePart:
    """The base rows of a subset, transposed once per build."""

    matrix_t: sp.csr_matrix
    rows: np.ndarray  # base row numbers of the subset
    owners: np.ndarray
    weights: np.ndarray
    group_owners: np.ndarray  # member id of each run of rows


class RowStore:
    """One side (needs or offers) of every member: base matrix + rows upserted since."""

    def __init__(self, matrix: sp.csr_matrix, owners: np.ndarray, weights: np.ndarray) -> None:
        self.base, self.base_owners, self.base_weights = matrix, owners, weights
        self.spans = _spans(owners)
        self.extra: dict[int, tuple[sp.csr_matrix, np.ndarray]] = {}
        self.dead: set[int] = set()
        self._parts: dict[str, _BasePart] = {}

    def put(self, member_id: int, rows: sp.csr_matrix, weights: np.ndarray) -> None:
        """Replace a member's rows (their base rows, if any, stop counting)."""
        self.dead.add(member_id)
        self.extra[member_id] = (rows, weights)

    def drop(self, member_id: int) -> None:
        """Forget a member's rows."""
        self.dead.add(member_id)
        self.extra.pop(member_id, None)

    def rows(self, member_id: int) -> tuple[sp.csr_matrix, np.ndarray]:
        """A live member's rows and row weights (empty when they have none)."""
        if member_id in self.extra:
            return self.extra[member_id]
        start, stop = self.spans.get(member_id, (0, 0))
        return self.base[start:stop], self.base_weights[start:stop]

    def stack(self, allowed: np.ndarray) -> Stack:
        """The live rows of the `allowed` member ids, grouped by member, ready for queries."""
        allowed_set = set(allowed.tolist())
        part = self._base_part(allowed)
        return self._assemble(part, lambda mid: mid in allowed_set)

    def cached_stack(self, key: str, allowed: Callable[[int], bool]) -> Stack:
        """`stack` of the members for which `allowed(member id)` holds, base part cached.

        The base part (rows encoded at build time) is selected and transposed on the first call
        for `key`; later calls only mask the base rows of members changed since and append
        their new rows. `allowed` must depend on the member's profile alone: a changed
        member's base rows are dead anyway, so the cached selection never goes stale.
        """
        part = self._parts.get(key)
        if part is None:
            owners = np.unique(self.base_owners)
            ok = np.fromiter((allowed(int(m)) for m in owners), dtype=bool, count=owners.size)
            part = self._parts[key] = self._base_part(owners[ok])
        return self._assemble(part, allowed)

    def consolidated(self) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """(matrix, owners, weights) of every live row, in query order (base, then upserts)."""
        dead = np.fromiter(self.dead, dtype=np.int64, count=len(self.dead))
        live = np.flatnonzero(~np.isin(self.base_owners, dead))
        parts, owners, weights = (
            [self.base[live]],
            [self.base_owners[live]],
            [self.base_weights[live]],
        )
        for mid, (rows, w) in self.extra.items():
            parts.append(sp.csr_matrix(rows, dtype=self.base.dtype))
            owners.append(np.full(rows.shape[0], mid, dtype=np.int64))
            weights.append(np.asarray(w, dtype=np.float64))
        matrix = sp.csr_matrix(sp.vstack(parts, format="csr"))
        return matrix, np.concatenate(owners), np.concatenate(weights)

    def base_members(self, key: str) -> np.ndarray:
        """Member id of each group of the cached base part `key` (see `cached_stack`)."""
        return self._parts[key].group_owners

    def _base_part(self, allowed: np.ndarray) -> _BasePart:
        rows = np.flatnonzero(np.isin(self.base_owners, allowed))
        matrix_t = self.base[rows].T.tocsr()
        owners = self.base_owners[rows]
        group_owners = owners[_group_starts(owners)]
        return _BasePart(matrix_t, rows, owners, self.base_weights[rows], group_owners)

    def _assemble(self, part: _BasePart, allowed: Callable[[int], bool]) -> Stack:
        live: np.ndarray | None = None
        owners, weights = part.owners, part.weights
        base_groups = np.arange(part.group_owners.size)
        if self.dead:
            dead = np.fromiter(self.dead, dtype=np.int64, count=len(self.dead))
            current = ~np.isin(owners, dead)
            if not current.all():
                live = np.flatnonzero(current)
                owners, weights = owners[live], weights[live]
                base_groups = np.flatnonzero(~np.isin(part.group_owners, dead))
        parts, extra_owners, extra_weights = [], [owners], [weights]
        for mid, (rows, w) in self.extra.items():
            if rows.shape[0] and allowed(mid):
                parts.append(rows)
                extra_owners.append(np.full(rows.shape[0], mid, dtype=np.int64))
                extra_weights.append(w)
        extra_t = sp.vstack(parts, format="csr").T.tocsr() if parts else None
        own = np.concatenate(extra_owners)
        starts = _group_starts(own)
        groups = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, own.size]))
        return Stack(
            part.matrix_t,
            live,
            extra_t,
            np.concatenate(extra_weights),
            own[starts],
            starts,
            groups,
            base_groups,
        )


def _group_starts(owners: np.ndarray) -> np.ndarray:
    """First row of each run of equal owners."""
    if owners.size == 0:
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])


def scatter(out: np.ndarray, sorted_ids: np.ndarray, ids: np.ndarray, values: np.ndarray) -> None:
    """out[position of id in sorted_ids] = value, for ids present in sorted_ids."""
    pos = np.searchsorted(sorted_ids, ids)
    pos = np.clip(pos, 0, max(sorted_ids.size - 1, 0))
    hit = sorted_ids[pos] == ids if sorted_ids.size else np.zeros(ids.size, dtype=bool)
    out[pos[hit]] = values[hit]


def _spans(owners: np.ndarray) -> dict[int, tuple[int, int]]:
    if owners.size == 0:
        return {}
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    stops = np.r_[starts[1:], owners.size]
    return {int(owners[a]): (int(a), int(b)) for a, b in zip(starts, stops, strict=True)}
