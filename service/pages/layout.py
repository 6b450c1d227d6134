"""Shared page helpers: rendering, redirects with a message, French dates and error texts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from service.accounts.principal import Principal
from service.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
    field_of_message,
)
from service.pages.field_messages import field_message
from service.reference import CAPACITY_MAX, CAPACITY_MIN, label

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

ROLE_LABELS = {
    "member": "membre",
    "coach": "coach",
    "trainer": "formateur ou formatrice",
    "animator": "animatrice ou animateur",
}

STATUS_LABELS = {
    "proposed": "en attente de réponse",
    "info_requested": "précisions demandées",
    "accepted": "acceptée",
    "declined": "refusée",
    "withdrawn": "retirée",
    "closed": "clôturée",
    "open": "ouvert",
    "met": "satisfait",
    "published": "publié",
    "draft": "brouillon",
    "archived": "archivé",
    "adopted": "adoptée",
}

MESSAGES = {
    "profil": "Votre profil est enregistré.",
    "besoin-ajoute": "Votre besoin est ajouté.",
    "besoin-atteint": "Le besoin est marqué comme satisfait.",
    "questionnaire": "Merci : vos réponses sont enregistrées et votre profil est à jour.",
    "demande-envoyee": "Votre demande est envoyée.",
    "demande-retiree": "Votre demande est retirée.",
    "acceptee": "La demande est acceptée.",
    "refusee": "La demande est refusée.",
    "cloturee": "L'accompagnement est clôturé. Merci pour votre retour.",
    "message-envoye": "Votre message est envoyé.",
    "retour-merci": "Merci : votre retour est enregistré.",
    "reponse-envoyee": "Votre réponse est envoyée : la demande revient à la personne sollicitée.",
    "precisions": "Votre question est envoyée : la demande attend sa réponse.",
    "pause": "Les nouvelles demandes sont suspendues : vous n'apparaissez plus dans les "
    "suggestions.",
    "reprise": "Vous recevez de nouveau des demandes.",
    "proposition-envoyee": "Proposition envoyée : la personne la verra dans ses demandes.",
    "proposition-acceptee": "La proposition est acceptée : votre binôme commence.",
    "proposition-declinee": "La proposition est déclinée.",
    "adoptee": "La proposition est adoptée : un module brouillon est créé au catalogue.",
    "module": "Le module est enregistré.",
    "import": "L'import est appliqué.",
    "cohorte": "Les propositions de la cohorte sont créées.",
    "theme-corrige": "Le thème du besoin est enregistré : il compte dès maintenant.",
    "theme-invalide": "Ce thème n'existe pas : choisissez-en un dans la liste.",
    "mot-de-passe": "Votre mot de passe est enregistré : vous êtes connecté·e.",
    "deconnexion": "Vous êtes déconnecté·e.",
}

# Service messages (English, shared with the API) shown to people in French.
_FRENCH = {
    "at most 10 open needs": "10 besoins ouverts au plus : marquez-en un comme satisfait d'abord.",
    "already have a request": "Vous avez déjà une demande avec cette personne.",
    "no capacity left": "Cette personne n'a plus de place disponible.",
    "No capacity left": "Plus de place : toutes les places que vous avez déclarées sont prises.",
    "paused new requests": "Cette personne a suspendu les nouvelles demandes.",
    "not open to peer exchange": "Cette personne n'est pas ouverte aux échanges entre pairs.",
    "not given consent": (
        "Pour être mis·e en relation, acceptez d'apparaître dans l'annuaire (profil)."
    ),
    "this is not possible now": "Cette action n'est plus possible pour cette demande.",
    "only an accepted pair closes": "Seul un accompagnement accepté peut être clôturé.",
    "cannot be adopted": "Cette proposition ne peut plus être adoptée.",
    "unknown, expired or already used": "Cette invitation est inconnue, expirée ou déjà utilisée.",
    "stale version": "Le profil a changé entre-temps : rechargez la page.",
    "changed since version": "Le profil a changé entre-temps : rechargez la page.",
    "already answered": "Vous avez déjà répondu à ce questionnaire.",
    "is closed": "Ce questionnaire est clos : les réponses sont définitives.",
    "not a coach or trainer": "Cette personne n'est ni coach ni formatrice.",
    "is not available": "Cette personne n'est pas disponible.",
    "not an open need": "Choisissez un de vos besoins ouverts.",
    "unknown region": "Région inconnue.",
    "an answer is required": "Une réponse est requise.",
    "not a French phone number": "Numéro non valide : 10 chiffres, par exemple 06 12 34 56 78.",
    "already offered": "Vous avez déjà proposé un accompagnement à cette personne.",
    "offer is no longer open": "Cette proposition a déjà reçu une réponse.",
}

_GENERIC = {
    NotFoundError: "Élément introuvable.",
    PermissionDeniedError: "Vous n'avez pas les droits pour cette action.",
    ConflictError: "Cette action est impossible dans l'état actuel.",
    InvalidInputError: "Une valeur saisie n'est pas valide.",
}


_RESERVED = re.compile(r"^Reserved to: (?P<roles>[a-z, ]+)\.$")
_RESERVED_TO = {
    "member": "aux membres",
    "coach": "aux coachs",
    "trainer": "aux formatrices et formateurs",
    "animator": "aux animatrices et animateurs",
}
_FRENCH_HINT = re.compile(
    r"[éèêàçùâîôûœ«»]|\b(le|la|les|est|vous|une|des|du|aux|cette|ce)\b", re.IGNORECASE
)


def looks_french(message: str) -> bool:
    """True for a message a service already wrote in French."""
    return bool(_FRENCH_HINT.search(message))


def french(message: str, exc_type: type[ServiceError] | None = None) -> str:
    """A service message in French: a known phrase, a message already in French, else the
    generic French sentence of its kind of error (the English text is never shown)."""
    for phrase, text in _FRENCH.items():
        if phrase in message:
            return text
    reserved = _RESERVED.match(message)
    if reserved:
        roles = [role.strip() for role in reserved.group("roles").split(",")]
        return f"Cette page est réservée {' et '.join(_RESERVED_TO.get(r, r) for r in roles)}."
    if looks_french(message):
        return message
    return _GENERIC.get(exc_type or ServiceError, "L'action n'a pas abouti.")


def french_field(field: str, message: str) -> str:
    """The French sentence for a refused `field`: a precise known translation of `message`,
    else the field's own sentence (never the schema's text)."""
    translated = row_message(message)
    if translated != message:
        return translated
    for phrase, text in _FRENCH.items():
        if phrase in message:
            return text
    if looks_french(message) and "$." not in message and "`" not in message:
        return message
    return field_message(field.split(".")[0])


def field_errors(exc: ServiceError) -> dict[str, str]:
    """The error of each field a service error names, in French; `_` for the whole page."""
    errors: dict[str, str] = {}
    for item in exc.extra or []:
        key = str(item.get("key") or "_")
        message = str(item.get("message", exc.detail))
        if key == "_":
            errors[key] = french(message, type(exc))
        else:
            errors[key] = french_field(key, message)
    if not errors:
        errors["_"] = french(exc.detail, type(exc))
    return errors


def date_fr(value: datetime | date | None, with_time: bool = False) -> str:
    """`28 novembre 2026` (with `à 19 h 05` when asked); empty for None."""
    if value is None:
        return ""
    text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    if with_time and isinstance(value, datetime):
        text += f" à {value.hour} h {value.minute:02d}"
    return text


def percent(value: float | None) -> str:
    """`78 %` for 0.78 (French spacing)."""
    return "" if value is None else f"{round(value * 100)}\u00a0%"


def _install_filters(request: Request[Any, Any, Any]) -> None:
    engine = getattr(request.app.template_engine, "engine", None)
    if engine is not None and "date_fr" not in engine.filters:
        engine.filters.update(
            date_fr=date_fr,
            percent=percent,
            statut=lambda value: STATUS_LABELS.get(str(value), str(value)),
            role=lambda value: ROLE_LABELS.get(str(value), str(value)),
            ligne=row_message,
            libelle=label,
            libelles=lambda values, kind: ", ".join(label(value, kind) for value in values or ()),
        )


def render(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Template:
    """Render `template` with the signed-in principal and the `?message=` notice."""
    _install_filters(request)
    code = request.query_params.get("message")
    context.setdefault("notice", MESSAGES.get(code or ""))
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.setdefault("capacity_range", (CAPACITY_MIN, CAPACITY_MAX))  # one range everywhere
    user = request.scope.get("user")  # absent when no route matched (an unknown URL)
    context["user"] = user if isinstance(user, Principal) else None
    return Template(template_name=template, context=context, status_code=status_code)


def redirect(path: str, message: str | None = None, **query: str) -> Redirect:
    """303 to `path`, with a message code shown by the next page."""
    params = {**query, **({"message": message} if message else {})}
    return Redirect(
        path=f"{path}?{urlencode(params)}" if params else path, status_code=HTTP_303_SEE_OTHER
    )


async def read_form(request: Request[Any, Any, Any]) -> FormMultiDict:
    """The posted form (URL-encoded or multipart)."""
    return await request.form()


def text(form: Mapping[str, Any], name: str) -> str:
    """A form field as stripped text ('' when absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


__all__ = [
    "date_fr",
    "field_errors",
    "french",
    "read_form",
    "redirect",
    "render",
    "text",
    "validation_errors",
]


_AT_FIELD = re.compile(r"at `\$\.(?P<field>[a-z_]+)")


def validation_errors(exc: msgspec.ValidationError) -> dict[str, str]:
    """A msgspec validation error as `{field: French sentence}` (`_` when no field is named)."""
    message = str(exc)
    at = _AT_FIELD.search(message)
    field, detail = (at.group("field"), message) if at else field_of_message(message)
    if field is None:
        return {"_": _GENERIC[InvalidInputError]}
    return {field: french_field(field, detail)}


_ROW_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), text)
    for pattern, text in (
        (r"^not a valid email: (.+)$", r"adresse e-mail non valide : \1"),
        (r"^unknown choice\(s\) (.+?)(; expected among .+)?$", r"choix inconnus : \1"),
        (r"^unknown choice (.+)$", r"choix inconnu : \1"),
        (r"^unknown region (.+?)(;.*)?$", r"région inconnue : \1"),
        (r"^expected a number, got (.+)$", r"nombre attendu, reçu \1"),
        (r"^expected oui or non, got (.+)$", r"« oui » ou « non » attendu, reçu \1"),
        (r"^expected from (-?\d+) to (-?\d+)$", r"valeur attendue de \1 à \2"),
        (r"^expected an integer from (-?\d+) to (-?\d+)$", r"nombre entier attendu de \1 à \2"),
        (r"^expected one of .+, got (.+)$", r"choix inconnu : \1"),
        (r"^each line at most (\d+) characters$", r"\1 caractères au plus par ligne"),
        (r"^at most (\d+) lines$", r"\1 lignes au plus"),
        (r"^at most (\d+) characters$", r"\1 caractères au plus"),
        (r"^a member has at most (\d+) open needs$", r"\1 besoins ouverts au plus par membre"),
        (r"^a member has at most (\d+) open offers$", r"\1 apports au plus par membre"),
        (r"^same email as line (\d+)$", r"même adresse e-mail qu'à la ligne \1"),
        (r"^cell too long$", "cellule trop longue"),
        (r"^missing$", "valeur manquante"),
        (r"^an answer is required$", "Une réponse est requise."),
        (r"^expected text$", "texte attendu"),
        (r"^the file is empty$", "Le fichier est vide."),
        (r"^the file is over (\d+) MiB: split it$", r"Le fichier dépasse \1 Mo : découpez-le."),
        (r"^line (\d+): unreadable CSV.*$", r"Ligne \1 : le CSV est illisible."),
        (r"^at most (\d+) rows$", r"\1 lignes au plus : découpez le fichier."),
        (r"^at most (\d+) modules$", r"\1 modules au plus par import."),
        (r"^malformed JSON$", "Le contenu JSON est mal formé."),
        (r"^attach the CSV export as `file`$", "Joignez le fichier CSV exporté."),
        (
            r"^no column '(.+)' \(the members' email\) in the header$",
            r"Aucune colonne « \1 » (l'adresse e-mail des membres) dans l'en-tête.",
        ),
        (
            r"^no column for the required question\(s\) (.+): check the mapping$",
            r"Aucune colonne pour les questions obligatoires \1 : vérifiez la correspondance.",
        ),
    )
)


