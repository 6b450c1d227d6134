"""How a member becomes vectors: one row per need and per offer, meaning and words side by side.

A row is a sparse vector made of two blocks:

- **meaning**: the text's theme distribution from `matching.themes.ThemeModel`, cut to its
  `top_themes` most probable themes (smaller probabilities are noise for a similarity) and
  scaled to unit length; empty for a text « hors thèmes »;
- **words**: the text's lexical vector (`matching.lexical.LexicalEncoder`, unit length).

Need rows carry the fusion weight: ``[w * meaning, (1 - w) * words]`` with ``w = theme_weight``
(0 for a need « hors thèmes »: its words alone decide). Offer rows are ``[meaning, words]`` times
the row's weight (1 for an offer, `MatchConfig.about_row_weight` for the job title and for each
sentence of the bio). The dot product of a need row and an offer row is therefore the one fusion
of the whole service::

    similarity(need, offer) = row_weight * (w * cos_themes + (1 - w) * cos_words)

Two needs compare by the cosine of their rows (a shared need). Everything downstream is a
sparse product over these rows (`matching.rows`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize as l2_normalize

from matching.lexical import LexicalEncoder
from matching.profiles import MemberProfile
from matching.rows import Block
from matching.text import Analysis, Document
from matching.themes import ThemeModel

__all__ = [
    "Encoded",
    "Featurizer",
    "RowText",
    "encode_members",
    "need_texts",
    "offer_texts",
]

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


@dataclass(frozen=True, slots=True)
class RowText:
    """Where a row comes from: its kind ("need", "offer", "title", "bio"), text and need id."""

    kind: str
    text: str
    need_id: int | None = None


def need_texts(profile: MemberProfile) -> list[RowText]:
    """The rows of a member's open needs (empty texts skipped)."""
    return [RowText("need", n.text.strip(), n.id) for n in profile.needs if n.text.strip()]


def offer_texts(profile: MemberProfile) -> list[RowText]:
    """The rows of what a member offers: each offer, the job title, each sentence of the bio."""
    rows = [RowText("offer", o.strip()) for o in profile.offers if o.strip()]
    if profile.job_title.strip():
        rows.append(RowText("title", profile.job_title.strip()))
    rows += [RowText("bio", s.strip()) for s in _SENTENCE_END.split(profile.bio) if s.strip()]
    return rows


@dataclass(frozen=True, slots=True)
class Encoded:
    """Rows of some texts: the fused sparse rows, each row's best theme and its probability."""

    rows: sp.csr_matrix  # (n, n_features) float32
    themes: np.ndarray  # (n,) int16: column of the best theme, -1 when « hors thèmes »
    confidence: np.ndarray  # (n,) float32: probability of the best theme

    def __len__(self) -> int:
        return int(self.rows.shape[0])


