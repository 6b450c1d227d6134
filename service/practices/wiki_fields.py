"""What both wiki readers share: a parsed page, the known headings and fields, durations,
audiences, and how a field is set or refused (`service.practices.wiki` describes the rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from service.reference import search_key

FIELD_OF_HEADING = {
    "resume": "summary",
    "presentation": "summary",
    "description": "summary",
    "en bref": "summary",
    "objectif": "summary",
    "objectifs": "summary",
    "quand l'utiliser": "when_to_use",
    "quand l utiliser": "when_to_use",
    "quand utiliser": "when_to_use",
    "quand l'utiliser ?": "when_to_use",
    "pourquoi l'utiliser": "when_to_use",
    "contexte": "when_to_use",
    "pour quoi faire": "when_to_use",
    "dans quels cas": "when_to_use",
    "deroule": "steps",
    "deroulement": "steps",
    "etapes": "steps",
    "les etapes": "steps",
    "mode d'emploi": "steps",
    "methode": "steps",
    "materiel": "materials",
    "materiels": "materials",
    "materiel necessaire": "materials",
    "ressources": "materials",
    "duree": "duration",
    "temps": "duration",
    "participants": "group_size",
    "nombre de participants": "group_size",
    "taille du groupe": "group_size",
    "public": "audience",
    "pour qui": "audience",
    "licence": "licence",
}
FRONT_MATTER_FIELDS = {
    "title": "title",
    "titre": "title",
    "summary": "summary",
    "resume": "summary",
    "when_to_use": "when_to_use",
    "quand_l_utiliser": "when_to_use",
    "steps": "steps",
    "etapes": "steps",
    "duration_minutes": "duration",
    "duration": "duration",
    "duree": "duration",
    "group_size": "group_size",
    "participants": "group_size",
    "materials": "materials",
    "materiel": "materials",
    "audience": "audience",
    "public": "audience",
    "themes": "themes",
    "licence": "licence",
    "license": "licence",
    "status": "status",
    "statut": "status",
    "id": "id",
}
AUDIENCE_WORDS = {
    "agent": "agents",
    "agents": "agents",
    "manager": "managers",
    "managers": "managers",
    "encadrant": "managers",
    "encadrants": "managers",
    "direction": "direction",
    "directions": "direction",
    "dgs": "direction",
    "elu": "elus",
    "elus": "elus",
    "elue": "elus",
    "elues": "elus",
}
_DURATION = re.compile(
    r"(?:environ |~ ?)?(?:(\d+(?:[.,]\d+)?) ?(?:h|heures?)\.?)?"
    r" ?(?:(\d+) ?(?:min|minutes?|mn)?\.?)?"
)


@dataclass
class ParsedPage:
    """One page of an export: its identity, the sheet fields read, or why not."""

    key: str
    title: str
    values: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    skipped: str | None = None


class ExportError(ValueError):
    """The file itself cannot be read (not a MediaWiki export nor a zip, broken XML...)."""


# ------------------------------------------------------------------------------ shared bits
def heading_key(text: str) -> str:
    """A heading as compared with the known ones: folded, without final punctuation."""
    return search_key(text).strip(" :?!.").replace("’", "'")


def parse_duration(text: str) -> int | None:
    """Minutes in « 90 minutes », « 1 h 30 », « 1h30 », « 2 heures », « 45 min » (None when
    not understood)."""
    folded = search_key(str(text))
    if not folded:
        return None
    if folded.isdigit():
        return int(folded)
    if "demi-journee" in folded or "demi journee" in folded:
        return 210
    if "journee" in folded:
        return 420
    match = _DURATION.fullmatch(folded)
    if not match or not any(match.groups()):
        return None
    hours = float(match.group(1).replace(",", ".")) if match.group(1) else 0.0
    minutes = int(match.group(2)) if match.group(2) else 0
    total = round(hours * 60) + minutes
    return total or None


def parse_audience(value: Any) -> list[str] | None:
    """Audiences from a list or a text (« agents, managers »); None when one is unknown."""
    items = value if isinstance(value, list) else re.split(r"[,;/]| et ", str(value))
    found: list[str] = []
    for item in items:
        word = search_key(str(item)).strip()
        if not word:
            continue
        audience = AUDIENCE_WORDS.get(word)
        if audience is None:
            return None
        if audience not in found:
            found.append(audience)
    return found


def set_field(values: dict[str, Any], errors: list[str], kind: str, text: Any) -> None:
    """Put a field read from a heading, a template parameter or the front matter."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return
    if kind == "duration":
        minutes = text if isinstance(text, int) else parse_duration(str(text))
        if minutes is None:
            errors.append(f"durée illisible : « {text} »")
        else:
            values["duration_minutes"] = minutes
    elif kind == "audience":
        audience = parse_audience(text)
        if audience is None:
            errors.append(f"public inconnu : « {text} » (agents, managers, direction, élus)")
        else:
            values["audience"] = audience
    elif kind == "summary" and values.get("summary"):
        values["summary"] = f"{values['summary']}\n\n{text}"
    elif kind == "steps":
        values["steps"] = [str(s) for s in text] if isinstance(text, list) else [str(text)]
    else:
        values[kind] = text


def finish_page(page: ParsedPage, errors: list[str]) -> ParsedPage:
    values = page.values
    if not page.title.strip():
        errors.append("titre manquant")
    values["title"] = page.title.strip()
    if not values.get("steps"):
        errors.append("aucune étape : une section « Déroulé » ou « Étapes » avec une liste")
    if errors:
        page.error = " ; ".join(errors)
    return page
