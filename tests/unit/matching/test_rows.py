"""Where rows live: after any updates, a query sees exactly the members' current rows."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.rows import COMPACT_MIN, Block, Rows, Side, Stack, pair_products

N_FEATURES = 6
W = 0.7


def _rows(seed: int, n: int) -> sp.csr_matrix:
    """Sparse non-negative rows (fused rows are never negative)."""
    rng = np.random.default_rng(seed)
    dense = rng.random((n, N_FEATURES)) * (rng.random((n, N_FEATURES)) < 0.5)
    return sp.csr_matrix(dense.astype(np.float32))


def _block(member: int, seed: int, n: int) -> Block:
    return Block.single(member, Rows.of(_rows(seed, n), np.arange(n, dtype=np.int16) % 3 - 1))


def _wanted(member: int) -> bool:
    return member % 3 != 1


def _describe(members: np.ndarray) -> np.ndarray:
    """Two integer codes per member (as a region and an organisation would be)."""
    members = np.asarray(members, dtype=np.int64)
    return np.stack([members % 2, members // 3], axis=1)


def _stack(side: Side, name: str = "subset") -> Stack:
    stack = side.stack(name, _wanted, _describe)
    np.testing.assert_array_equal(stack.labels.reshape(-1, 2), _describe(stack.members))
    return stack


def _by_member(stack: Stack, values: np.ndarray) -> dict[int, np.ndarray]:
    """Columns (or entries) of live groups, keyed by member; each member at most once."""
    live = stack.live
    members = stack.members[live].astype(int).tolist()
    assert len(set(members)) == len(members)
    return {m: values[..., k] for m, k in zip(members, np.flatnonzero(live), strict=True)}


def _expected_max(queries: np.ndarray, current: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    return {
        m: np.maximum((queries @ rows.T).max(axis=1), 0.0)
        for m, rows in current.items()
        if _wanted(m) and rows.shape[0]
    }


def _expected_answered(offers: np.ndarray, current: dict[int, np.ndarray]) -> dict[int, float]:
    out = {}
    for m, rows in current.items():
        if not (_wanted(m) and rows.shape[0]):
            continue
        best = (
            np.maximum((offers @ rows.T).max(axis=0), 0.0)
            if offers.shape[0]
            else np.zeros(rows.shape[0])
        )
        out[m] = W * best.max() + (1 - W) * best.mean()
    return out


def _check(side: Side, current: dict[int, np.ndarray], queries: np.ndarray) -> None:
    stack = _stack(side)
    found = _by_member(stack, stack.group_max(sp.csr_matrix(queries)))
    expected = _expected_max(queries, current)
    assert set(found) == set(expected)
    for m, values in expected.items():
        np.testing.assert_allclose(found[m], values, rtol=1e-5, atol=1e-6)
    unit = queries / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
    cosines = _by_member(stack, stack.group_max(sp.csr_matrix(unit), cosine=True))
    for m, rows in current.items():
        if m in expected:
            norms = np.maximum(np.linalg.norm(rows, axis=1), 1e-12)
            best = np.maximum((unit @ rows.T / norms).max(axis=1), 0.0)
            np.testing.assert_allclose(cosines[m], best, rtol=1e-5, atol=1e-6)
    answered = _by_member(stack, stack.answered(sp.csr_matrix(queries), W))
    for m, value in _expected_answered(queries, current).items():
        assert float(answered[m]) == pytest.approx(value, rel=1e-5, abs=1e-6)
    for m, rows in current.items():
        got = side.rows(m)
        np.testing.assert_array_equal(got.csr.toarray(), rows)
        assert got.themes.shape == (rows.shape[0],)


_operation = st.one_of(
    st.tuples(st.just("put"), st.integers(0, 9), st.integers(0, 3), st.integers(0, 10_000)),
    st.tuples(st.just("drop"), st.integers(0, 9), st.just(0), st.just(0)),
)


@settings(max_examples=150, deadline=None)
@given(
    base=st.dictionaries(st.integers(0, 9), st.integers(0, 3), max_size=8),
    operations=st.lists(_operation, max_size=12),
    n_queries=st.integers(0, 3),
    seed=st.integers(0, 10_000),
)
def test_group_max_sees_exactly_the_current_rows(
    base: dict[int, int], operations: list, n_queries: int, seed: int
) -> None:
    current = {m: _rows(seed + m, n).toarray() for m, n in base.items()}
    side = Side(Block.concat([_block(m, seed + m, n) for m, n in base.items()], N_FEATURES))
    queries = _rows(seed + 99, n_queries).toarray()
    _check(side, current, queries)
    for kind, member, n, row_seed in operations:
        if kind == "put":
            side.put(member, _block(member, row_seed, n))
            current[member] = _rows(row_seed, n).toarray()
        else:
            side.drop(member)
            current.pop(member, None)
        _check(side, current, queries)  # the cached base part is reused across updates
    compacted = side.compacted()
    assert not compacted.recent and not compacted.stale
    assert sorted(compacted.base.members.tolist()) == sorted(
        m for m, rows in current.items() if rows.shape[0]
    )
    _check(compacted, current, queries)


def test_blocks_concatenate_and_select_by_group() -> None:
    blocks = [_block(1, 1, 2), _block(2, 2, 0), _block(3, 3, 1)]
    block = Block.concat(blocks, N_FEATURES)
    assert block.members.tolist() == [1, 3]  # members without rows are left out
    assert block.starts.tolist() == [0, 2, 3]
    rows = block.group(1)
    np.testing.assert_array_equal(rows.csr.toarray(), _rows(3, 1).toarray())
    assert rows.themes.shape == (1,)
    np.testing.assert_array_equal(rows.row(0).csr.toarray(), _rows(3, 1).toarray())
    kept = block.select(np.array([False, True]))
    assert kept.members.tolist() == [3] and kept.starts.tolist() == [0, 1]
    assert Block.concat([], N_FEATURES).rows.shape == (0, N_FEATURES)


def test_an_empty_stack_answers_with_empty_arrays() -> None:
    side = Side(Block.empty(N_FEATURES))
    stack = _stack(side)
    queries = _rows(1, 2)
    assert stack.group_max(queries).shape == (2, 0)
    assert stack.answered(queries, W).shape == (0,)
    assert stack.members.size == 0 and stack.live.size == 0
    assert side.rows(7).csr.shape == (0, N_FEATURES)


def test_compaction_is_asked_for_once_enough_members_changed() -> None:
    side = Side(Block.concat([_block(m, m, 1) for m in range(10)], N_FEATURES))
    assert not side.needs_compaction()
    for m in range(COMPACT_MIN + 1):
        side.put(1000 + m, _block(1000 + m, m, 1))
    assert side.needs_compaction()
    assert not side.compacted().recent


_small_rows = st.tuples(st.integers(0, 4), st.integers(0, 10_000)).map(lambda t: _rows(t[1], t[0]))


@settings(max_examples=100, deadline=None)
@given(_small_rows, _small_rows)
def test_pair_products_equal_the_dense_product(a: sp.csr_matrix, b: sp.csr_matrix) -> None:
    expected = a.toarray() @ b.toarray().T
    rows_a = Rows.of(a, np.zeros(a.shape[0], np.int16))
    rows_b = Rows.of(b, np.zeros(b.shape[0], np.int16))
    np.testing.assert_allclose(pair_products(rows_a, rows_b), expected, rtol=1e-5, atol=1e-6)
    unit = rows_a.unit().csr.toarray()
    norms = np.linalg.norm(a.toarray(), axis=1)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), (norms > 0).astype(float), atol=1e-5)
    nonzero = norms > 0
    np.testing.assert_allclose(
        unit[nonzero], a.toarray()[nonzero] / norms[nonzero, None], rtol=1e-5, atol=1e-6
    )
