"""French reasons derived from the (need, offer) similarities that actually drove a score.

Every function here receives the similarity block of one candidate and only cites pairs whose
similarity is positive and at least `min_similarity`, so a reason never names a word, an offer
or a need that did not contribute to the score.
"""

from __future__ import annotations

import numpy as np

from matching.features import OfferRow

__all__ = [
    "ORGANIZATION_TYPE_LABELS",
    "WIDENED",
    "best_pairs",
    "help_reason",
    "need_for_coach_reason",
    "offer_reason",
    "region_reason",
    "shared_need_reason",
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


def _short(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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


def offer_reason(offer: OfferRow, need_text: str) -> str:
    """ "Propose : <offer> — correspond à votre besoin « <need> »"."""
    what = offer.text if offer.kind == "offer" else f"parcours « {offer.text} »"
    return f"Propose : {_short(what)} — correspond à votre besoin « {_short(need_text)} »"


def help_reason(your_offer: OfferRow, their_need: str) -> str:
    """Reverse direction for peers: what you offer answers their need."""
    return (
        f"Vous pouvez l'aider : « {_short(your_offer.text)} » répond à son besoin "
        f"« {_short(their_need)} »"
    )


def shared_need_reason(their_need: str) -> str:
    """ "Besoin partagé : « <their need> »"."""
    return f"Besoin partagé : « {_short(their_need)} »"


def region_reason(region: str) -> str:
    """ "Même région : <region>"."""
    return f"Même région : {region}"


def silo_reason(organization_type: str) -> str:
    """ "Autre type de structure : <label>"."""
    label = ORGANIZATION_TYPE_LABELS.get(organization_type, organization_type)
    return f"Autre type de structure : {label}"


def need_for_coach_reason(need_text: str, offer: OfferRow) -> str:
    """For a coach looking at a member: which need their offer answers."""
    return f"Besoin : « {_short(need_text)} » — correspond à votre offre « {_short(offer.text)} »"