class Featurizer:
    """Turns texts into need rows and offer rows with one fitted theme model and lexical encoder.

    Parameters
    ----------
    model, lexical : the fitted theme model and lexical encoder.
    theme_weight : share of the meaning block in a need row (the fusion weight `w`).
    top_themes : how many of a text's most probable themes its meaning block keeps.
    """

    def __init__(
        self,
        model: ThemeModel,
        lexical: LexicalEncoder,
        theme_weight: float,
        top_themes: int,
    ) -> None:
        self.model = model
        self.lexical = lexical
        self.theme_weight = theme_weight
        self.top_themes = top_themes
        self.n_themes = len(model.themes_)

    @property
    def fingerprint(self) -> str:
        """What encoded rows depend on: the model, the lexical weights and the fusion settings."""
        return (
            f"{self.model.fingerprint_}-{self.lexical.fingerprint_}"
            f"-w{self.theme_weight:g}-t{self.top_themes}"
        )

    @property
    def n_features(self) -> int:
        """Columns of a row: the theme block, then the hashed words."""
        return self.n_themes + int(self.lexical.n_features)

    def meaning(self, texts: Sequence[Document], corrected: Sequence[str | None] = ()) -> Encoded:
        """Unit theme blocks (top themes kept), best themes and confidences; no words yet.

        `corrected` (aligned with `texts`, optional) gives a theme id set by a person (an
        animator's correction): that row's meaning is then that theme alone, with confidence 1.
        """
        n = len(texts)
        if n == 0:
            return Encoded(
                sp.csr_matrix((0, self.n_themes), dtype=np.float32),
                np.zeros(0, dtype=np.int16),
                np.zeros(0, dtype=np.float32),
            )
        dist = np.asarray(self.model.distributions(list(texts)), dtype=np.float32)
        for i, theme in enumerate(corrected):
            if theme is not None and theme in self.model.themes_:
                dist[i] = 0.0
                dist[i, self.model.themes_.index(theme)] = 1.0
        best = dist.argmax(axis=1)
        confidence = dist[np.arange(n), best]
        confident = confidence >= self.model.min_confidence
        kept = _top_k(dist, self.top_themes) * confident[:, None]
        block = sp.csr_matrix(l2_normalize(kept), dtype=np.float32)
        themes = np.where(confident, best, -1).astype(np.int16)
        return Encoded(block, themes, confidence.astype(np.float32))

    def encode(
        self, rows: Sequence[RowText], weights: Sequence[float], corrected: Sequence[str | None]
    ) -> Encoded:
        """Fused rows: need rows get the fusion weight, other rows their own `weights`."""
        if not rows:
            empty = sp.csr_matrix((0, self.n_features), dtype=np.float32)
            return Encoded(empty, np.zeros(0, dtype=np.int16), np.zeros(0, dtype=np.float32))
        analysed = [Analysis.of(r.text) for r in rows]  # once, for the model and the words
        meaning = self.meaning(analysed, corrected)
        words = self.lexical.transform(analysed)
        is_need = np.asarray([r.kind == "need" for r in rows], dtype=bool)
        has_theme = meaning.themes >= 0
        w = np.where(is_need & has_theme, self.theme_weight, 0.0)
        w = np.where(is_need, w, 1.0).astype(np.float32)  # offers: both blocks, full weight
        word_scale = np.where(is_need, 1.0 - w, 1.0).astype(np.float32)
        scale = np.asarray(weights, dtype=np.float32)
        fused = sp.hstack(
            [sp.diags(w * scale) @ meaning.rows, sp.diags(word_scale * scale) @ words],
            format="csr",
            dtype=np.float32,
        )
        fused.eliminate_zeros()  # a block weighted 0 must not cost a postings walk
        return Encoded(fused, meaning.themes, meaning.confidence)


def _top_k(dist: np.ndarray, k: int) -> np.ndarray:
    """`dist` with every entry but each row's `k` largest set to zero."""
    if k >= dist.shape[1] or dist.shape[0] == 0:
        return dist
    cut = np.partition(dist, -k, axis=1)[:, -k][:, None]
    return np.where(dist >= cut, dist, 0.0)


def encode_members(
    featurizer: Featurizer, profiles: Sequence[MemberProfile], about_row_weight: float
) -> tuple[Block, Block]:
    """The needs block and the offers block of `profiles`, in their order (one encoding pass
    per side). Offer rows weigh 1, the job title and bio sentences `about_row_weight`."""
    need_rows = [need_texts(p) for p in profiles]
    offer_rows = [offer_texts(p) for p in profiles]
    corrected = {n.id: n.theme for p in profiles for n in p.needs if n.theme}
    flat_needs = [r for rows in need_rows for r in rows]
    flat_offers = [r for rows in offer_rows for r in rows]
    needs = featurizer.encode(
        flat_needs, [1.0] * len(flat_needs), [corrected.get(r.need_id) for r in flat_needs]
    )
    offers = featurizer.encode(
        flat_offers,
        [1.0 if r.kind == "offer" else about_row_weight for r in flat_offers],
        [None] * len(flat_offers),
    )
    ids = [p.id for p in profiles]
    return _grouped(ids, need_rows, needs), _grouped(ids, offer_rows, offers)


def _grouped(ids: Sequence[int], rows: Sequence[Sequence[RowText]], encoded: Encoded) -> Block:
    """Cut a flat encoding back into one group per member (members without rows left out)."""
    sizes = np.asarray([len(r) for r in rows], dtype=np.int64)
    nonempty = sizes > 0
    return Block(
        encoded.rows,
        encoded.themes,
        np.asarray(ids, dtype=np.int64)[nonempty],
        np.concatenate([[0], np.cumsum(sizes[nonempty])]).astype(np.int64),
    )
