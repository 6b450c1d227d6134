"""How a member becomes vectors.

Each open need is one row of the *needs* side; each offer (and the job title with the bio, as one
"profile" row) is one row of the *offers* side, so a score can always be traced back to the
(need, offer) pair that produced it. `TextEncoder` turns texts into L2-normalised CSR rows made of
weighted blocks: stemmed word TF-IDF, character n-grams (typos, missing accents), a domain
thesaurus of public-innovation themes (`matching/data/thesaurus.json`: different words for the same
situation) and optionally latent semantic analysis. The structured side (region, network level,
organisation type, role) stays on the `MemberProfile` and is used by the ranking rules.

`RowStore` keeps one side (needs or offers) of every member: the matrix encoded at build time plus
rows upserted since; `RowStore.stack` groups the rows of a subset (e.g. coaches' offers) for
queries, and `similarities` is the one place where query rows meet stacked rows (the swap point
for a faster index).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize as l2_normalize
from sklearn.utils.validation import check_is_fitted

from matching.profiles import MemberProfile
from matching.text import analyze, distinct, fit_tfidf, make_char_vectorizer, make_word_vectorizer

__all__ = [
    "OfferRow",
    "RowStore",
    "Stack",
    "TextEncoder",
    "ThesaurusVectorizer",
    "load_thesaurus",
    "need_rows",
    "offer_rows",
    "products",
    "scatter",
    "similarities",
]


@cache
def _default_thesaurus() -> dict[str, tuple[str, ...]]:
    raw = resources.files("matching").joinpath("data", "thesaurus.json").read_text("utf-8")
    themes = json.loads(raw)["themes"]
    return {key: tuple(entry["terms"]) for key, entry in themes.items()}


def load_thesaurus() -> dict[str, tuple[str, ...]]:
    """The packaged theme thesaurus: theme key -> French terms (copy; safe to modify)."""
    return dict(_default_thesaurus())


class ThesaurusVectorizer(TransformerMixin, BaseEstimator):
    """Map texts to theme counts: one column per theme, counting thesaurus terms found.

    Terms and texts go through `matching.text.analyze`; a multi-word term matches a contiguous run
    of stems. Counts are dampened with ``1 + log(count)`` when `sublinear_tf` is True.

    Parameters
    ----------
    thesaurus : mapping of theme key to terms, or None for the packaged thesaurus.
    sublinear_tf : bool
    """

    def __init__(
        self,
        thesaurus: Mapping[str, Sequence[str]] | None = None,
        sublinear_tf: bool = True,
    ) -> None:
        self.thesaurus = thesaurus
        self.sublinear_tf = sublinear_tf

    def fit(self, X: Iterable[str], y: Any = None) -> ThesaurusVectorizer:
        """Compile the terms into stem sequences indexed by their first stem."""
        thesaurus = _default_thesaurus() if self.thesaurus is None else self.thesaurus
        if not thesaurus:
            raise ValueError("the thesaurus has no theme")
        self.themes_ = list(thesaurus)
        patterns: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for col, key in enumerate(self.themes_):
            seen: set[tuple[str, ...]] = set()
            for term in thesaurus[key]:
                stems = tuple(analyze(term))
                if stems and stems not in seen:
                    seen.add(stems)
                    patterns.setdefault(stems[0], []).append((stems, col))
        self.patterns_ = patterns
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """Return a (n_texts, n_themes) CSR matrix of (dampened) term counts."""
        check_is_fitted(self, "patterns_")
        texts = list(X)
        rows, cols, vals = [], [], []
        for i, text in enumerate(texts):
            counts: dict[int, int] = {}
            stems = analyze(text)
            for pos, first in enumerate(stems):
                for pattern, col in self.patterns_.get(first, ()):
                    if tuple(stems[pos : pos + len(pattern)]) == pattern:
                        counts[col] = counts.get(col, 0) + 1
            for col, count in counts.items():
                rows.append(i)
                cols.append(col)
                vals.append(1.0 + np.log(count) if self.sublinear_tf else float(count))
        shape = (len(texts), len(self.themes_))
        return sp.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float64)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Theme keys, in column order."""
        check_is_fitted(self, "themes_")
        return np.asarray(self.themes_, dtype=object)


