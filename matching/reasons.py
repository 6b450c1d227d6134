"""French reasons, built from the (need, offer) pairs that actually drove a score.

A pair is explained by what weighed most in its similarity (`matching.features`): the theme both
texts share (« Thème commun : Management hybride et travail à distance ») or, when words weighed
more, the words both texts use (« Mots en commun : « visio », « télétravail » »). Both sides are
quoted whole, or cut at a word boundary with « … »: never in the middle of a word, never a job
title glued to a bio (each is a row of its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching.features import RowText
from matching.rows import Rows, dense_pair
from matching.text import ABBREVIATIONS, analyze, surface_words

__all__ = [
    "ORGANIZATION_TYPE_LABELS",
    "WIDENED",
    "PairCue",
    "best_pairs",
    "pair_cue",
    "quote",
    "region_reason",
    "silo_reason",
]

WIDENED = "Aucun coach pertinent dans votre région : recherche élargie au niveau national"

ORGANIZATION_TYPE_LABELS = {
    "commune": "commune",
    "intercommunalite": "intercommunalité",
    "departement": "département",
    "region": "région",
    "etat": "services de l'État",
    "formation": "organisme de formation",
    "association": "association",
    "entreprise": "entreprise",
    "autre": "autre structure",
}

QUOTE_LIMIT = 120

_WHAT = {"offer": "offre", "title": "poste", "bio": "parcours", "need": "besoin"}


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`text` on one line; if longer than `limit`, cut at the last word boundary, then « … »
    (a first word longer than the limit is kept whole)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    else:
        cut = text.split(" ", 1)[0]
        if cut == text:
            return text
    return cut.rstrip(" ,;:.-–—(") + "…"


def best_pairs(sims: np.ndarray, min_similarity: float, limit: int) -> list[tuple[int, int, float]]:
    """Per query row its best column; keep rows with similarity >= threshold (> 0), best first.

    `sims` is (n_queries, n_rows) for one candidate. Returns (query, row, similarity) triples.
    """
    if sims.size == 0:
        return []
    cols = sims.argmax(axis=1)
    vals = sims[np.arange(sims.shape[0]), cols]
    keep = [
        i for i in np.argsort(-vals, kind="stable") if vals[i] > 0 and vals[i] >= min_similarity
    ]
    return [(int(i), int(cols[i]), float(vals[i])) for i in keep[:limit]]


@dataclass(frozen=True, slots=True)
class PairCue:
    """What drove one pair's similarity: a theme both texts are read in, neighbouring themes
    (each text read in its own, their distributions overlapping), or shared words."""

    theme: str | None
    words: tuple[str, ...]
    neighbours: tuple[str, str] | None = None

    def lead(self) -> str:
        """« Thème commun : … », « Thèmes proches : … / … » or « Mots en commun : « … » »."""
        if self.theme is not None:
            return f"Thème commun : {self.theme}"
        if self.neighbours is not None:
            return f"Thèmes proches : {self.neighbours[0]} / {self.neighbours[1]}"
        return "Mots en commun : " + ", ".join(f"« {w} »" for w in self.words)


def pair_cue(
    a: Rows,
    b: Rows,
    a_text: str,
    b_text: str,
    theme_names: Sequence[str],
) -> PairCue:
    """Why rows `a` and `b` (one row each, fused) are similar.

    The theme block is the first ``len(theme_names)`` columns (its largest entry is the theme
    the text is read in; empty for a text « hors thèmes »); the rest are words. A theme is named
    as common only when both texts are read in it.
    """
    k = len(theme_names)
    dense_a, dense_b, columns = dense_pair(a, b)
    product = (dense_a[0] * dense_b[0]).astype(np.float64)
    theme_part = np.zeros(k, dtype=np.float64)
    is_theme = columns < k
    theme_part[columns[is_theme]] = product[is_theme]
    word_part = float(product[~is_theme].sum())
    a_theme, b_theme = _read_theme(dense_a[0], columns, k), _read_theme(dense_b[0], columns, k)
    by_theme = theme_part.max(initial=0.0) > 0 and theme_part.sum() >= word_part
    if by_theme and a_theme >= 0 and a_theme == b_theme:
        return PairCue(theme_names[a_theme], ())
    common = set(analyze(a_text)) & set(analyze(b_text))
    ordered = [s for s in analyze(a_text) if s in common]
    words = (
        surface_words(a_text, ordered, 3)
        or tuple(s.upper() if s in ABBREVIATIONS else s for s in dict.fromkeys(ordered))[:3]
    )
    if words and (not by_theme or a_theme < 0 or b_theme < 0):
        return PairCue(None, words)
    if a_theme >= 0 and b_theme >= 0:
        return PairCue(None, (), (theme_names[a_theme], theme_names[b_theme]))
    return PairCue(None, words)


def _read_theme(row: np.ndarray, columns: np.ndarray, k: int) -> int:
    """The column of the theme a row is read in (its largest theme entry), or -1."""
    is_theme = columns < k
    values = row[is_theme]
    if values.size == 0 or values.max() <= 0:
        return -1
    return int(columns[is_theme][values.argmax()])


def pair_reason(cue: PairCue, mine: RowText, theirs: RowText) -> str:
    """« <lead> — votre besoin « … » / son offre « … » » (each side named by its row kind)."""
    return (
        f"{cue.lead()} — votre {_WHAT[mine.kind]} « {quote(mine.text)} » / "
        f"son {_WHAT[theirs.kind]} « {quote(theirs.text)} »"
    )


def shared_need_reason(cue: PairCue, mine: RowText, theirs: RowText) -> str:
    """« Besoin partagé — <lead> — votre besoin « … » / son besoin « … » »."""
    return f"Besoin partagé — {pair_reason(cue, mine, theirs)}"


def region_reason(region: str) -> str:
    """ "Même région : <region>"."""
    return f"Même région : {region}"


def silo_reason(organization_type: str) -> str:
    """ "Autre type de structure : <label>"."""
    label = ORGANIZATION_TYPE_LABELS.get(organization_type, organization_type)
    return f"Autre type de structure : {label}"
