"""Reference values shared by every domain: roles, regions, organisation types, tools.

The 18 regions and the French names of organisation types are defined once, in the lower
layers that need them too (`catalogue.modules.REGIONS`, `matching.reasons`), and re-exported.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from catalogue.modules import REGIONS
from matching.reasons import ORGANIZATION_TYPE_LABELS
from matching.text import fold_accents

Role = Literal["member", "coach", "trainer", "animator"]
OrganizationType = Literal[tuple(ORGANIZATION_TYPE_LABELS)]  # type: ignore[valid-type]
NetworkLevel = Literal["local", "regional", "national"]

CAPACITY_MIN = 0
CAPACITY_MAX = 20
"""How many people a member may accompany at once: one range for the profile's schema and page
and for the questionnaire's capacity question (whatever bounds a questionnaire version gives)."""
Tool = Literal["e_communautes", "linkedin", "wiki", "autre"]
NeedStatus = Literal["open", "met", "withdrawn"]

CONSENT_TEXT_VERSION = "2026-11-v1"
CONSENT_TEXT = (
    "J'accepte que mon profil (nom, structure, région, besoins et propositions) soit visible des "
    "membres de la communauté et utilisé pour me proposer des pairs, des coachs et des "
    "formations. Je peux retirer ce consentement, exporter ou effacer mes données à tout moment."
)

ROLES: tuple[str, ...] = ("member", "coach", "trainer", "animator")


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse punctuation to single spaces."""
    return re.sub(r"[^a-z0-9]+", " ", fold_accents(text).lower()).strip()


def search_key(text: str) -> str:
    """Text as it is searched: NFKC, accents and case folded, spaces collapsed.

    Unlike `fold`, punctuation is kept, so that a search for `%` or `_` finds those characters
    (the LIKE pattern escapes them, see `like_pattern`).
    """
    return " ".join(fold_accents(unicodedata.normalize("NFKC", text)).casefold().split())


def like_pattern(query: str) -> str:
    """`%<query as searched>%` with LIKE's wildcards escaped (use with `escape="\\"`)."""
    key = search_key(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{key}%"


LIKE_ESCAPE = "\\"


_REGION_ALIASES: dict[str, str] = {fold(name): name for name in REGIONS}
_REGION_ALIASES.update(
    {
        "reunion": "La Réunion",
        "paca": "Provence-Alpes-Côte d'Azur",
        "region sud": "Provence-Alpes-Côte d'Azur",
        "idf": "Île-de-France",
        "aura": "Auvergne-Rhône-Alpes",
        "centre val de loire": "Centre-Val de Loire",
    }
)


def normalize_region(value: str) -> str:
    """The canonical spelling of a region written with any case, accents or dashes.

    Raises ValueError naming the accepted values when the region is unknown.
    """
    canonical = _REGION_ALIASES.get(fold(value))
    if canonical is None:
        raise ValueError(f"unknown region {value!r}; expected one of: {', '.join(REGIONS)}")
    return canonical


LABELS: dict[str, dict[str, str]] = {
    "format": {"presentiel": "Présentiel", "distanciel": "Distanciel", "hybride": "Hybride"},
    "audience": {
        "agents": "Agents",
        "managers": "Managers",
        "direction": "Direction",
        "elus": "Élus",
    },
    "network_level": {"local": "Local", "regional": "Régional", "national": "National"},
    "tool": {
        "e_communautes": "e-Communautés",
        "linkedin": "LinkedIn",
        "wiki": "Wiki de la communauté",
        "autre": "Autre outil",
    },
    "organization_type": {
        key: label[0].upper() + label[1:] for key, label in ORGANIZATION_TYPE_LABELS.items()
    },
    "role": {
        "member": "Membre",
        "coach": "Coach",
        "trainer": "Formateur ou formatrice",
        "animator": "Animateur ou animatrice",
    },
    "kind": {"mentor": "Accompagnement", "peer": "Entre pairs"},
    "module_status": {"published": "Publié", "draft": "Brouillon", "archived": "Archivé"},
    "sheet_status": {"published": "Publiée", "draft": "Brouillon"},
    "outcome": {
        "completed_early": "Terminé avant l'échéance",
        "completed_on_time": "Terminé à l'échéance",
        "cancelled": "Interrompu",
    },
}
"""The French label (with its accents) of every reference value shown to people, by kind.

Pages show them through the Jinja filter `libelle` (`{{ m.format | libelle("format") }}`);
the API keeps the machine values."""


def label(value: object, kind: str) -> str:
    """The French label of `value` among the values of `kind` (the value itself if unknown)."""
    return LABELS.get(kind, {}).get(str(value), str(value))


__all__ = [
    "CONSENT_TEXT",
    "CONSENT_TEXT_VERSION",
    "LABELS",
    "LIKE_ESCAPE",
    "ORGANIZATION_TYPE_LABELS",
    "REGIONS",
    "ROLES",
    "fold",
    "label",
    "like_pattern",
    "normalize_region",
    "search_key",
]
