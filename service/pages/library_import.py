"""Wiki import pages for animators: upload an export, preview each page, then apply."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Template

from service.dependencies import DbSession, ThemesDep
from service.errors import ServiceError
from service.pages.guards import animator_only, principal
from service.pages.layout import field_errors, read_form, redirect, text
from service.pages.library import OUTCOMES_FR, render_library
from service.practices.importer import MAX_IMPORT_BYTES, import_practices


@get("/bibliotheque/import", guards=[animator_only])
async def import_form(request: Request[Any, Any, Any]) -> Template:
    """Upload a wiki export to preview it before anything changes."""
    return render_library(request, "library/import.html", title="Importer le wiki")


@post("/bibliotheque/import", guards=[animator_only], request_max_body_size=MAX_IMPORT_BYTES * 2)
async def import_preview(
    request: Request[Any, Any, Any], db_session: DbSession, themes: ThemesDep
) -> Template:
    """Dry run: what each page would become, the pages in error, and a confirm button."""
    form = await read_form(request)
    upload = form.get("file")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    name = upload.filename if isinstance(upload, UploadFile) else ""
    if not data:
        errors = {"file": "Choisissez l'export XML du wiki ou le zip de fichiers Markdown."}
        return render_library(
            request, "library/import.html", status_code=400, title="Importer le wiki", errors=errors
        )
    try:
        report = await import_practices(
            db_session, data, themes.current.model, partial=True, dry_run=True
        )
    except ServiceError as exc:
        await db_session.rollback()
        return render_library(
            request,
            "library/import.html",
            status_code=400,
            title="Importer le wiki",
            errors={"file": field_errors(exc).popitem()[1]},
        )
    await db_session.rollback()
    return render_library(
        request,
        "library/import.html",
        title="Importer le wiki",
        report=report,
        filename=name,
        outcomes=OUTCOMES_FR,
        payload=base64.b64encode(data).decode("ascii"),
    )


@post(
    "/bibliotheque/import/appliquer",
    guards=[animator_only],
    request_max_body_size=MAX_IMPORT_BYTES * 2,
)
async def import_apply(
    request: Request[Any, Any, Any], db_session: DbSession, themes: ThemesDep
) -> Response[Any]:
    """Import the previewed file: the valid pages (those in error are reported again)."""
    form = await read_form(request)
    try:
        data = base64.b64decode(text(form, "payload"), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if not data:
        return redirect("/bibliotheque/import")
    report = await import_practices(
        db_session, data, themes.current.model, partial=True, importer=principal(request)
    )
    await db_session.commit()
    return render_library(
        request,
        "library/import.html",
        title="Importer le wiki",
        report=report,
        applied=True,
        outcomes={**OUTCOMES_FR, "created": "créée", "updated": "mise à jour"},
        notice="L'import est appliqué.",
    )


IMPORT_HANDLERS = [import_form, import_preview, import_apply]
