"""Cohort assignment: optimal under capacities, never beaten by greedy, explains who is left out."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

import matching.assignment as assignment_module
from matching.assignment import (
    REASON_NO_CANDIDATE,
    REASON_NO_ROOM,
    AssignmentResult,
    assign_greedy,
    assign_optimal,
)
from matching.errors import InvalidInputError


def _brute_force_best(scores: np.ndarray, capacities: np.ndarray, min_score: float) -> float:
    n, m = scores.shape
    best = 0.0
    for choice in itertools.product(range(-1, m), repeat=n):
        load = np.bincount([c for c in choice if c >= 0], minlength=m)
        if np.any(load > capacities):
            continue
        pairs = [(i, c) for i, c in enumerate(choice) if c >= 0]
        if any(scores[i, c] <= min_score or scores[i, c] <= 0 for i, c in pairs):
            continue
        best = max(best, sum(scores[i, c] for i, c in pairs))
    return best


def _assert_valid(
    result: AssignmentResult, scores: np.ndarray, capacities: np.ndarray, min_score: float
) -> None:
    assigned = np.flatnonzero(result.coach_of >= 0)
    load = np.bincount(result.coach_of[assigned], minlength=capacities.size)
    assert np.all(load <= capacities)
    pair_scores = scores[assigned, result.coach_of[assigned]]
    assert np.all(pair_scores > min_score)
    np.testing.assert_allclose(result.scores[assigned], pair_scores)
    assert result.total_score == pytest.approx(pair_scores.sum())
    assert set(result.unassigned_reasons) == set(np.flatnonzero(result.coach_of < 0).tolist())


instances = st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(0, 10_000)).map(
    lambda t: (
        np.round(np.random.default_rng(t[2]).random((t[0], t[1])), 2)
        * (np.random.default_rng(t[2] + 1).random((t[0], t[1])) < 0.7),
        np.random.default_rng(t[2] + 2).integers(0, 3, size=t[1]),
    )
)


@settings(max_examples=60, deadline=None)
@given(instance=instances, min_score=st.sampled_from([0.0, 0.3, 0.6]))
def test_optimal_matches_brute_force_and_beats_greedy(
    instance: tuple[np.ndarray, np.ndarray], min_score: float
) -> None:
    scores, capacities = instance
    optimal = assign_optimal(scores, capacities, min_score)
    greedy = assign_greedy(scores, capacities, min_score)
    _assert_valid(optimal, scores, capacities, min_score)
    _assert_valid(greedy, scores, capacities, min_score)
    assert optimal.total_score == pytest.approx(_brute_force_best(scores, capacities, min_score))
    assert greedy.total_score <= optimal.total_score + 1e-9


def test_optimal_gives_up_a_popular_coach_when_it_serves_everyone_better() -> None:
    # greedy gives the single place of coach 0 to member 0 (0.9) and leaves member 1 alone
    scores = np.array([[0.9, 0.8], [0.85, 0.0]])
    capacities = np.array([1, 1])
    greedy = assign_greedy(scores, capacities)
    optimal = assign_optimal(scores, capacities)
    assert greedy.coach_of.tolist() == [0, -1]
    assert optimal.coach_of.tolist() == [1, 0]
    assert optimal.total_score == pytest.approx(1.65)


def test_sparse_and_dense_inputs_agree() -> None:
    rng = np.random.default_rng(3)
    dense = rng.random((40, 6)) * (rng.random((40, 6)) < 0.4)
    capacities = rng.integers(0, 5, size=6)
    a = assign_optimal(dense, capacities)
    b = assign_optimal(sp.csr_matrix(dense), capacities)
    assert a.total_score == pytest.approx(b.total_score)


def test_zero_capacity_coach_gets_nobody_and_reason_says_no_room() -> None:
    scores = np.array([[0.9, 0.0], [0.0, 0.5]])
    result = assign_optimal(scores, np.array([0, 1]))
    assert result.coach_of.tolist() == [-1, 1]
    assert result.unassigned_reasons == {0: REASON_NO_ROOM}


def test_member_below_threshold_is_told_no_coach_matches() -> None:
    scores = np.array([[0.2, 0.1], [0.7, 0.1]])
    for solver in (assign_optimal, assign_greedy):
        result = solver(scores, np.array([5, 5]), min_score=0.3)
        assert result.coach_of.tolist() == [-1, 0]
        assert result.unassigned_reasons == {0: REASON_NO_CANDIDATE}


def test_full_coaches_leave_members_waiting_with_a_reason() -> None:
    scores = np.array([[0.9], [0.8], [0.7]])
    result = assign_optimal(scores, np.array([2]))
    assert result.coach_of.tolist() == [0, 0, -1]
    assert result.unassigned_reasons == {2: REASON_NO_ROOM}


@pytest.mark.parametrize("shape", [(0, 0), (0, 3), (4, 0)])
def test_empty_inputs(shape: tuple[int, int]) -> None:
    result = assign_optimal(np.zeros(shape), np.zeros(shape[1], dtype=int))
    assert result.coach_of.shape == (shape[0],)
    assert result.total_score == 0.0
    assert len(result.unassigned_reasons) == shape[0]


@pytest.mark.parametrize(
    ("scores", "capacities"),
    [
        (np.ones((2, 2)), np.array([1])),
        (np.ones((2, 2)), np.array([1, -1])),
        (np.ones((2, 2)), np.array([1.5, 1])),
        (np.array([[np.nan, 1.0]]), np.array([1, 1])),
        (np.ones(3), np.array([1, 1, 1])),
    ],
)
def test_bad_inputs_are_rejected(scores: np.ndarray, capacities: np.ndarray) -> None:
    with pytest.raises(InvalidInputError):
        assign_optimal(scores, capacities)


def _expanded_slots_optimum(scores: np.ndarray, capacities: np.ndarray) -> float:
    slots = np.repeat(np.arange(capacities.size), capacities)
    gain = np.hstack((scores[:, slots], np.zeros((scores.shape[0], scores.shape[0]))))
    rows, cols = linear_sum_assignment(gain, maximize=True)
    return float(gain[rows, cols].sum())


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 60), m=st.integers(2, 12))
def test_optimum_holds_when_few_candidates_are_tried_first(seed: int, n: int, m: int) -> None:
    # one candidate per member forces the certify-and-grow path on every instance
    rng = np.random.default_rng(seed)
    popularity = rng.pareto(1.5, size=m) + 1.0
    scores = popularity * rng.random((n, m)) * (rng.random((n, m)) < 0.6)
    capacities = rng.integers(0, 4, size=m)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assignment_module, "CANDIDATES_PER_MEMBER", 1)
        result = assign_optimal(scores, capacities)
    _assert_valid(result, scores, capacities, 0.0)
    assert result.total_score == pytest.approx(_expanded_slots_optimum(scores, capacities))
