"""French text pipeline: normalisation, analysis and the vectorizers built on them.

`normalize` lower-cases, folds accents, removes elisions (l', d', qu'...) and keeps public-sector
abbreviations (DGS, CCAS, EPCI, RH, D.G.S. ...) as single tokens. `analyze` turns a text into
Snowball-stemmed content tokens without stop words. `FrenchNormalizer` wraps `normalize` as a
scikit-learn transformer, and `make_word_vectorizer` / `make_char_vectorizer` return TF-IDF
vectorizers using them (character n-grams tolerate typos and missing accents).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

import numpy as np
import scipy.sparse as sp
import snowballstemmer
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer

__all__ = [
    "ABBREVIATIONS",
    "STOP_WORDS",
    "FrenchNormalizer",
    "analyze",
    "content_text",
    "distinct",
    "fit_tfidf",
    "fit_transform_tfidf",
    "fold_accents",
    "idf_with_multiplicity",
    "make_char_vectorizer",
    "make_word_vectorizer",
    "normalize",
    "remembering_analyses",
    "stem",
    "tokenize",
]

#: Acronyms of French local government kept as tokens: never stemmed, never dropped.
ABBREVIATIONS: frozenset[str] = frozenset(
    {
        "dgs", "dga", "dgas", "dgst", "drh", "dsi", "ccas", "cias", "epci", "rh", "sig", "qvt",
        "rps", "rgpd", "falc", "cnfpt", "insp", "cdg", "sdis", "ehpad", "rsa", "caf", "qpv",
        "plu", "plui", "scot", "pcaet", "crte", "rse", "ess", "mooc", "api", "bi", "ia", "pmi",
        "dsp", "ppi", "tzcld", "fab", "lab", "ux", "ui", "dg", "ars", "cpam", "msap",
    }
)  # fmt: skip

_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu|presqu)['’`´]", re.I)
_DOTTED_ACRONYM = re.compile(r"\b(?:[A-Za-z]\.){2,}")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_STEMMER = snowballstemmer.stemmer("french")


_LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}


def _fold_char(ch: str) -> str:
    """The folded form of one character: ligatures split, NFKD without combining marks."""
    decomposed = unicodedata.normalize("NFKD", _LIGATURES.get(ch, ch))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _FoldTable(dict[int, str]):
    """`str.translate` table filled on first sight of each non-ASCII code point."""

    def __missing__(self, code_point: int) -> str:
        folded = self[code_point] = _fold_char(chr(code_point))
        return folded


_FOLD_TABLE = _FoldTable()


def fold_accents(text: str) -> str:
    """Remove diacritics ("Île-de-France" -> "Ile-de-France"; "œ" -> "oe").

    Same result as splitting the ligatures, applying NFKD and dropping combining marks, computed
    one code point at a time through a cached `str.translate` table: NFKD decomposes each code
    point on its own and only reorders combining marks, which are all dropped. ASCII text is
    returned as is.
    """
    if text.isascii():
        return text
    return text.translate(_FOLD_TABLE)


def _load_stop_words() -> frozenset[str]:
    raw = resources.files("matching").joinpath("data", "stopwords_fr.txt").read_text("utf-8")
    words = (fold_accents(line.strip().lower()) for line in raw.splitlines())
    return frozenset(w for w in words if w and not w.startswith("#")) - ABBREVIATIONS


#: Folded French stop words (function words and the filler of need statements).
STOP_WORDS: frozenset[str] = _load_stop_words()


def normalize(text: str) -> str:
    """Lower-case, fold accents, drop elisions and punctuation; keep abbreviations as tokens.

    >>> normalize("L'équipe de la D.G.S. qu'on anime")
    'equipe de la dgs on anime'
    """
    text = _DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", "") + " ", text)
    text = _ELISION.sub(" ", text)
    text = fold_accents(text.lower())
    return " ".join(_NON_WORD.split(text)).strip()


def tokenize(text: str) -> list[str]:
    """Normalised content tokens (stop words, digits and one-letter tokens removed), unstemmed."""
    return list(_tokens(text))


@lru_cache(maxsize=131072)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(
        tok
        for tok in normalize(text).split()
        if tok in ABBREVIATIONS or (len(tok) > 1 and tok not in STOP_WORDS and not tok.isdigit())
    )


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Snowball French stem of one folded token; abbreviations are returned unchanged."""
    if token in ABBREVIATIONS:
        return token
    return _STEMMER.stemWord(token)


