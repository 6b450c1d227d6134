"""The library's tool sheets for a member: open needs -> the sheets that help to start alone.

A sheet is encoded like a training module (`catalogue.recommend`): each of its parts (title,
summary, when to use, each step) and the sheet as a whole become *offer rows* of
`matching.features`, so a need meets a sheet with the same fusion of meaning and words as it
meets a coach's offer: ``w * cos_themes + (1 - w) * cos_words``. A need's relevance to a sheet is
``PART_WEIGHT * best part + (1 - PART_WEIGHT) * whole sheet``; a sheet's score is its best need
(plus `SECOND_NEED_BONUS` times a second need reaching half of it), and sheets below
`MIN_RELEVANCE` are not shown. Only published sheets are recommended.

Reasons cite what drove the score: « Pour commencer seul·e : « <titre> » — répond à votre
besoin « … » », then the cue of that (need, part) pair (the shared theme, or the shared words)
with the part quoted.

`suggest_themes` gives the themes the theme model reads in a sheet (what a writer sees as
suggested themes, editable).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from catalogue.errors import CatalogueError
from catalogue.parts import EncodedItems
from matching.features import Featurizer, RowText
from matching.reasons import pair_cue, quote
from matching.rows import Rows
from matching.themes import ThemeModel

__all__ = [
    "MIN_RELEVANCE",
    "SUGGEST_MIN",
    "PracticeRecommender",
    "Sheet",
    "SheetRecommendation",
    "suggest_themes",
]

PART_WEIGHT = 0.5
SECOND_NEED_BONUS = 0.25
MIN_RELEVANCE = 0.1
SUGGEST_MIN = 0.25
MAX_SUGGESTED = 3


@dataclass(frozen=True, slots=True)
class Sheet:
    """What the recommender reads of a tool sheet."""

    id: int
    title: str
    summary: str = ""
    when_to_use: str = ""
    steps: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    status: str = "published"

    @property
    def text(self) -> str:
        """The whole sheet as one text."""
        return "\n".join(p for p in (self.title, self.summary, self.when_to_use, *self.steps) if p)


@dataclass(frozen=True, slots=True)
class SheetRecommendation:
    """A sheet suggested to a member, with a score in [0, 1] and French reasons."""

    practice_id: int
    title: str
    score: float
    reasons: tuple[str, ...]
    matched_need_ids: tuple[int, ...] = field(default=())


def suggest_themes(model: ThemeModel, text: str, limit: int = MAX_SUGGESTED) -> list[str]:
    """The themes the model reads in `text`: those with probability >= `SUGGEST_MIN` (at most
    `limit`, most probable first), else the best one if it reaches the model's confidence."""
    if not text.strip():
        return []
    dist = model.distributions([text])[0]
    order = np.argsort(-dist, kind="stable")
    picked = [model.themes_[j] for j in order[:limit] if dist[j] >= SUGGEST_MIN]
    if not picked and dist[order[0]] >= model.min_confidence:
        picked = [model.themes_[order[0]]]
    return picked


def _parts(sheet: Sheet) -> list[tuple[str, str]]:
    parts = [("titre", sheet.title)]
    if sheet.summary.strip():
        parts.append(("présentation", sheet.summary))
    if sheet.when_to_use.strip():
        parts.append(("quand l'utiliser", sheet.when_to_use))
    parts += [("étape", step) for step in sheet.steps if step.strip()]
    return parts


class PracticeRecommender:
    """The library encoded once; answers members from their need rows (no text analysis).

    Parameters
    ----------
    featurizer : the theme model and lexical encoder the matching index uses.
    """

    def __init__(self, featurizer: Featurizer) -> None:
        self.featurizer = featurizer

    def fit(self, sheets: Sequence[Sheet]) -> PracticeRecommender:
        """Encode every sheet (filtering by status happens per query)."""
        if not sheets:
            raise CatalogueError("cannot fit a recommender on an empty library")
        self.sheets_ = tuple(sheets)
        self.items_ = EncodedItems.encode(
            self.featurizer,
            [_parts(sheet) for sheet in self.sheets_],
            [sheet.text for sheet in self.sheets_],
            PART_WEIGHT,
        )
        return self

    def relevance(self, needs: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """(needs x sheets relevance, needs x sheets index of the best part)."""
        self._check_fitted()
        return self.items_.relevance(needs)

    def encode_needs(self, needs: Sequence[tuple[int | None, str]]) -> tuple[list[RowText], Rows]:
        """Need rows of (need id, text) pairs that are not in the matching index."""
        rows = [RowText("need", text, need_id) for need_id, text in needs if text.strip()]
        encoded = self.featurizer.encode(rows, [1.0] * len(rows), [None] * len(rows))
        return rows, Rows.of(encoded.rows, encoded.themes)

    def recommend(
        self,
        need_rows: Sequence[RowText],
        needs: Rows,
        *,
        exclude: Collection[int] = (),
        limit: int = 5,
    ) -> list[SheetRecommendation]:
        """The best `limit` published sheets for these need rows (see the module docstring)."""
        self._check_fitted()
        if not need_rows or limit <= 0:
            return []
        rel, part_idx = self.relevance(needs.csr)
        excluded = set(exclude)
        results = []
        for s, sheet in enumerate(self.sheets_):
            if sheet.status != "published" or sheet.id in excluded:
                continue
            order = np.argsort(-rel[:, s], kind="stable")
            best = int(order[0])
            if rel[best, s] < MIN_RELEVANCE:
                continue
            drivers = [best]
            score = float(rel[best, s])
            if len(order) > 1 and rel[order[1], s] >= max(MIN_RELEVANCE, 0.5 * rel[best, s]):
                drivers.append(int(order[1]))
                score += SECOND_NEED_BONUS * float(rel[order[1], s])
            reasons = tuple(
                self._reason(sheet, need_rows[i], needs.row(i), int(part_idx[i, s]))
                for i in drivers
            )
            matched = tuple(
                int(need_rows[i].need_id) for i in drivers if need_rows[i].need_id is not None
            )
            results.append(
                SheetRecommendation(
                    sheet.id, sheet.title, round(min(score, 1.0), 4), reasons, matched
                )
            )
        results.sort(key=lambda r: (-r.score, r.practice_id))
        return results[:limit]

    def _reason(self, sheet: Sheet, need: RowText, need_row: Rows, part: int) -> str:
        model = self.featurizer.model
        names = [model.names_[t] for t in model.themes_]
        text = self.items_.texts[part]
        cue = pair_cue(need_row, self.items_.rows.row(part), need.text, text, names)
        kind = self.items_.kinds[part]
        where = "" if kind == "titre" else f" ; {kind} « {quote(text)} »"
        return (
            f"Pour commencer seul·e : « {quote(sheet.title)} » — répond à votre besoin "
            f"« {quote(need.text)} » ({cue.lead()}{where})"
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "sheets_"):
            raise CatalogueError("PracticeRecommender is not fitted; call fit(sheets) first")
