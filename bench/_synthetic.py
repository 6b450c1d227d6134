"""Synthetic data shared by the benchmarks: TF-IDF-like profiles and skewed coach scores.

Nothing here is real: terms are integers drawn from a Zipf-Mandelbrot law so that a few terms
are frequent (a third of profiles share the commonest) and most are rare, as in French job
descriptions once stop words are gone.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

VOCABULARY = 50_000
ZIPF_EXPONENT = 1.0
ZIPF_OFFSET = 20.0


def zipf_probabilities(vocabulary: int = VOCABULARY) -> np.ndarray:
    """Term probabilities p_t ∝ 1 / (t + offset)^s, summing to one."""
    ranks = np.arange(vocabulary, dtype=np.float64)
    weights = 1.0 / (ranks + ZIPF_OFFSET) ** ZIPF_EXPONENT
    return weights / weights.sum()


def term_counts(
    n_rows: int,
    rng: np.random.Generator,
    min_terms: int = 30,
    max_terms: int = 80,
    vocabulary: int = VOCABULARY,
    chunk: int = 100_000,
) -> sp.csr_matrix:
    """Raw term counts (n_rows x vocabulary, CSR float32), `min_terms..max_terms` draws per row."""
    cdf = np.cumsum(zipf_probabilities(vocabulary))
    blocks = []
    for start in range(0, n_rows, chunk):
        rows = min(chunk, n_rows - start)
        lengths = rng.integers(min_terms, max_terms + 1, size=rows)
        draws = np.searchsorted(cdf, rng.random(int(lengths.sum())) * cdf[-1])
        draws = np.minimum(draws, vocabulary - 1).astype(np.int32)
        indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        block = sp.csr_matrix(
            (np.ones(draws.size, dtype=np.float32), draws, indptr), shape=(rows, vocabulary)
        )
        block.sum_duplicates()
        blocks.append(block)
    return sp.vstack(blocks, format="csr", dtype=np.float32)


def tfidf_profiles(
    n_rows: int, n_queries: int, seed: int = 0, vocabulary: int = VOCABULARY
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Profiles and shorter query vectors, both weighted by the profiles' IDF (not normalised)."""
    rng = np.random.default_rng(seed)
    counts = term_counts(n_rows, rng, vocabulary=vocabulary)
    queries = term_counts(n_queries, rng, min_terms=10, max_terms=40, vocabulary=vocabulary)
    df = np.bincount(counts.indices, minlength=vocabulary)
    idf = (np.log((1.0 + n_rows) / (1.0 + df)) + 1.0).astype(np.float32)
    for matrix in (counts, queries):
        matrix.data = (np.log1p(matrix.data) * idf[matrix.indices]).astype(np.float32)
    return counts, queries


def coach_scores(
    n_members: int,
    n_coaches: int,
    candidates_per_member: int = 50,
    seed: int = 0,
) -> sp.csr_matrix:
    """Sparse member x coach scores where a few popular coaches are everyone's top choice.

    score_ij = popularity_j * affinity_ij, popularity heavy-tailed (Pareto), candidates drawn with
    probability proportional to popularity so popular coaches appear in most members' lists.
    """
    rng = np.random.default_rng(seed)
    popularity = rng.pareto(1.5, size=n_coaches) + 1.0
    popularity /= popularity.max()
    draw_p = popularity / popularity.sum()
    k = min(candidates_per_member, n_coaches)
    rows, cols = [], []
    for i in range(n_members):
        chosen = rng.choice(n_coaches, size=k, replace=False, p=draw_p)
        rows.append(np.full(k, i))
        cols.append(chosen)
    row = np.concatenate(rows)
    col = np.concatenate(cols)
    affinity = rng.random(row.size)
    data = popularity[col] * (0.2 + 0.8 * affinity)
    return sp.csr_matrix((data, (row, col)), shape=(n_members, n_coaches))
