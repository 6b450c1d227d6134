"""Library pages: browse by theme, search, read a sheet and its history, write, edit or
suggest, decide suggestions, turn a lesson into a sheet (the wiki import is in
`library_import`, the public page in `community`)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Template

from matching.taxonomy import load_taxonomy
from service.dependencies import DbSession, ThemesDep
from service.errors import PermissionDeniedError, ServiceError
from service.pages.guards import principal, signed_in
from service.pages.layout import field_errors, read_form, redirect, render, text, validation_errors
from service.params import IdPath
from service.practices import lessons, services
from service.practices.schemas import EDITABLE, PracticeChanges, PracticeCreate

AUDIENCES = (
    ("agents", "Agents"),
    ("managers", "Managers"),
    ("direction", "Direction"),
    ("elus", "Élus"),
)
STATUSES = (("draft", "Brouillon"), ("published", "Publiée"))
FIELDS_FR = {
    "title": "Titre",
    "summary": "Résumé",
    "when_to_use": "Quand l'utiliser",
    "steps": "Étapes",
    "duration_minutes": "Durée (minutes)",
    "group_size": "Participants",
    "materials": "Matériel",
    "themes": "Thèmes",
    "audience": "Public",
    "licence": "Licence",
    "status": "Statut",
}
OUTCOMES_FR = {
    "created": "à créer",
    "updated": "à mettre à jour",
    "unchanged": "inchangée",
    "skipped": "ignorée",
    "error": "erreur",
}
MESSAGES = {
    "fiche": "La fiche est enregistrée.",
    "suggestion": "Merci : votre suggestion est transmise à l'auteur de la fiche.",
    "acceptee": "La suggestion est acceptée : la fiche a une nouvelle version.",
    "refusee": "La suggestion est refusée.",
    "interet": "C'est noté : votre intérêt compte dans l'ordre des propositions.",
    "interet-retire": "Votre intérêt est retiré.",
    "lecon": "Votre retour d'expérience est devenu une fiche brouillon : complétez-la.",
}


def _themes() -> list[tuple[str, str]]:
    return [(t.id, t.name) for t in load_taxonomy().themes]


def render_library(request: Request[Any, Any, Any], template: str, **context: Any) -> Template:
    code = request.query_params.get("message")
    if code in MESSAGES:
        context.setdefault("notice", MESSAGES[code])
    context.setdefault("theme_names", dict(_themes()))
    context.setdefault("fields_fr", FIELDS_FR)
    return render(request, template, **context)


@get("/bibliotheque", guards=[signed_in])
async def library(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    themes: ThemesDep,
    q: FromQuery[str] = "",
    theme: FromQuery[str] = "",
    public: FromQuery[str] = "",
) -> Template:
    """Browse by theme, search (accents, case and word forms ignored), shared lessons."""
    me = principal(request)
    names = dict(_themes())
    rows, total = await services.list_practices(
        db_session,
        me,
        q=q[:200] or None,
        theme=theme if theme in names else None,
        audience=public if public in dict(AUDIENCES) else None,
        limit=200,
    )
    authors = await services.author_names(db_session, [r.author_id for r in rows])
    everything, _ = await services.list_practices(db_session, me, status="published", limit=10_000)
    by_theme: dict[str, int] = {}
    for sheet in everything:
        for item in sheet.themes:
            by_theme[item] = by_theme.get(item, 0) + 1
    shared = await lessons.library_lessons(
        db_session, me, themes.current.model, theme if theme in names else None
    )
    return render_library(
        request,
        "library/index.html",
        title="Bibliothèque des outils et pratiques",
        sheets=[services.to_read(r, authors) for r in rows],
        total=total,
        values={"q": q, "theme": theme, "public": public},
        theme_options=_themes(),
        audiences=AUDIENCES,
        browse=[(t, n, by_theme[t]) for t, n in _themes() if t in by_theme],
        lessons=shared[:30],
        can_write=services.can_write(me),
        searching=bool(q or theme or public),
    )


async def _sheet_page(
    request: Request[Any, Any, Any], db_session: Any, practice_id: int, **context: Any
) -> Template:
    me = principal(request)
    record = await services.get_practice(db_session, me, practice_id)
    names = await services.author_names(db_session, [record.author_id])
    history, _ = await services.history(db_session, me, practice_id, 50, 0)
    suggested, _ = await services.suggestions(db_session, me, practice_id, "pending")
    return render_library(
        request,
        "library/sheet.html",
        title=record.title,
        sheet=services.to_read(record, names),
        history=history,
        suggestions=suggested,
        can_edit=services.can_edit(me, record),
        **context,
    )


@get("/bibliotheque/fiche/{practice_id:int}", guards=[signed_in])
async def sheet(
    request: Request[Any, Any, Any], db_session: DbSession, practice_id: IdPath
) -> Template:
    """Read a sheet, its history and (for its editors) the suggestions waiting."""
    return await _sheet_page(request, db_session, practice_id)


def _form_values(form: Any) -> dict[str, Any]:
    names = (
        "title",
        "summary",
        "when_to_use",
        "steps",
        "duration_minutes",
        "group_size",
        "materials",
        "licence",
        "status",
        "comment",
    )
    typed: dict[str, Any] = {name: text(form, name) for name in names}
    typed["themes"] = [str(v) for v in form.getall("themes", [])]
    typed["audience"] = [str(v) for v in form.getall("audience", [])]
    return typed


def _data(typed: dict[str, Any]) -> dict[str, Any]:
    duration = typed["duration_minutes"]
    data: dict[str, Any] = {
        "title": typed["title"],
        "summary": typed["summary"],
        "when_to_use": typed["when_to_use"],
        "steps": [line.strip() for line in typed["steps"].splitlines() if line.strip()],
        "duration_minutes": int(duration) if duration.isdigit() else (duration or None),
        "group_size": typed["group_size"],
        "materials": typed["materials"],
        "audience": typed["audience"],
        "licence": typed["licence"] or "CC BY-SA 4.0",
        "status": typed["status"] or "draft",
    }
    if typed["themes"]:
        data["themes"] = typed["themes"]
    return data


def _edit_context(**extra: Any) -> dict[str, Any]:
    return {"theme_options": _themes(), "audiences": AUDIENCES, "statuses": STATUSES, **extra}


@get("/bibliotheque/nouvelle", guards=[signed_in])
async def new_sheet(request: Request[Any, Any, Any]) -> Template:
    """The form to write a sheet (coaches, trainers, animators)."""
    if not services.can_write(principal(request)):
        raise PermissionDeniedError("Seuls les coachs, formateurs et animateurs écrivent.")
    values = {"licence": "CC BY-SA 4.0", "status": "draft", "themes": [], "audience": []}
    return render_library(
        request, "library/edit.html", title="Écrire une fiche", values=values, **_edit_context()
    )


@post("/bibliotheque/nouvelle", guards=[signed_in])
async def create_sheet(
    request: Request[Any, Any, Any], db_session: DbSession, themes: ThemesDep
) -> Response[Any]:
    """Save a new sheet; without themes chosen, the theme model's suggestion is used."""
    if not services.can_write(principal(request)):
        raise PermissionDeniedError("Seuls les coachs, formateurs et animateurs écrivent.")
    typed = _form_values(await read_form(request))
    try:
        data = msgspec.convert(_data(typed), PracticeCreate)
        record = await services.create_practice(
            db_session, principal(request), data, themes.current.model
        )
    except msgspec.ValidationError as exc:
        errors = validation_errors(exc)
    except ServiceError as exc:
        errors = field_errors(exc)
    else:
        await db_session.commit()
        return redirect(f"/bibliotheque/fiche/{record.id}", "fiche")
    await db_session.rollback()
    return render_library(
        request,
        "library/edit.html",
        status_code=400,
        title="Écrire une fiche",
        values=typed,
        errors=errors,
        **_edit_context(),
    )


