"""Cohort assignment: exact optimum (assign_optimal) against the greedy baseline.

Usage (from the repo root):
    python bench/assignment.py            # 5,000 members x 500 coaches (capacity 10) + cross-check
    python bench/assignment.py --quick    # same, one timing run each (< 60 s)

Scores are sparse (~50 candidate coaches per member) and skewed: score = popularity_j *
affinity_ij with heavy-tailed popularity, so popular coaches are everyone's first choice and fill
up. The cross-check solves a 1,000 x 100 instance with scipy's linear_sum_assignment on expanded
slots (one column per place, plus one "no coach" column per member) and compares the optimum.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import scipy.sparse as sp
from _synthetic import coach_scores
from scipy.optimize import linear_sum_assignment, linprog
from threadpoolctl import threadpool_limits

from matching.assignment import AssignmentResult, assign_greedy, assign_optimal

# (members, coaches, seed, cross-check with linear_sum_assignment)
PLAN = (
    (5_000, 500, 0, False),
    (5_000, 500, 1, False),
    (5_000, 500, 2, False),
    (1_000, 100, 1, True),
)


def _timed(solver, scores, capacities, repeats: int) -> tuple[float, float, AssignmentResult]:
    """Median wall-clock and CPU seconds over `repeats` runs, and the last result."""
    wall, cpu, result = [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = solver(scores, capacities)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert result is not None
    return statistics.median(wall), statistics.median(cpu), result


def _plain_lp_optimum(scores: sp.csr_matrix, capacities: np.ndarray) -> float:
    """Optimum of the transportation LP over every pair, HiGHS defaults (the simple approach)."""
    coo = scores.tocoo()
    n, m = scores.shape
    columns = np.arange(coo.nnz)
    matrix = sp.csr_matrix(
        (np.ones(2 * coo.nnz), (np.concatenate((coo.row, n + coo.col)), np.tile(columns, 2))),
        shape=(n + m, coo.nnz),
    )
    upper = np.concatenate((np.ones(n), capacities.astype(float)))
    solution = linprog(-coo.data, A_ub=matrix, b_ub=upper, bounds=(0, 1), method="highs")
    return float(-solution.fun)


def _expanded_slots_optimum(scores: sp.csr_matrix, capacities: np.ndarray) -> float:
    """Optimum by linear_sum_assignment on a dense members x (places + dummies) matrix."""
    dense = scores.toarray()
    slots = np.repeat(np.arange(capacities.size), capacities)
    n = dense.shape[0]
    gain = np.hstack((dense[:, slots], np.zeros((n, n))))
    rows, cols = linear_sum_assignment(gain, maximize=True)
    return float(gain[rows, cols].sum())


def main() -> None:
    """Time both solvers and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one timing run instead of three")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    print(
        "| instance | solver | wall s (median) | CPU s | total score | members served | vs greedy |"
    )
    print("|---|---|---|---|---|---|---|")
    with threadpool_limits(limits=1):
        for n_members, n_coaches, seed, check in PLAN:
            scores = coach_scores(n_members, n_coaches, candidates_per_member=50, seed=seed)
            capacities = np.full(n_coaches, 10)
            label = f"{n_members:,} x {n_coaches} (cap 10), seed {seed}"
            t_greedy, c_greedy, greedy = _timed(assign_greedy, scores, capacities, repeats)
            t_opt, c_opt, optimal = _timed(assign_optimal, scores, capacities, repeats)
            ratio = optimal.total_score / greedy.total_score
            print(
                f"| {label} | greedy (baseline) | {t_greedy:.3f} | {c_greedy:.3f} "
                f"| {greedy.total_score:.3f} | {greedy.n_assigned} | 1.000 |"
            )
            print(
                f"| {label} | assign_optimal | {t_opt:.3f} | {c_opt:.3f} "
                f"| {optimal.total_score:.3f} | {optimal.n_assigned} | {ratio:.4f} |"
            )
            if seed == 0:
                start, start_cpu = time.perf_counter(), time.process_time()
                reference = _plain_lp_optimum(scores, capacities)
                elapsed = time.perf_counter() - start
                elapsed_cpu = time.process_time() - start_cpu
                same = "equal" if abs(reference - optimal.total_score) < 1e-6 else "DIFFERENT"
                print(
                    f"| {label} | plain HiGHS LP on all pairs (1 run) | {elapsed:.3f} "
                    f"| {elapsed_cpu:.3f} | {reference:.3f} | — | optimum {same} |"
                )
            if check:
                start, start_cpu = time.perf_counter(), time.process_time()
                reference = _expanded_slots_optimum(scores, capacities)
                elapsed = time.perf_counter() - start
                elapsed_cpu = time.process_time() - start_cpu
                same = "equal" if abs(reference - optimal.total_score) < 1e-6 else "DIFFERENT"
                print(
                    f"| {label} | linear_sum_assignment, expanded slots | {elapsed:.3f} "
                    f"| {elapsed_cpu:.3f} | {reference:.3f} | — | optimum {same} |"
                )


if __name__ == "__main__":
    main()
