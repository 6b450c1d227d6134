"""The cosine index answers exactly what a brute-force cosine would, through updates and saves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.errors import InvalidInputError, NotFittedError, UnknownMemberError
from matching.index import SparseCosineIndex


def _random_rows(n: int, d: int = 40, density: float = 0.15, seed: int = 0) -> sp.csr_matrix:
    return sp.random(n, d, density=density, format="csr", random_state=seed, dtype=np.float32)


def _brute_cosines(X: sp.csr_matrix, q: sp.csr_matrix) -> np.ndarray:
    dense = X.toarray().astype(np.float64)
    norms = np.linalg.norm(dense, axis=1)
    norms[norms == 0] = 1.0
    query = q.toarray().ravel().astype(np.float64)
    return dense @ query / norms / max(np.linalg.norm(query), 1e-300)


def _brute_top(ids: np.ndarray, cosines: np.ndarray, k: int) -> list[int]:
    positive = np.flatnonzero(cosines > 1e-6)
    order = positive[np.argsort(-cosines[positive], kind="stable")]
    return ids[order[:k]].tolist()


def test_similarities_match_brute_force_cosine() -> None:
    X = _random_rows(60)
    ids = np.arange(100, 160)
    index = SparseCosineIndex().fit(X, ids)
    q = _random_rows(1, seed=7)
    np.testing.assert_allclose(index.similarities(q), _brute_cosines(X, q), atol=1e-5)
    np.testing.assert_array_equal(index.ids, ids)


def test_top_k_returns_best_first_and_only_positive_matches() -> None:
    X = sp.csr_matrix(np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [2, 0.1, 0]], dtype=np.float32))
    index = SparseCosineIndex().fit(X, [10, 11, 12, 13])
    found, scores = index.top_k(np.array([1.0, 0.0, 0.0]), k=10)
    assert found.tolist() == [10, 13, 11]  # 12 shares no term: never suggested
    assert np.all(np.diff(scores) <= 0)
    assert scores[0] == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 40),
    k=st.integers(1, 12),
    seed=st.integers(0, 10_000),
    density=st.floats(0.05, 0.6),
)
def test_top_k_agrees_with_brute_force(n: int, k: int, seed: int, density: float) -> None:
    X = _random_rows(n, d=25, density=density, seed=seed)
    ids = np.arange(n) * 3 + 1
    q = _random_rows(1, d=25, density=0.3, seed=seed + 1)
    found, scores = SparseCosineIndex().fit(X, ids).top_k(q, k)
    cosines = _brute_cosines(X, q)
    expected = _brute_top(ids, cosines, k)
    assert len(found) == len(expected)
    # same scores at every rank (ties may swap ids of equal score)
    np.testing.assert_allclose(scores, np.sort(cosines[np.isin(ids, expected)])[::-1], atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(["upsert", "remove"]), st.integers(0, 30), st.integers(0, 999)),
        max_size=60,
    )
)
def test_updates_behave_like_a_rebuilt_index(ops: list[tuple[str, int, int]]) -> None:
    d = 20
    rows = {i: _random_rows(1, d=d, density=0.3, seed=i) for i in range(10)}
    index = SparseCosineIndex().fit(sp.vstack(list(rows.values())), list(rows))
    for op, member, seed in ops:
        if op == "upsert":
            rows[member] = _random_rows(1, d=d, density=0.3, seed=seed)
            index.upsert(member, rows[member])
        elif member in rows:
            del rows[member]
            index.remove(member)
    assert len(index) == len(rows)
    assert set(index.ids.tolist()) == set(rows)
    assert all(member in index for member in rows)
    q = _random_rows(1, d=d, density=0.4, seed=12345)
    by_id = dict(zip(index.ids.tolist(), index.similarities(q).tolist(), strict=True))
    for member, row in rows.items():
        assert by_id[member] == pytest.approx(_brute_cosines(row, q)[0], abs=1e-5)


def test_many_upserts_trigger_merges_without_losing_rows() -> None:
    d = 30
    index = SparseCosineIndex().fit(_random_rows(5, d=d), range(5))
    extra = _random_rows(2500, d=d, density=0.2, seed=3)
    for i in range(2500):
        index.upsert(1000 + i, extra[i])
    assert len(index) == 2505
    q = _random_rows(1, d=d, density=0.3, seed=8)
    live = index.ids
    expected = _brute_cosines(extra, q)[live[live >= 1000] - 1000]
    np.testing.assert_allclose(index.similarities(q)[live >= 1000], expected, atol=1e-5)


def test_candidate_mask_excludes_rows() -> None:
    X = _random_rows(30, seed=4)
    index = SparseCosineIndex().fit(X, range(30))
    q = X[5]
    mask = np.ones(len(index), dtype=bool)
    mask[index.ids == 5] = False
    found, _ = index.top_k(q, 30, candidate_mask=mask)
    assert 5 not in found.tolist()
    assert 5 in index.top_k(q, 1)[0].tolist()


def test_remove_unknown_member_raises() -> None:
    index = SparseCosineIndex().fit(_random_rows(3), [1, 2, 3])
    index.remove(2)
    with pytest.raises(UnknownMemberError):
        index.remove(2)
    assert 2 not in index
    assert len(index) == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda index: index.top_k(np.ones(39), 3),
        lambda index: index.similarities(np.ones((2, 40))),
        lambda index: index.upsert(9, np.full(40, np.nan)),
        lambda index: index.top_k(np.ones(40), -1),
        lambda index: index.top_k(np.ones(40), 2, candidate_mask=np.ones(2, dtype=bool)),
    ],
)
def test_bad_shapes_and_values_are_rejected(call) -> None:
    index = SparseCosineIndex().fit(_random_rows(5), range(5))
    with pytest.raises(InvalidInputError):
        call(index)


def test_fit_rejects_duplicate_or_missing_ids() -> None:
    with pytest.raises(InvalidInputError):
        SparseCosineIndex().fit(_random_rows(3), [1, 1, 2])
    with pytest.raises(InvalidInputError):
        SparseCosineIndex().fit(_random_rows(3), [1, 2])


def test_queries_before_fit_raise_not_fitted() -> None:
    index = SparseCosineIndex()
    assert len(index) == 0
    with pytest.raises(NotFittedError):
        index.top_k(np.ones(3), 1)


def test_empty_index_answers_nothing() -> None:
    index = SparseCosineIndex().fit(sp.csr_matrix((0, 10), dtype=np.float32), [])
    assert index.top_k(np.ones(10), 5)[0].size == 0
    index.upsert(7, np.ones(10))
    assert index.top_k(np.ones(10), 5)[0].tolist() == [7]


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    X = _random_rows(50, seed=9)
    index = SparseCosineIndex().fit(X, range(50))
    index.remove(3)
    index.upsert(99, _random_rows(1, seed=11))
    path = tmp_path / "index.npz"
    index.save(path)
    loaded = SparseCosineIndex.load(path)
    q = _random_rows(1, seed=13)
    assert sorted(loaded.ids.tolist()) == sorted(index.ids.tolist())
    np.testing.assert_array_equal(loaded.top_k(q, 5)[0], index.top_k(q, 5)[0])


def test_load_refuses_other_versions(tmp_path: Path) -> None:
    path = tmp_path / "index.npz"
    SparseCosineIndex().fit(_random_rows(4), range(4)).save(path)
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["meta"] = np.array('{"format": "passerelle.sparse_cosine_index", "version": 999}')
    np.savez(path, **arrays)
    with pytest.raises(InvalidInputError):
        SparseCosineIndex.load(path)
