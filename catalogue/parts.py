"""Items (training modules, tool sheets) encoded as their parts and as wholes, once.

A need's relevance to an item is ``part_weight * best part + (1 - part_weight) * whole item``
(cosines of the fused need and offer rows, negative values as 0): a need may be answered by one
objective of a module, or one step of a sheet, as much as by the item as a whole. Both
recommenders keep one `EncodedItems` and rank from its `relevance`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matching.features import Featurizer, RowText
from matching.rows import Rows


@dataclass(frozen=True)
class EncodedItems:
    """Each item's parts (kind, text) and whole text, encoded by the matching featurizer."""

    texts: tuple[str, ...]
    """The text of each part (all items' parts, item after item)."""
    kinds: tuple[str, ...]
    """What each part is (« objectif », « étape »...)."""
    owner: np.ndarray
    """The item each part belongs to."""
    rows: Rows
    """The parts' fused rows (for reasons)."""
    parts_t: sp.csr_matrix
    wholes_t: sp.csr_matrix
    part_weight: float

    @classmethod
    def encode(
        cls,
        featurizer: Featurizer,
        parts: Sequence[Sequence[tuple[str, str]]],
        wholes: Sequence[str],
        part_weight: float,
    ) -> EncodedItems:
        """Encode `parts[i]` (kind, text) and `wholes[i]` of every item i."""
        rows = [RowText("offer", text) for item in parts for _, text in item]
        encoded = featurizer.encode(rows, [1.0] * len(rows), [None] * len(rows))
        whole_rows = [RowText("offer", text) for text in wholes]
        whole = featurizer.encode(whole_rows, [1.0] * len(wholes), [None] * len(wholes))
        # transposed once: a product with a transpose would rebuild a million-long index
        return cls(
            texts=tuple(text for item in parts for _, text in item),
            kinds=tuple(kind for item in parts for kind, _ in item),
            owner=np.asarray([i for i, item in enumerate(parts) for _ in item], dtype=int),
            rows=Rows.of(encoded.rows, encoded.themes),
            parts_t=sp.csr_matrix(encoded.rows.T),
            wholes_t=sp.csr_matrix(whole.rows.T),
            part_weight=part_weight,
        )

    def relevance(self, needs: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """(needs x items relevance, needs x items index of the best part)."""
        part_sim = np.maximum((needs @ self.parts_t).toarray(), 0.0)
        whole = np.maximum((needs @ self.wholes_t).toarray(), 0.0)
        n_items = self.wholes_t.shape[1]
        best_part = np.zeros((needs.shape[0], n_items))
        best_idx = np.zeros((needs.shape[0], n_items), dtype=int)
        for item in range(n_items):
            cols = np.flatnonzero(self.owner == item)
            sub = part_sim[:, cols]
            arg = sub.argmax(axis=1)
            best_idx[:, item] = cols[arg]
            best_part[:, item] = sub[np.arange(needs.shape[0]), arg]
        weight = self.part_weight
        return weight * best_part + (1 - weight) * whole, best_idx