def analyze(text: str) -> list[str]:
    """Stemmed content tokens of `text` ("animer", "animation", "animateur" all give "anim")."""
    if _MEMO.active:
        return list(_MEMO.analyses(text)[1])
    return list(_analyzed(text))


@lru_cache(maxsize=131072)
def _analyzed(text: str) -> tuple[str, ...]:
    return _stems_of(_tokens(text))


def _stems_of(tokens: tuple[str, ...]) -> tuple[str, ...]:
    stems = (stem(tok) for tok in tokens)
    return tuple(s for s in stems if s in ABBREVIATIONS or (len(s) > 1 and s not in STOP_WORDS))


def content_text(text: str) -> str:
    """The normalised text without stop words: the input of character n-gram vectorizers."""
    if _MEMO.active:
        return _MEMO.analyses(text)[0]
    return " ".join(_tokens(text))


class _AnalysisMemo:
    """(content text, stems) of every text seen while `remembering_analyses` is open.

    Encoding a corpus runs three analysers over each text (word n-grams, character n-grams,
    thesaurus); past the size of the LRU caches every pass would normalise the texts again.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.memo: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.lock = threading.Lock()

    @property
    def active(self) -> bool:
        return self.depth > 0

    def analyses(self, text: str) -> tuple[str, tuple[str, ...]]:
        found = self.memo.get(text)
        if found is None:
            tokens = _tokens(text)
            found = self.memo[text] = (" ".join(tokens), _stems_of(tokens))
        return found


_MEMO = _AnalysisMemo()


@contextmanager
def remembering_analyses() -> Iterator[None]:
    """Analyse each text once while the block runs (for one pass over a large corpus).

    The memo is dropped when the outermost block exits; results are the same as without it.
    """
    with _MEMO.lock:
        _MEMO.depth += 1
    try:
        yield
    finally:
        with _MEMO.lock:
            _MEMO.depth -= 1
            if _MEMO.depth == 0:
                _MEMO.memo = {}


class FrenchNormalizer(TransformerMixin, BaseEstimator):
    """Scikit-learn transformer mapping a list of texts to their normalised form.

    Parameters
    ----------
    drop_stop_words : bool
        When True, also remove French stop words (the output of `content_text`).
    """

    def __init__(self, drop_stop_words: bool = False) -> None:
        self.drop_stop_words = drop_stop_words

    def fit(self, X: Iterable[str], y: Any = None) -> FrenchNormalizer:
        """Stateless: check the input is a collection of strings and return self."""
        texts = _as_texts(X)
        self.n_texts_seen_ = len(texts)
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        """Return the normalised texts, in order."""
        func = content_text if self.drop_stop_words else normalize
        return [func(t) for t in _as_texts(X)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags


def _as_texts(X: Iterable[str]) -> list[str]:
    if isinstance(X, str):
        raise ValueError("expected an iterable of texts, got a single string")
    texts = list(X)
    for t in texts:
        if not isinstance(t, str):
            raise ValueError(f"expected str items, got {type(t).__name__}")
    return texts


def make_word_vectorizer(**kw: Any) -> TfidfVectorizer:
    """TF-IDF over stemmed French content words (unigrams and bigrams by default)."""
    params: dict[str, Any] = {
        "analyzer": _word_ngrams,
        "sublinear_tf": True,
        "min_df": 1,
        "dtype": np.float64,
    }
    params.update(kw)
    return TfidfVectorizer(**params)


def _word_ngrams(text: str) -> list[str]:
    toks = analyze(text)
    return toks + [f"{a} {b}" for a, b in pairwise(toks)]


def make_char_vectorizer(**kw: Any) -> TfidfVectorizer:
    """TF-IDF over character 3-5-grams inside words of the normalised, stop-word-free text."""
    params: dict[str, Any] = {
        "analyzer": "char_wb",
        "ngram_range": (3, 5),
        "preprocessor": content_text,
        "lowercase": False,
        "sublinear_tf": True,
        "min_df": 1,
        "dtype": np.float64,
    }
    params.update(kw)
    return TfidfVectorizer(**params)


def distinct(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """(distinct texts in order of first appearance, index of each text among them)."""
    position: dict[str, int] = {}
    inverse = np.fromiter(
        (position.setdefault(t, len(position)) for t in texts), dtype=np.intp, count=len(texts)
    )
    return list(position), inverse


def _keeps_every_term(vectorizer: TfidfVectorizer) -> bool:
    """True when the vocabulary cannot depend on how often a text repeats."""
    return (
        isinstance(vectorizer.min_df, int)
        and vectorizer.min_df <= 1
        and isinstance(vectorizer.max_df, float)
        and vectorizer.max_df == 1.0
        and vectorizer.max_features is None
        and vectorizer.vocabulary is None
        and vectorizer.use_idf
    )


def idf_with_multiplicity(
    counts: sp.csr_matrix, multiplicity: np.ndarray, smooth_idf: bool = True
) -> np.ndarray:
    """``TfidfTransformer.fit(counts repeated by multiplicity).idf_`` without repeating rows.

    Each distinct text's terms count `multiplicity` times in the document frequencies, which
    then go through scikit-learn's own formula (same dtype and operation order, so the result
    is bitwise the same as fitting on the repeated texts).
    """
    per_entry = np.repeat(multiplicity.astype(np.float64), np.diff(counts.indptr))
    df = np.bincount(counts.indices, weights=per_entry, minlength=counts.shape[1])
    dtype = counts.dtype if counts.dtype in (np.float64, np.float32) else np.float64
    df = df.astype(dtype, copy=False)  # as TfidfTransformer.fit (integers: exact)
    df += float(smooth_idf)
    n_samples = int(multiplicity.sum()) + int(smooth_idf)
    idf = np.full_like(df, fill_value=n_samples, dtype=dtype)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def fit_transform_tfidf(
    vectorizer: TfidfVectorizer, unique: Sequence[str], multiplicity: np.ndarray
) -> sp.csr_matrix:
    """Fit `vectorizer` as on the texts repeated by `multiplicity`; TF-IDF rows of `unique`.

    Each distinct text is analysed once: scikit-learn's ``CountVectorizer.fit_transform``
    learns the vocabulary and the counts in one pass, the document frequencies count each text
    with its multiplicity (`idf_with_multiplicity`), and a `TfidfTransformer` with the
    vectorizer's settings turns the counts into rows. The fitted ``vocabulary_`` and ``idf_``
    and the returned rows equal ``vectorizer.fit(texts)`` then ``vectorizer.transform(unique)``.
    Settings whose vocabulary depends on repetitions fall back to exactly that.
    """
    if not _keeps_every_term(vectorizer):
        texts = np.repeat(np.asarray(unique, dtype=object), multiplicity).tolist()
        return sp.csr_matrix(vectorizer.fit(texts).transform(unique))
    counts = sp.csr_matrix(CountVectorizer.fit_transform(vectorizer, unique))
    counts.sort_indices()  # fit_transform renumbers terms; transform returns sorted rows
    idf = idf_with_multiplicity(counts, multiplicity, vectorizer.smooth_idf)
    vectorizer.idf_ = idf
    transformer = TfidfTransformer(
        norm=vectorizer.norm,
        use_idf=True,
        smooth_idf=vectorizer.smooth_idf,
        sublinear_tf=vectorizer.sublinear_tf,
    ).fit(counts[:1])  # states the feature count; the idf is the one computed above
    transformer.idf_ = idf
    return sp.csr_matrix(transformer.transform(counts, copy=False))


def fit_tfidf(vectorizer: TfidfVectorizer, texts: Sequence[str]) -> TfidfVectorizer:
    """``vectorizer.fit(texts)``, analysing each distinct text once (member texts repeat)."""
    unique, inverse = distinct(texts)
    fit_transform_tfidf(vectorizer, unique, np.bincount(inverse, minlength=len(unique)))
    return vectorizer
