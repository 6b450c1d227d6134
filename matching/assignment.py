"""Capacity-constrained cohort assignment: each member gets at most one coach, each coach at
most `capacities[j]` members, and the sum of the scores of the chosen pairs is as high as possible.

Arrays in, arrays out: `scores[i, j]` is the score of member i with coach j (dense array, or
sparse CSR where an absent entry means "not a candidate"). A pair is allowed only when its score
is strictly above `min_score` and strictly positive (a pair scoring zero or less never raises
the total, so it is never assigned).

`assign_optimal` maximises the total score only (not the number of members served first). With
positive scores serving one more member never lowers the total, but the optimum may serve fewer
members than a greedy pass when one strong pair beats two weak ones; the benchmark reports both.
It solves the linear relaxation of the transportation problem with HiGHS: its constraint matrix
is the incidence matrix of a bipartite graph, hence totally unimodular, so the simplex returns an
integral vertex (checked; an integer program is the fallback). To stay fast on thousands of
members, the LP first sees only a few promising pairs per member; the result is then certified
optimal on ALL pairs by a min-cost-flow test (no improving cycle of moves), and the candidate set
grows until it is. The answer is therefore always the exact optimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse.csgraph import NegativeCycleError, bellman_ford

from matching.errors import InvalidInputError, MatchingError

__all__ = [
    "REASON_NO_CANDIDATE",
    "REASON_NO_ROOM",
    "AssignmentResult",
    "assign_greedy",
    "assign_optimal",
]

REASON_NO_CANDIDATE = "Aucun coach ne correspond à ce besoin au-dessus du seuil"
REASON_NO_ROOM = "Les coachs pertinents n'ont plus de place"
_TOLERANCE = 1e-9
_MAX_ROUNDS = 8
# devex pricing halves the dual simplex time on these LPs (measured in bench/assignment.py)
_HIGHS_OPTIONS = {"presolve": False, "simplex_dual_edge_weight_strategy": "devex"}
_CYCLE_TOLERANCE = 1e-7  # per move, relative to the top score: HiGHS's dual tolerance
CANDIDATES_PER_MEMBER = 12
"""Pairs per member in the first restricted LP (the answer is exact whatever the value)."""


@dataclass(frozen=True)
class AssignmentResult:
    """Who accompanies whom.

    `coach_of[i]` is the coach index of member i or -1; `scores[i]` the score of that pair (0 when
    unassigned); `unassigned_reasons` maps each unassigned member index to a French reason.
    """

    coach_of: np.ndarray
    scores: np.ndarray
    total_score: float
    unassigned_reasons: dict[int, str]


@dataclass(frozen=True)
class _Edges:
    """Allowed pairs as parallel arrays, plus the problem size and capacities."""

    member: np.ndarray
    coach: np.ndarray
    score: np.ndarray
    n_members: int
    capacities: np.ndarray


def _allowed_edges(scores: Any, capacities: Any, min_score: float) -> _Edges:
    """Validate inputs and keep the pairs that may be assigned (score > min_score, > 0, room)."""
    try:
        threshold = float(min_score)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"min_score must be a number, got {min_score!r}") from exc
    if not np.isfinite(threshold):
        raise InvalidInputError("min_score must be finite")
    matrix = sp.coo_matrix(scores, copy=True) if sp.issparse(scores) else None
    if matrix is not None:
        matrix.sum_duplicates()
    else:
        dense = np.asarray(scores, dtype=np.float64)
        if dense.ndim != 2:
            raise InvalidInputError(f"scores must be 2-D (members x coaches), got {dense.ndim}-D")
        matrix = sp.coo_matrix(dense)
    n_members, n_coaches = matrix.shape
    caps = np.asarray(capacities)
    if caps.shape != (n_coaches,):
        raise InvalidInputError(f"capacities must have shape ({n_coaches},), got {caps.shape}")
    if caps.size and (not np.issubdtype(caps.dtype, np.number) or np.any(caps != np.round(caps))):
        raise InvalidInputError("capacities must be integers")
    caps = caps.astype(np.int64)
    if np.any(caps < 0):
        raise InvalidInputError("capacities must be non-negative")
    data = matrix.data.astype(np.float64)
    if not np.all(np.isfinite(data)):
        raise InvalidInputError("scores contain NaN or infinite values")
    member, coach = matrix.row.astype(np.int64), matrix.col.astype(np.int64)
    keep = (data > threshold) & (data > 0) & (caps[coach] > 0)
    return _Edges(member[keep], coach[keep], data[keep], n_members, caps)


def _candidates(scores: Any, min_score: float, n_members: int) -> np.ndarray:
    """Which members have at least one pair above the threshold, whatever the capacities."""
    matrix = sp.coo_matrix(scores if sp.issparse(scores) else np.asarray(scores, dtype=float))
    above = (matrix.data > float(min_score)) & (matrix.data > 0)
    return np.bincount(matrix.row[above], minlength=n_members) > 0


def _result(scores: Any, min_score: float, edges: _Edges, chosen: np.ndarray) -> AssignmentResult:
    """Build the result from a boolean selection over `edges`."""
    coach_of = np.full(edges.n_members, -1, dtype=np.int64)
    member_scores = np.zeros(edges.n_members, dtype=np.float64)
    coach_of[edges.member[chosen]] = edges.coach[chosen]
    member_scores[edges.member[chosen]] = edges.score[chosen]
    has_candidate = _candidates(scores, min_score, edges.n_members)
    reasons = {
        int(i): REASON_NO_ROOM if has_candidate[i] else REASON_NO_CANDIDATE
        for i in np.flatnonzero(coach_of < 0)
    }
    return AssignmentResult(coach_of, member_scores, float(member_scores.sum()), reasons)


def _constraints(edges: _Edges) -> tuple[sp.csr_matrix, np.ndarray]:
    """Stacked incidence matrix (members then coaches) and right-hand sides."""
    n_edges = edges.member.size
    n_coaches = edges.capacities.size
    columns = np.arange(n_edges)
    rows = np.concatenate((edges.member, edges.n_members + edges.coach))
    matrix = sp.csr_matrix(
        (np.ones(2 * n_edges), (rows, np.concatenate((columns, columns)))),
        shape=(edges.n_members + n_coaches, n_edges),
    )
    upper = np.concatenate((np.ones(edges.n_members), edges.capacities.astype(np.float64)))
    return matrix, upper


def _is_feasible(edges: _Edges, chosen: np.ndarray) -> bool:
    per_member = np.bincount(edges.member[chosen], minlength=edges.n_members)
    per_coach = np.bincount(edges.coach[chosen], minlength=edges.capacities.size)
    return bool(np.all(per_member <= 1) and np.all(per_coach <= edges.capacities))


def assign_optimal(
    scores: sp.csr_matrix | np.ndarray, capacities: np.ndarray, min_score: float = 0.0
) -> AssignmentResult:
    """Exact assignment maximising the total score (not the number served) under capacities.

    Solves the LP on `CANDIDATES_PER_MEMBER` promising pairs per member (ranked by score minus
    the coach's price in the greedy solution), then certifies the answer on all pairs: it is
    optimal when no improving cycle of moves exists (`_is_optimal`, to HiGHS's 1e-7 tolerance).
    Otherwise the pairs that gain at the LP's dual prices join the candidates and it starts over;
    after `_MAX_ROUNDS` the LP over all pairs (exact on its own) settles it.
    """
    edges = _allowed_edges(scores, capacities, min_score)
    if edges.member.size == 0:
        return _result(scores, min_score, edges, np.zeros(0, dtype=bool))
    prices = _coach_prices(edges, _greedy_choice(edges))
    active = _top_per_member(edges, edges.score - prices, CANDIDATES_PER_MEMBER)
    for _ in range(_MAX_ROUNDS):
        chosen, violation = _solve_restricted(edges, active)
        if active.all() or _is_optimal(edges, chosen):
            break
        missing = (violation > _TOLERANCE) & ~active
        if not missing.any():
            missing = ~active
        active |= missing & _top_per_member(edges, np.where(missing, violation, -np.inf), 5)
    else:
        chosen, _ = _solve_restricted(edges, np.ones_like(active))
    if not _is_feasible(edges, chosen):
        raise MatchingError("the assignment solver returned an infeasible solution")
    return _result(scores, min_score, edges, chosen)


def _top_per_member(edges: _Edges, value: np.ndarray, per_member: int) -> np.ndarray:
    """Mask of each member's `per_member` pairs of highest `value`."""
    order = np.lexsort((-value, edges.member))
    sorted_members = edges.member[order]
    starts = np.searchsorted(sorted_members, np.arange(edges.n_members))
    rank = np.arange(order.size) - starts[sorted_members]
    mask = np.zeros(value.size, dtype=bool)
    mask[order[rank < per_member]] = True
    return mask


def _coach_prices(edges: _Edges, chosen: np.ndarray) -> np.ndarray:
    """Price of each coach in an assignment: its weakest member's score when full, else 0."""
    n_coaches = edges.capacities.size
    load = np.bincount(edges.coach[chosen], minlength=n_coaches)
    weakest = np.full(n_coaches, np.inf)
    np.minimum.at(weakest, edges.coach[chosen], edges.score[chosen])
    return np.where(load >= edges.capacities, weakest, 0.0)[edges.coach]


def _solve_restricted(edges: _Edges, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact optimum using only the `active` pairs.

    Returns the chosen pairs and, for every pair, how much it would gain at the LP's dual prices
    (positive: the pair could improve the restricted optimum).
    """
    keep = np.flatnonzero(active)
    sub = _Edges(
        edges.member[keep], edges.coach[keep], edges.score[keep], edges.n_members, edges.capacities
    )
    matrix, upper = _constraints(sub)
    solution = linprog(
        -sub.score,
        A_ub=matrix,
        b_ub=upper,
        bounds=(0.0, 1.0),
        method="highs-ds",
        options=_HIGHS_OPTIONS,
    )
    if solution.status == 0 and np.max(np.abs(solution.x - np.round(solution.x))) <= _TOLERANCE:
        x = solution.x
        duals = -solution.ineqlin.marginals
    else:  # never seen: the LP of a bipartite b-matching has integral vertices
        x = _solve_integer(sub, matrix, upper)
        duals = np.zeros(upper.size)
    chosen = np.zeros(edges.member.size, dtype=bool)
    chosen[keep[np.round(x) > 0.5]] = True
    violation = edges.score - duals[edges.member] - duals[edges.n_members + edges.coach]
    return chosen, violation


def _is_optimal(edges: _Edges, chosen: np.ndarray) -> bool:
    """True when no cycle of moves improves the assignment (min-cost-flow optimality test).

    Nodes are the coaches plus an outside node O. An arc a -> b carries the best gain of moving
    one member from a to b (O -> b: an unassigned member joins b; a -> O: a member of a leaves, or
    gain 0 when a has room; O -> a: gain 0, a simply keeps a free place). The assignment is
    optimal iff this graph has no cycle of positive total gain (Bellman-Ford on negated gains).
    """
    n_coaches = edges.capacities.size
    outside = n_coaches
    coach_of = np.full(edges.n_members, -1, dtype=np.int64)
    own = np.zeros(edges.n_members)
    coach_of[edges.member[chosen]] = edges.coach[chosen]
    own[edges.member[chosen]] = edges.score[chosen]
    tail = coach_of[edges.member]
    tail = np.where(tail >= 0, tail, outside)
    gain = np.full((n_coaches + 1, n_coaches + 1), -np.inf)
    moves = tail != edges.coach
    np.maximum.at(gain, (tail[moves], edges.coach[moves]), (edges.score - own[edges.member])[moves])
    np.maximum.at(gain[:, outside], edges.coach[chosen], -edges.score[chosen])
    load = np.bincount(edges.coach[chosen], minlength=n_coaches)
    has_room = np.append(load < edges.capacities, False)
    gain[has_room, outside] = np.maximum(gain[has_room, outside], 0.0)
    gain[outside, :n_coaches] = np.maximum(gain[outside, :n_coaches], 0.0)
    # a root with an arc to every node, so that every cycle is reachable
    rows, cols = np.nonzero(np.isfinite(gain))
    root = n_coaches + 1
    slack = _CYCLE_TOLERANCE * max(1.0, float(edges.score.max()))
    weights = np.concatenate((slack - gain[rows, cols], np.ones(root)))
    graph = sp.csr_matrix(
        (
            weights,
            (np.concatenate((rows, np.full(root, root))), np.concatenate((cols, np.arange(root)))),
        ),
        shape=(root + 1, root + 1),
    )
    try:
        bellman_ford(graph, indices=[root])
    except NegativeCycleError:
        return False
    return True


def _solve_integer(edges: _Edges, matrix: sp.csr_matrix, upper: np.ndarray) -> np.ndarray:
    """Fallback: the same model with integrality enforced (never needed in practice)."""
    solution = milp(
        -edges.score,
        constraints=LinearConstraint(matrix, -np.inf, upper),
        integrality=np.ones(edges.score.size),
        bounds=Bounds(0.0, 1.0),
    )
    if solution.x is None:
        raise MatchingError(f"the assignment solver failed: {solution.message}")
    return solution.x


def _greedy_choice(edges: _Edges) -> np.ndarray:
    """Pairs taken by decreasing score while member and coach are both free."""
    order = np.lexsort((edges.coach, edges.member, -edges.score))
    room = edges.capacities.tolist()
    served = [False] * edges.n_members
    chosen = np.zeros(edges.member.size, dtype=bool)
    members, coaches = edges.member.tolist(), edges.coach.tolist()
    for e in order.tolist():
        i, j = members[e], coaches[e]
        if not served[i] and room[j] > 0:
            served[i] = True
            room[j] -= 1
            chosen[e] = True
    return chosen


def assign_greedy(
    scores: sp.csr_matrix | np.ndarray, capacities: np.ndarray, min_score: float = 0.0
) -> AssignmentResult:
    """Fast baseline: take pairs by decreasing score while member and coach are both free."""
    edges = _allowed_edges(scores, capacities, min_score)
    return _result(scores, min_score, edges, _greedy_choice(edges))
