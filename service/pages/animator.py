"""Animator pages: expectations dashboard, members list, responses import, cohort assignment."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from service.dependencies import DbSession, MatchIndex, TrainingCacheDep
from service.errors import ServiceError
from service.matches import cohorts
from service.members import services as members
from service.pages.charts import bar_chart, heatmap
from service.pages.guards import animator_only, principal
from service.pages.layout import field_errors, read_form, redirect, render, text
from service.pagination import MAX_OFFSET
from service.params import CsvHeadersQuery
from service.questionnaire import dashboard
from service.questionnaire.csv_import import MAX_CSV_BYTES
from service.questionnaire.importer import import_csv
from service.reference import ORGANIZATION_TYPE_LABELS, REGIONS

LEVEL_LABELS = {"local": "Local", "regional": "Régional", "national": "National"}
TOOL_LABELS = {
    "e_communautes": "e-Communautés",
    "linkedin": "LinkedIn",
    "wiki": "Wiki",
    "autre": "Autre outil",
}
ROLES = (
    ("member", "Membre"),
    ("coach", "Coach"),
    ("trainer", "Formateur ou formatrice"),
    ("animator", "Animateur ou animatrice"),
)
MEMBERS_PAGE = 25


@get("/animation/tableau-de-bord", guards=[animator_only])
async def expectations(
    request: Request[Any, Any, Any], db_session: DbSession, training_cache: TrainingCacheDep
) -> Template:
    """Community expectations: network level, tools and co-usage, needs themes, coaches."""
    figures = await dashboard.expectations(db_session, None, training_cache)
    levels = [
        (LEVEL_LABELS[key], value) for key, value in figures.network_level.overall.counts.items()
    ]
    tools = [(TOOL_LABELS.get(u.tool, u.tool), u.n) for u in figures.tools.usage]
    terms = [(t.label, t.n) for t in figures.needs.themes] or [
        (t.term, t.n) for t in figures.needs.top_terms
    ]
    coaches = [(b.group or "—", b.counts.get("willing", 0)) for b in figures.coaches.by_region]
    co_labels = [TOOL_LABELS.get(t, t) for t in figures.tools.co_usage.tools]
    return render(
        request,
        "animator/dashboard.html",
        title="Tableau de bord des attentes",
        figures=figures,
        level_labels=LEVEL_LABELS,
        levels=levels,
        levels_chart=bar_chart(levels, "titre-niveau"),
        tools=tools,
        tools_chart=bar_chart(tools, "titre-outils"),
        co_labels=co_labels,
        co_chart=heatmap(co_labels, figures.tools.co_usage.counts, "titre-cousage"),
        terms=terms,
        terms_chart=bar_chart(terms, "titre-besoins"),
        coaches=coaches,
        coaches_chart=bar_chart(coaches, "titre-coachs"),
    )


@get("/animation/tableau-de-bord.csv", guards=[animator_only])
async def expectations_csv(
    db_session: DbSession, header_row: CsvHeadersQuery = "fr"
) -> Response[str]:
    """The dashboard figures as a CSV download (same file as the API's)."""
    figures = await dashboard.expectations(db_session, None)
    return Response(
        dashboard.to_csv(figures, keys=header_row == "keys"),
        media_type="text/csv",  # Litestar adds "; charset=utf-8" to text types
        headers={"Content-Disposition": f'attachment; filename="attentes-v{figures.version}.csv"'},
    )


@get("/animation/membres", guards=[animator_only])
async def member_list(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    role: FromQuery[str] = "",
    region: FromQuery[str] = "",
    structure: FromQuery[str] = "",
    q: FromQuery[str] = "",
    page: Annotated[int, QueryParameter(ge=1, le=MAX_OFFSET)] = 1,
) -> Template:
    """Every member, filtered by role, region, type of organisation or name."""
    filters = members.MemberFilters(
        role=role if role in dict(ROLES) else None,
        region=region if region in REGIONS else None,
        organization_type=structure if structure in ORGANIZATION_TYPE_LABELS else None,
        q=q[:120] or None,
    )
    page = max(page, 1)
    rows, total = await members.list_members(
        db_session, principal(request), filters, MEMBERS_PAGE, (page - 1) * MEMBERS_PAGE
    )
    values = {"role": role, "region": region, "structure": structure, "q": q}
    return render(
        request,
        "animator/members.html",
        title="Membres de la communauté",
        members=rows,
        total=total,
        page=page,
        pages=max((total + MEMBERS_PAGE - 1) // MEMBERS_PAGE, 1),
        query={k: v for k, v in values.items() if v},
        values=values,
        roles=ROLES,
        regions=[(r, r) for r in REGIONS],
        structures=list(ORGANIZATION_TYPE_LABELS.items()),
        structure_labels=ORGANIZATION_TYPE_LABELS,
    )


@get("/animation/import", guards=[animator_only])
async def import_form(request: Request[Any, Any, Any]) -> Template:
    """Upload a form export (CSV) to preview it before anything changes."""
    return render(request, "animator/import.html", title="Importer des réponses")


def _row_errors(exc: ServiceError) -> list[dict[str, Any]]:
    return [item for item in exc.extra or [] if "line" in item]


@post("/animation/import", guards=[animator_only], request_max_body_size=MAX_CSV_BYTES * 2)
async def import_preview(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """Dry run of the import: the errors by line, or what would change and a confirm button."""
    form = await read_form(request)
    upload = form.get("file")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    if not data:
        return render(
            request,
            "animator/import.html",
            status_code=400,
            title="Importer des réponses",
            errors={"file": "Choisissez le fichier CSV exporté du formulaire."},
        )
    name = upload.filename if isinstance(upload, UploadFile) else ""
    try:
        report = await import_csv(db_session, data, dry_run=True)
    except ServiceError as exc:
        await db_session.rollback()
        rows = _row_errors(exc)
        return render(
            request,
            "animator/import.html",
            status_code=400,
            title="Importer des réponses",
            filename=name,
            row_errors=rows,
            errors={} if rows else {"file": field_errors(exc).popitem()[1]},
        )
    await db_session.rollback()
    return render(
        request,
        "animator/import.html",
        title="Importer des réponses",
        filename=name,
        report=report,
        payload=base64.b64encode(data).decode("ascii"),
    )


@post(
    "/animation/import/appliquer", guards=[animator_only], request_max_body_size=MAX_CSV_BYTES * 2
)
async def import_apply(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """Apply the previewed import (checked again: all or nothing)."""
    form = await read_form(request)
    try:
        data = base64.b64decode(text(form, "payload"), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if not data:
        return redirect("/animation/import")
    try:
        report = await import_csv(db_session, data)
    except ServiceError as exc:
        await db_session.rollback()
        return render(
            request,
            "animator/import.html",
            status_code=400,
            title="Importer des réponses",
            row_errors=_row_errors(exc),
            errors={} if _row_errors(exc) else {"file": field_errors(exc).popitem()[1]},
        )
    await db_session.commit()
    return render(
        request,
        "animator/import.html",
        title="Importer des réponses",
        report=report,
        applied=True,
        notice="L'import est appliqué.",
    )


@get("/animation/cohorte", guards=[animator_only])
async def cohort_form(request: Request[Any, Any, Any]) -> Template:
    """Explain cohort assignment; the dry run comes first."""
    return render(request, "animator/cohort.html", title="Affectation de cohorte")


@post("/animation/cohorte", guards=[animator_only])
async def cohort_run(
    request: Request[Any, Any, Any], db_session: DbSession, match_index: MatchIndex
) -> Response[Any]:
    """Dry run (`simulation`) shows the plan; `confirmer` creates the proposals."""
    form = await read_form(request)
    confirm = text(form, "action") == "confirmer"
    plan = await cohorts.assign_cohort(db_session, match_index, dry_run=not confirm)
    if confirm:
        await db_session.commit()
    return render(
        request,
        "animator/cohort.html",
        title="Affectation de cohorte",
        plan=plan,
        notice="Les propositions de la cohorte sont créées." if confirm else None,
    )


ANIMATOR_HANDLERS = [
    expectations,
    expectations_csv,
    member_list,
    import_form,
    import_preview,
    import_apply,
    cohort_form,
    cohort_run,
]
