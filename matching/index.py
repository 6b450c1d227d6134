"""The in-memory cosine index: exact top-k over sparse member vectors.

Rows are L2-normalised and kept twice: as CSR (one row per member) and transposed (one postings
list per term), so a query `q @ X.T` only touches the postings of the query's terms. Updates go
to a small buffer of pending rows, scored directly, and merged into the main matrices once the
buffer grows past a fraction of the index (amortised O(nnz per row) per update). Removed rows are
masked and compacted lazily.

The order of `ids` (and of `similarities`) is the live order: surviving rows of the last build,
then rows added or replaced since, in update order. It changes after updates; always read both
from the same state.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from os import PathLike
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from matching.errors import InvalidInputError, NotFittedError, UnknownMemberError

__all__ = ["SparseCosineIndex"]

FORMAT_NAME = "passerelle.sparse_cosine_index"
FORMAT_VERSION = 1
_MIN_PENDING = 1024
_PENDING_FRACTION = 32
_DEAD_FRACTION = 4


def _as_csr(matrix: Any, n_features: int | None, what: str) -> sp.csr_matrix:
    """Validate `matrix` as a 2-D finite float32 CSR with `n_features` columns."""
    try:
        if sp.issparse(matrix):
            csr = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
        else:
            array = np.asarray(matrix, dtype=np.float32)
            if array.ndim == 1:
                array = array[np.newaxis, :]
            if array.ndim != 2:
                raise InvalidInputError(f"{what} must be 2-D, got {array.ndim} dimensions")
            csr = sp.csr_matrix(array)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, InvalidInputError):
            raise
        raise InvalidInputError(f"{what} is not a numeric matrix: {exc}") from exc
    if n_features is not None and csr.shape[1] != n_features:
        raise InvalidInputError(f"{what} has {csr.shape[1]} columns, the index has {n_features}")
    if not np.all(np.isfinite(csr.data)):
        raise InvalidInputError(f"{what} contains NaN or infinite values")
    csr.sum_duplicates()
    csr.eliminate_zeros()
    return csr


def _normalise_rows(csr: sp.csr_matrix) -> sp.csr_matrix:
    """Scale every non-zero row to unit L2 norm in place (all-zero rows stay zero)."""
    lengths = np.diff(csr.indptr)
    rows = np.repeat(np.arange(csr.shape[0]), lengths)
    norms = np.sqrt(np.bincount(rows, weights=np.square(csr.data, dtype=np.float64)))
    if csr.nnz:
        csr.data = (csr.data / norms[rows]).astype(np.float32)
    return csr


class SparseCosineIndex:
    """Exact cosine top-k over L2-normalised sparse rows keyed by member id."""

    def __init__(self) -> None:
        self._n_features: int | None = None

    # ----------------------------------------------------------------- build
    def fit(self, X: sp.spmatrix | np.ndarray, ids: Sequence[int]) -> Self:
        """Index the rows of `X` under `ids` (one id per row, unique); returns self."""
        ids_array = np.asarray(ids, dtype=np.int64).reshape(-1)
        matrix = _as_csr(X, None, "X")
        if matrix.shape[0] != ids_array.size:
            raise InvalidInputError(f"X has {matrix.shape[0]} rows but {ids_array.size} ids")
        if np.unique(ids_array).size != ids_array.size:
            raise InvalidInputError("ids must be unique")
        self._n_features = int(matrix.shape[1])
        self._set_base(_normalise_rows(matrix), ids_array)
        return self

    def _set_base(self, matrix: sp.csr_matrix, ids: np.ndarray) -> None:
        matrix.indices = matrix.indices.astype(np.int32, copy=False)
        self._base = matrix
        self._base_t = matrix.T.tocsr()
        self._base_ids = ids
        self._alive = np.ones(ids.size, dtype=bool)
        self._n_dead = 0
        self._position = dict(zip(ids.tolist(), range(ids.size), strict=True))
        self._pending: dict[int, sp.csr_matrix] = {}
        self._invalidate()

    def _invalidate(self) -> None:
        self._live_cache: tuple[np.ndarray, np.ndarray] | None = None
        self._pending_cache: tuple[sp.csr_matrix, np.ndarray] | None = None

    def _check_fitted(self) -> int:
        if self._n_features is None:
            raise NotFittedError("SparseCosineIndex is used before fit()")
        return self._n_features

    # --------------------------------------------------------------- updates
    def upsert(self, member_id: int, row: Any) -> None:
        """Replace the row of `member_id`, or append it; the row is normalised here."""
        vector = _as_csr(row, self._check_fitted(), "row")
        if vector.shape[0] != 1:
            raise InvalidInputError(f"row must be a single row, got {vector.shape[0]}")
        member_id = int(member_id)
        self._drop_base_row(member_id)
        self._pending.pop(member_id, None)
        self._pending[member_id] = _normalise_rows(vector)
        self._invalidate()
        if len(self._pending) > max(_MIN_PENDING, self._base_ids.size // _PENDING_FRACTION):
            self._merge()

    def remove(self, member_id: int) -> None:
        """Forget `member_id`; raises UnknownMemberError when it is not indexed."""
        self._check_fitted()
        member_id = int(member_id)
        if self._pending.pop(member_id, None) is None and not self._drop_base_row(member_id):
            raise UnknownMemberError(member_id)
        self._invalidate()

    def _drop_base_row(self, member_id: int) -> bool:
        position = self._position.pop(member_id, None)
        if position is None:
            return False
        self._alive[position] = False
        self._n_dead += 1
        return True

    def _merge(self) -> None:
        """Rebuild the main matrices from live rows (pending rows appended in update order)."""
        keep = np.flatnonzero(self._alive)
        parts = [self._base[keep]]
        ids = [self._base_ids[keep]]
        if self._pending:
            pending, pending_ids = self._pending_block()
            parts.append(pending)
            ids.append(pending_ids)
        self._set_base(sp.vstack(parts, format="csr", dtype=np.float32), np.concatenate(ids))

    def _pending_block(self) -> tuple[sp.csr_matrix, np.ndarray]:
        """Pending rows as one CSR (update order) and their ids, rebuilt after each change."""
        if self._pending_cache is None:
            rows = list(self._pending.values())
            ids = np.fromiter(self._pending, dtype=np.int64, count=len(rows))
            indptr = np.zeros(len(rows) + 1, dtype=np.int64)
            np.cumsum([row.nnz for row in rows], out=indptr[1:])
            block = sp.csr_matrix(
                (
                    np.concatenate([row.data for row in rows] or [np.empty(0, np.float32)]),
                    np.concatenate([row.indices for row in rows] or [np.empty(0, np.int32)]),
                    indptr,
                ),
                shape=(len(rows), self._n_features or 0),
            )
            self._pending_cache = (block, ids)
            self._pending_t = block.T.tocsr()
        return self._pending_cache

    def _live(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids in live order, live position of each base row or -1 when dead)."""
        self._check_fitted()
        if self._n_dead * _DEAD_FRACTION > self._base_ids.size:
            self._merge()
        if self._live_cache is None:
            base_to_live = np.cumsum(self._alive, dtype=np.int64) - 1
            base_to_live[~self._alive] = -1
            ids = np.concatenate((self._base_ids[self._alive], self._pending_block()[1]))
            self._live_cache = (ids, base_to_live)
        return self._live_cache

    # ---------------------------------------------------------------- access
    def __contains__(self, member_id: object) -> bool:
        if self._n_features is None or not isinstance(member_id, int | np.integer):
            return False
        key = int(member_id)
        return key in self._position or key in self._pending

    def __len__(self) -> int:
        if self._n_features is None:
            return 0
        return len(self._position) + len(self._pending)

    @property
    def ids(self) -> np.ndarray:
        """Member ids of the live rows, in the order used by `similarities` and masks."""
        return self._live()[0].copy()

    @property
    def n_features(self) -> int:
        """Number of columns every row and query must have."""
        return self._check_fitted()

    # --------------------------------------------------------------- queries
    def _query(self, q: Any) -> sp.csr_matrix:
        vector = _as_csr(q, self._check_fitted(), "q")
        if vector.shape[0] != 1:
            raise InvalidInputError(f"q must be a single row (1 x d), got {vector.shape[0]} rows")
        return _normalise_rows(vector)

    def _scores(self, q: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sparse scores: (live positions, scores) of rows sharing a term with q, and live ids."""
        query = self._query(q)
        ids, base_to_live = self._live()
        hits = query @ self._base_t  # touches only the postings of q's terms
        positions = base_to_live[hits.indices]
        scores = hits.data
        if self._n_dead:
            keep = positions >= 0
            positions, scores = positions[keep], scores[keep]
        if self._pending:
            block, _ = self._pending_block()
            pending_hits = query @ self._pending_t
            offset = ids.size - block.shape[0]
            positions = np.concatenate((positions, pending_hits.indices + offset))
            scores = np.concatenate((scores, pending_hits.data))
        return positions, scores.astype(np.float32, copy=False), ids

    def similarities(self, q: Any) -> np.ndarray:
        """Cosine of `q` (1 x d) with every live row, dense float32 aligned with `ids`."""
        positions, scores, ids = self._scores(q)
        dense = np.zeros(ids.size, dtype=np.float32)
        dense[positions] = scores
        return dense

    def top_k(
        self, q: Any, k: int, candidate_mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ids and cosines of the `k` most similar live rows, best first, exact.

        Only rows with a strictly positive cosine are returned (a row sharing no weighted term
        with q is never a suggestion), so fewer than `k` may come back. `candidate_mask` is a
        boolean array aligned with `ids`; rows where it is False are skipped. Ties are broken by
        live order.
        """
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
            raise InvalidInputError(f"k must be a non-negative integer, got {k!r}")
        positions, scores, ids = self._scores(q)
        if candidate_mask is not None:
            mask = np.asarray(candidate_mask)
            if mask.dtype != bool or mask.shape != ids.shape:
                raise InvalidInputError(
                    f"candidate_mask must be a boolean array of shape {ids.shape}"
                )
            keep = mask[positions]
            positions, scores = positions[keep], scores[keep]
        positive = scores > 0
        positions, scores = positions[positive], scores[positive]
        if k == 0 or positions.size == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        if positions.size > k:
            best = np.argpartition(-scores, k - 1)[:k]
            positions, scores = positions[best], scores[best]
        order = np.lexsort((positions, -scores))
        return ids[positions[order]], scores[order]

    # ----------------------------------------------------------- persistence
    def save(self, path: str | PathLike[str]) -> None:
        """Write the index to `path` (.npz of arrays plus a JSON metadata string, no pickle)."""
        n_features = self._check_fitted()
        if self._pending or self._n_dead:
            self._merge()
        meta = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "n_features": n_features,
            "n_rows": int(self._base_ids.size),
        }
        with open(path, "wb") as handle:
            np.savez(
                handle,
                meta=np.array(json.dumps(meta)),
                data=self._base.data,
                indices=self._base.indices,
                indptr=self._base.indptr,
                ids=self._base_ids,
            )

    @classmethod
    def load(cls, path: str | PathLike[str]) -> Self:
        """Read an index written by `save`; raises InvalidInputError on a foreign or newer file."""
        try:
            with np.load(path, allow_pickle=False) as archive:
                meta = json.loads(str(archive["meta"]))
                arrays = {name: archive[name] for name in ("data", "indices", "indptr", "ids")}
        except (OSError, KeyError, ValueError) as exc:
            raise InvalidInputError(f"not a saved SparseCosineIndex: {exc}") from exc
        if meta.get("format") != FORMAT_NAME or meta.get("version") != FORMAT_VERSION:
            raise InvalidInputError(
                f"unsupported index file: format {meta.get('format')!r} "
                f"version {meta.get('version')!r} (expected version {FORMAT_VERSION})"
            )
        shape = (int(meta["n_rows"]), int(meta["n_features"]))
        try:
            matrix = sp.csr_matrix(
                (arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape
            )
        except ValueError as exc:
            raise InvalidInputError(f"corrupt index file: {exc}") from exc
        index = cls()
        index._n_features = shape[1]
        index._set_base(matrix, arrays["ids"].astype(np.int64))
        return index