@get("/bibliotheque/fiche/{practice_id:int}/modifier", guards=[signed_in])
async def edit_sheet(
    request: Request[Any, Any, Any], db_session: DbSession, themes: ThemesDep, practice_id: IdPath
) -> Template:
    """Edit (author, animators) or suggest an edit (everyone else)."""
    me = principal(request)
    record = await services.get_practice(db_session, me, practice_id)
    read = services.to_read(record, {}, themes.current.model)
    values = {field: getattr(read, field) for field in EDITABLE}
    values["steps"] = "\n".join(read.steps)
    values["duration_minutes"] = str(read.duration_minutes or "")
    return render_library(
        request,
        "library/edit.html",
        title=f"Modifier : {record.title}",
        values={**values, "version": record.version},
        practice_id=record.id,
        suggesting=not services.can_edit(me, record),
        suggested_themes=read.suggested_themes,
        **_edit_context(),
    )


@post("/bibliotheque/fiche/{practice_id:int}/modifier", guards=[signed_in])
async def save_sheet(
    request: Request[Any, Any, Any], db_session: DbSession, practice_id: IdPath
) -> Response[Any]:
    """Apply the edit (kept in the history) or send it as a suggestion."""
    me = principal(request)
    form = await read_form(request)
    typed = _form_values(form)
    record = await services.get_practice(db_session, me, practice_id)
    suggesting = not services.can_edit(me, record)
    data = _data(typed)
    data.setdefault("themes", [])
    data["comment"] = typed["comment"]
    version = text(form, "version")
    if version.isdigit() and not suggesting:
        data["version"] = int(version)
    try:
        changes = msgspec.convert(data, PracticeChanges)
        if suggesting:
            await services.suggest(db_session, me, practice_id, changes)
        else:
            await services.update_practice(db_session, me, practice_id, changes)
    except msgspec.ValidationError as exc:
        errors = validation_errors(exc)
    except ServiceError as exc:
        errors = field_errors(exc)
        if "version" in errors:
            errors["_"] = errors.pop("version")
    else:
        await db_session.commit()
        code = "suggestion" if suggesting else "fiche"
        return redirect(f"/bibliotheque/fiche/{practice_id}", code)
    await db_session.rollback()
    return render_library(
        request,
        "library/edit.html",
        status_code=400,
        title=f"Modifier : {record.title}",
        values={**typed, "version": version},
        practice_id=practice_id,
        suggesting=suggesting,
        errors=errors,
        **_edit_context(),
    )


