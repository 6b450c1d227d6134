"""How a member becomes vectors.

Each open need is one row of the *needs* side; each offer (and the job title with the bio, as one
"profile" row) is one row of the *offers* side, so a score can always be traced back to the
(need, offer) pair that produced it. `TextEncoder` turns texts into L2-normalised CSR rows made of
weighted blocks: stemmed word TF-IDF, character n-grams (typos, missing accents), a domain
thesaurus of public-innovation themes (`matching/data/thesaurus.json`: different words for the same
situation) and optionally latent semantic analysis. The structured side (region, network level,
organisation type, role) stays on the `MemberProfile` and is used by the ranking rules.

The rows, once encoded, are kept and queried by `matching.stacks` (`RowStore`, `Stack`,
`similarities`); those names are re-exported here, their former home.
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
from matching.scoring import MatchConfig
from matching.stacks import RowStore, Stack, products, scatter, similarities, stack_products
from matching.text import (
    analyze,
    distinct,
    fit_transform_tfidf,
    make_char_vectorizer,
    make_word_vectorizer,
    remembering_analyses,
)

__all__ = [
    "EncodedMembers",
    "OfferRow",
    "RowStore",
    "Stack",
    "TextEncoder",
    "ThesaurusVectorizer",
    "encode_members",
    "load_thesaurus",
    "need_rows",
    "offer_row_weight",
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


def offer_row_weight(row: OfferRow, profile_row_weight: float) -> float:
    """Weight of an offers-side row: 1 for an offer, `profile_row_weight` for the profile row."""
    return 1.0 if row.kind == "offer" else profile_row_weight


@dataclass(frozen=True, slots=True)
class EncodedMembers:
    """What `encode_members` returns: the fitted encoder, both row stores and the rows' origin."""

    encoder: TextEncoder
    needs: RowStore
    offers: RowStore
    need_meta: dict[int, tuple[list[int], list[str]]]  # member id -> (need ids, need texts)
    offer_meta: dict[int, list[OfferRow]]  # member id -> offers-side rows


def encode_members(profiles: Iterable[MemberProfile], config: MatchConfig) -> EncodedMembers:
    """Fit a `TextEncoder` on every need and offer of `profiles` (distinct ids), encode them all.

    Rows are stored as float32, grouped by member in the order of `profiles`.
    """
    need_meta: dict[int, tuple[list[int], list[str]]] = {}
    offer_meta: dict[int, list[OfferRow]] = {}
    need_texts: list[str] = []
    offer_texts: list[str] = []
    need_owner: list[int] = []
    offer_owner: list[int] = []
    offer_w: list[float] = []
    for p in profiles:
        ids, texts = need_rows(p)
        rows = offer_rows(p)
        need_meta[p.id], offer_meta[p.id] = (ids, texts), rows
        need_texts += texts
        need_owner += [p.id] * len(texts)
        offer_texts += [r.text for r in rows]
        offer_owner += [p.id] * len(rows)
        offer_w += [offer_row_weight(r, config.profile_row_weight) for r in rows]
    corpus = need_texts + offer_texts
    encoder = TextEncoder(
        word_weight=config.word_weight,
        char_weight=config.char_weight,
        thesaurus_weight=config.thesaurus_weight,
        lsa_weight=config.lsa_weight,
        lsa_components=config.lsa_components,
    )
    if corpus:  # one pass: each distinct text is analysed once per vectorizer
        encoded = encoder.fit_transform(corpus).astype(np.float32)
    else:
        encoded = encoder.fit(["passerelle"]).transform([]).astype(np.float32)
    n = len(need_texts)
    needs = RowStore(
        encoded[:n], np.asarray(need_owner, dtype=np.int64), np.ones(n, dtype=np.float64)
    )
    offers = RowStore(
        encoded[n:], np.asarray(offer_owner, dtype=np.int64), np.asarray(offer_w, dtype=float)
    )
    return EncodedMembers(encoder, needs, offers, need_meta, offer_meta)