class TextEncoder(TransformerMixin, BaseEstimator):
    """Texts -> L2-normalised CSR rows made of weighted blocks (word, char, thesaurus, LSA).

    Each block is L2-normalised and scaled by the square root of its weight before the row is
    normalised again, so the cosine of two rows is a weighted mean of per-block cosines.
    A weight of 0 switches a block off (the ablations of `bench/matching_quality.py`).
    """

    def __init__(
        self,
        word_weight: float = 1.0,
        char_weight: float = 0.5,
        thesaurus_weight: float = 1.0,
        lsa_weight: float = 0.0,
        lsa_components: int = 64,
        thesaurus: Mapping[str, Sequence[str]] | None = None,
        random_state: int = 0,
    ) -> None:
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.thesaurus_weight = thesaurus_weight
        self.lsa_weight = lsa_weight
        self.lsa_components = lsa_components
        self.thesaurus = thesaurus
        self.random_state = random_state

    def fit(self, X: Iterable[str], y: Any = None) -> TextEncoder:
        """Fit the vocabularies (and the SVD) on a corpus of need and offer texts."""
        texts = list(X)
        weights = (self.word_weight, self.char_weight, self.thesaurus_weight, self.lsa_weight)
        if any(w < 0 for w in weights) or not any(w > 0 for w in weights):
            raise ValueError("block weights must be >= 0 with at least one > 0")
        if not texts:
            raise ValueError("cannot fit a TextEncoder on no text")
        self.word_ = fit_tfidf(make_word_vectorizer(), texts)
        self.char_ = fit_tfidf(make_char_vectorizer(), texts) if self.char_weight > 0 else None
        self.thesaurus_ = (
            ThesaurusVectorizer(self.thesaurus).fit(texts) if self.thesaurus_weight > 0 else None
        )
        self.svd_ = None
        if self.lsa_weight > 0:
            unique, inverse = distinct(texts)
            word = self.word_.transform(unique)[inverse]
            k = max(1, min(self.lsa_components, word.shape[0] - 1, word.shape[1] - 1))
            self.svd_ = TruncatedSVD(n_components=k, random_state=self.random_state).fit(word)
        self.n_features_out_ = sum(b.shape[1] for b in self._blocks(texts[:1]))
        return self

    def _blocks(self, texts: list[str]) -> list[sp.csr_matrix]:
        word = self.word_.transform(texts)
        blocks: list[tuple[Any, float]] = []
        if self.word_weight > 0:
            blocks.append((word, self.word_weight))
        if self.char_ is not None:
            blocks.append((self.char_.transform(texts), self.char_weight))
        if self.thesaurus_ is not None:
            blocks.append((self.thesaurus_.transform(texts), self.thesaurus_weight))
        if self.svd_ is not None:
            blocks.append((sp.csr_matrix(self.svd_.transform(word)), self.lsa_weight))
        return [np.sqrt(w) * l2_normalize(sp.csr_matrix(b)) for b, w in blocks]

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """Encode texts with the fitted vocabulary (unknown words simply count for nothing)."""
        check_is_fitted(self, "word_")
        texts = list(X)
        if not texts:
            return sp.csr_matrix((0, self.n_features_out_), dtype=np.float64)
        unique, inverse = distinct(texts)  # rows are encoded independently: once per text
        encoded = l2_normalize(sp.hstack(self._blocks(unique), format="csr"))
        return encoded if len(unique) == len(texts) else encoded[inverse]


@dataclass(frozen=True, slots=True)
class OfferRow:
    """One row of a member's offers side: an offer, or the job title and bio together."""

    kind: str  # "offer" or "profile"
    text: str


def need_rows(profile: MemberProfile) -> tuple[list[int], list[str]]:
    """Ids and texts of a member's open needs (empty texts skipped)."""
    needs = [n for n in profile.needs if n.text.strip()]
    return [n.id for n in needs], [n.text for n in needs]


def offer_rows(profile: MemberProfile) -> list[OfferRow]:
    """The offers side of a member: each offer, then job title + bio as one profile row."""
    rows = [OfferRow("offer", o) for o in profile.offers if o.strip()]
    about = " ".join(p for p in (profile.job_title, profile.bio) if p.strip())
    if about:
        rows.append(OfferRow("profile", about))
    return rows


@dataclass(frozen=True, slots=True)
class Stack:
    """Rows of a subset of members, grouped contiguously by member."""

    matrix_t: sp.csr_matrix  # (n_features, n_rows): one postings list per term, built once
    weights: np.ndarray  # per-row weight (profile rows count less than offers)
    members: np.ndarray  # member id of each group
    starts: np.ndarray  # first row of each group
    groups: np.ndarray  # group (position in `members`) of each row

    @property
    def empty(self) -> bool:
        """True when no member of the subset has a row."""
        return self.members.size == 0


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


def similarities(stack: Stack, queries: sp.csr_matrix) -> np.ndarray:
    """Cosine of each query row with each stacked row: (n_queries, n_rows), weighted."""
    return products(stack.matrix_t, queries) * stack.weights


class RowStore:
    """One side (needs or offers) of every member: base matrix + rows upserted since."""

    def __init__(self, matrix: sp.csr_matrix, owners: np.ndarray, weights: np.ndarray) -> None:
        self.base, self.base_owners, self.base_weights = matrix, owners, weights
        self.spans = _spans(owners)
        self.extra: dict[int, tuple[sp.csr_matrix, np.ndarray]] = {}
        self.dead: set[int] = set()

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
        dead = np.fromiter(self.dead, dtype=np.int64, count=len(self.dead))
        mask = np.isin(self.base_owners, allowed) & ~np.isin(self.base_owners, dead)
        parts, owners, weights = (
            [self.base[mask]],
            [self.base_owners[mask]],
            [self.base_weights[mask]],
        )
        allowed_set = set(allowed.tolist())
        for mid, (rows, w) in self.extra.items():
            if mid in allowed_set and rows.shape[0]:
                parts.append(rows)
                owners.append(np.full(rows.shape[0], mid, dtype=np.int64))
                weights.append(w)
        matrix = sp.vstack(parts, format="csr")
        own = np.concatenate(owners)
        starts = np.flatnonzero(np.r_[True, own[1:] != own[:-1]]) if own.size else own
        groups = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, own.size]))
        return Stack(matrix.T.tocsr(), np.concatenate(weights), own[starts], starts, groups)


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