def row_message(message: str) -> str:
    """An import or answer message in French when it is a known one, else as it is."""
    for pattern, replacement in _ROW_MESSAGES:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


def french_validation(message: str) -> str:
    """A French sentence for a msgspec or schema message (never the schema's own text)."""
    length = re.search(r"length (>=|<=) (\d+)", message)
    if length:
        more = length.group(1) == ">="
        return f"{'Au moins' if more else 'Au plus'} {length.group(2)} caractères ou éléments."
    bounds = re.search(r"(>=|<=|>|<) (-?[\d.]+)", message)
    if bounds:
        words = {">=": "au moins", ">": "plus de", "<=": "au plus", "<": "moins de"}
        return f"La valeur doit être {words[bounds.group(1)]} {bounds.group(2)}."
    if "Expected `int`" in message or "Expected `float`" in message:
        return "Saisissez un nombre."
    if "may not be blank" in message or "blank" in message:
        return "Ce champ ne peut pas être vide."
    if "unknown region" in message:
        return "Région inconnue : choisissez-la dans la liste."
    if "must match pattern" in message or "matching regex" in message:
        return "Le format n'est pas valide."
    if "Invalid enum value" in message:
        return "Choisissez une valeur de la liste."
    translated = row_message(message)
    return translated if translated != message else french(message, InvalidInputError)
