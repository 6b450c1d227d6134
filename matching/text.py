"""French text analysis: normalisation, stemming and the vectorizers built on them.

`normalize` lower-cases, folds accents, removes elisions (l', d', qu'...) and keeps public-sector
abbreviations (DGS, CCAS, EPCI, RH, D.G.S. ...) as single tokens. `analyze` turns a text into
Snowball-stemmed content tokens without stop words ("animer", "animation" and "animateur" all
give "anim"). `make_word_vectorizer` / `make_char_vectorizer` return scikit-learn TF-IDF
vectorizers using them (character n-grams tolerate typos and missing accents).

The only memo is `stem`'s (a pure function of one token; Snowball in pure Python is the
slowest step and a vocabulary repeats endlessly).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

import numpy as np
import snowballstemmer
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = [
    "ABBREVIATIONS",
    "STOP_WORDS",
    "Analysis",
    "Document",
    "analyze",
    "content_text",
    "fold_accents",
    "make_char_vectorizer",
    "make_word_vectorizer",
    "normalize",
    "stem",
    "stems_of",
    "surface_words",
    "tokenize",
    "word_ngrams",
]

#: Acronyms of French local government kept as tokens: never stemmed, never dropped.
ABBREVIATIONS: frozenset[str] = frozenset(
    {
        "dgs", "dga", "dgas", "dgst", "drh", "dsi", "ccas", "cias", "epci", "rh", "sig", "qvt",
        "rps", "rgpd", "falc", "cnfpt", "insp", "cdg", "sdis", "ehpad", "rsa", "caf", "qpv",
        "plu", "plui", "scot", "pcaet", "crte", "rse", "ess", "mooc", "api", "bi", "ia", "pmi",
        "dsp", "ppi", "tzcld", "fab", "lab", "ux", "ui", "dg", "ars", "cpam", "msap",
        "sg", "dst", "ct", "cst", "copil", "codir", "bp", "pcs", "qvct", "anct", "pvd", "ort",
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
    return [
        tok
        for tok in normalize(text).split()
        if tok in ABBREVIATIONS or (len(tok) > 1 and tok not in STOP_WORDS and not tok.isdigit())
    ]


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Snowball French stem of one folded token; abbreviations are returned unchanged."""
    if token in ABBREVIATIONS:
        return token
    return _STEMMER.stemWord(token)


def analyze(text: str) -> list[str]:
    """Stemmed content tokens of `text` ("animer", "animation", "animateur" all give "anim")."""
    stems = (stem(tok) for tok in tokenize(text))
    return [s for s in stems if s in ABBREVIATIONS or (len(s) > 1 and s not in STOP_WORDS)]


@dataclass(frozen=True, slots=True)
class Analysis:
    """A text analysed once: its normalised content words and their stems.

    Every vectorizer here accepts an `Analysis` where it accepts a text, so a batch read by
    several of them (theme model, lexical vectors) is normalised and stemmed once.
    """

    content: str
    stems: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Analysis:
        """Analyse `text` (as `content_text` and `analyze` would)."""
        tokens = tokenize(text)
        stems = (stem(tok) for tok in tokens)
        kept = tuple(s for s in stems if s in ABBREVIATIONS or (len(s) > 1 and s not in STOP_WORDS))
        return cls(" ".join(tokens), kept)


Document = str | Analysis
"""What the vectorizers read: a text, or a text already analysed."""


def content_text(doc: Document) -> str:
    """The normalised text without stop words: the input of character n-gram vectorizers."""
    return doc.content if isinstance(doc, Analysis) else " ".join(tokenize(doc))


def word_ngrams(doc: Document) -> list[str]:
    """Stems and bigrams of consecutive stems (the word vectorizers' analyzer)."""
    toks = list(doc.stems) if isinstance(doc, Analysis) else analyze(doc)
    return toks + [f"{a} {b}" for a, b in pairwise(toks)]


def stems_of(doc: Document) -> list[str]:
    """The stems of a text or of an analysis."""
    return list(doc.stems) if isinstance(doc, Analysis) else analyze(doc)


def make_word_vectorizer(**kw: Any) -> TfidfVectorizer:
    """TF-IDF over stemmed French content words and their bigrams."""
    params: dict[str, Any] = {
        "analyzer": word_ngrams,
        "sublinear_tf": True,
        "min_df": 1,
        "dtype": np.float64,
    }
    params.update(kw)
    return TfidfVectorizer(**params)


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


_SURFACE_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def surface_words(text: str, stems: Sequence[str], limit: int) -> tuple[str, ...]:
    """The words of `text`, as written, whose stems are `stems` (in that order; at most `limit`)."""
    written: dict[str, str] = {}
    for match in _SURFACE_WORD.finditer(text):
        for found in analyze(match.group(0)):
            written.setdefault(found, match.group(0))
    out = [written[s] for s in stems if s in written]
    return tuple(dict.fromkeys(out))[:limit]
