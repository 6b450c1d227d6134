"""French text pipeline: normalisation, analysis and the vectorizers built on them.

`normalize` lower-cases, folds accents, removes elisions (l', d', qu'...) and keeps public-sector
abbreviations (DGS, CCAS, EPCI, RH, D.G.S. ...) as single tokens. `analyze` turns a text into
Snowball-stemmed content tokens without stop words. `FrenchNormalizer` wraps `normalize` as a
scikit-learn transformer, and `make_word_vectorizer` / `make_char_vectorizer` return TF-IDF
vectorizers using them (character n-grams tolerate typos and missing accents).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

import numpy as np
import snowballstemmer
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = [
    "ABBREVIATIONS",
    "STOP_WORDS",
    "FrenchNormalizer",
    "analyze",
    "content_text",
    "fold_accents",
    "make_char_vectorizer",
    "make_word_vectorizer",
    "normalize",
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


def fold_accents(text: str) -> str:
    """Remove diacritics ("Île-de-France" -> "Ile-de-France"; "œ" -> "oe")."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


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
    return list(_analyzed(text))


@lru_cache(maxsize=131072)
def _analyzed(text: str) -> tuple[str, ...]:
    stems = (stem(tok) for tok in _tokens(text))
    return tuple(s for s in stems if s in ABBREVIATIONS or (len(s) > 1 and s not in STOP_WORDS))


def content_text(text: str) -> str:
    """The normalised text without stop words: the input of character n-gram vectorizers."""
    return " ".join(_tokens(text))


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