@post(
    "/bibliotheque/fiche/{practice_id:int}/suggestions/{suggestion_id:int}/accepter",
    guards=[signed_in],
)
async def accept_suggestion(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    practice_id: IdPath,
    suggestion_id: IdPath,
) -> Response[Any]:
    """The author or an animator accepts a suggestion: a new version."""
    await services.decide(db_session, principal(request), practice_id, suggestion_id, accept=True)
    await db_session.commit()
    return redirect(f"/bibliotheque/fiche/{practice_id}", "acceptee")


@post(
    "/bibliotheque/fiche/{practice_id:int}/suggestions/{suggestion_id:int}/refuser",
    guards=[signed_in],
)
async def reject_suggestion(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    practice_id: IdPath,
    suggestion_id: IdPath,
) -> Response[Any]:
    """The author or an animator refuses a suggestion."""
    await services.decide(db_session, principal(request), practice_id, suggestion_id, accept=False)
    await db_session.commit()
    return redirect(f"/bibliotheque/fiche/{practice_id}", "refusee")


@post("/bibliotheque/lecons/{lesson_id:int}/fiche", guards=[signed_in])
async def lesson_to_sheet(
    request: Request[Any, Any, Any], db_session: DbSession, themes: ThemesDep, lesson_id: IdPath
) -> Response[Any]:
    """Turn my shared lesson into a draft sheet."""
    record = await lessons.sheet_from_lesson(
        db_session, principal(request), lesson_id, themes.current.model
    )
    await db_session.commit()
    return redirect(f"/bibliotheque/fiche/{record.id}/modifier", "lecon")


LIBRARY_HANDLERS = [
    library,
    sheet,
    new_sheet,
    create_sheet,
    edit_sheet,
    save_sheet,
    accept_suggestion,
    reject_suggestion,
    lesson_to_sheet,
]
