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
from collections.abc import Callable, Iterable, Mapping, Sequence
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
from matching.text import (
    analyze,
    distinct,
    fit_transform_tfidf,
    make_char_vectorizer,
    make_word_vectorizer,
    remembering_analyses,
)

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
    "stack_products",
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
        self._fit_unique(list(X))
        return self

    def fit_transform(self, X: Iterable[str], y: Any = None, **fit_params: Any) -> sp.csr_matrix:
        """``fit(X).transform(X)``, analysing each distinct text once per vectorizer."""
        texts = list(X)
        with remembering_analyses():
            blocks, inverse = self._fit_unique(texts)
        encoded = self._combine(blocks)
        return encoded if encoded.shape[0] == len(texts) else encoded[inverse]

    def _fit_unique(self, texts: list[str]) -> tuple[list[sp.csr_matrix], np.ndarray]:
        """Fit every block; return the weighted blocks of the distinct texts and their index."""
        weights = (self.word_weight, self.char_weight, self.thesaurus_weight, self.lsa_weight)
        if any(w < 0 for w in weights) or not any(w > 0 for w in weights):
            raise ValueError("block weights must be >= 0 with at least one > 0")
        if not texts:
            raise ValueError("cannot fit a TextEncoder on no text")
        unique, inverse = distinct(texts)
        multiplicity = np.bincount(inverse, minlength=len(unique))
        self.word_ = make_word_vectorizer()
        word = fit_transform_tfidf(self.word_, unique, multiplicity)
        self.char_, char = None, None
        if self.char_weight > 0:
            self.char_ = make_char_vectorizer()
            char = fit_transform_tfidf(self.char_, unique, multiplicity)
        self.thesaurus_ = (
            ThesaurusVectorizer(self.thesaurus).fit(texts) if self.thesaurus_weight > 0 else None
        )
        self.svd_ = None
        if self.lsa_weight > 0:
            k = max(1, min(self.lsa_components, len(texts) - 1, word.shape[1] - 1))
            svd = TruncatedSVD(n_components=k, random_state=self.random_state)
            self.svd_ = svd.fit(word if len(unique) == len(texts) else word[inverse])
        blocks = self._weighted(unique, word, char)
        self.n_features_out_ = sum(b.shape[1] for b in blocks)
        return blocks, inverse

    def _weighted(
        self, texts: list[str], word: sp.csr_matrix, char: sp.csr_matrix | None
    ) -> list[sp.csr_matrix]:
        """The blocks of `texts`, each L2-normalised and scaled by the root of its weight."""
        blocks: list[tuple[Any, float]] = []
        if self.word_weight > 0:
            blocks.append((word, self.word_weight))
        if self.char_ is not None:
            blocks.append((char, self.char_weight))
        if self.thesaurus_ is not None:
            blocks.append((self.thesaurus_.transform(texts), self.thesaurus_weight))
        if self.svd_ is not None:
            blocks.append((sp.csr_matrix(self.svd_.transform(word)), self.lsa_weight))
        return [np.sqrt(w) * l2_normalize(sp.csr_matrix(b)) for b, w in blocks]

    @staticmethod
    def _combine(blocks: list[sp.csr_matrix]) -> sp.csr_matrix:
        return l2_normalize(sp.hstack(blocks, format="csr"))

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """Encode texts with the fitted vocabulary (unknown words simply count for nothing)."""
        check_is_fitted(self, "word_")
        texts = list(X)
        if not texts:
            return sp.csr_matrix((0, self.n_features_out_), dtype=np.float64)
        unique, inverse = distinct(texts)  # rows are encoded independently: once per text
        word = self.word_.transform(unique)
        char = self.char_.transform(unique) if self.char_ is not None else None
        encoded = self._combine(self._weighted(unique, word, char))
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
