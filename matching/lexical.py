"""Lexical vectors: which words two texts share, weighted by how telling each word is.

`LexicalEncoder` hashes stems and stem bigrams (`matching.text.word_ngrams`) into a fixed space
and weighs them by an inverse document frequency learnt once from the labelled corpus: a word
the corpus never saw counts as the rarest (a tool's or a place's name shared by two members is
telling). Nothing depends on the community's own texts, so members are encoded one by one, in
any order, by any worker, with the same result: there is no vocabulary to refit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize as l2_normalize
from sklearn.utils.validation import check_is_fitted

from matching.text import Document, word_ngrams

__all__ = ["N_FEATURES", "LexicalEncoder", "fit_lexical"]

N_FEATURES = 2**20


class LexicalEncoder(TransformerMixin, BaseEstimator):
    """Texts -> L2-normalised sparse TF-IDF rows over hashed stems and stem bigrams.

    Parameters
    ----------
    n_features : int
        Size of the hashed space (collisions are negligible at 2**20 for this vocabulary).
    """

    def __init__(self, n_features: int = N_FEATURES) -> None:
        self.n_features = n_features

    def _hasher(self) -> HashingVectorizer:
        return HashingVectorizer(
            analyzer=word_ngrams,
            n_features=self.n_features,
            alternate_sign=False,
            norm=None,
            dtype=np.float32,
        )

    def fit(self, X: Iterable[str], y: Any = None) -> LexicalEncoder:
        """Learn the inverse document frequencies of a reference corpus."""
        counts = self._hasher().transform(list(X))
        self.idf_transformer_ = TfidfTransformer(sublinear_tf=True, norm=None).fit(counts)
        idf = np.ascontiguousarray(self.idf_transformer_.idf_, dtype=np.float64)
        self.fingerprint_ = hashlib.sha256(idf.tobytes()).hexdigest()[:12]
        return self

    def transform(self, X: Iterable[Document]) -> sp.csr_matrix:
        """(n_texts, n_features) float32 CSR rows of unit norm (all-zero for empty texts)."""
        check_is_fitted(self, "idf_transformer_")
        texts = list(X)
        if not texts:
            return sp.csr_matrix((0, self.n_features), dtype=np.float32)
        counts = self._hasher().transform(texts)
        weighted = self.idf_transformer_.transform(counts)
        return sp.csr_matrix(l2_normalize(weighted), dtype=np.float32)


def fit_lexical() -> LexicalEncoder:
    """The encoder with the inverse document frequencies of the packaged corpus."""
    from matching.taxonomy import load_corpus

    return LexicalEncoder().fit(e.text for e in load_corpus())
