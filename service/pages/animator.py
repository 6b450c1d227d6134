"""Animator pages: expectations dashboard, members list, responses import, cohort assignment."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from service.dependencies import DbSession, IndexKeeperDep, TrainingCacheDep
from service.errors import ServiceError
from service.mail.invitations import (
    ALREADY_SIGNED_IN,
    MAIL_OFF,
    email_invitation,
    last_invitations,
)
from service.matches import cohorts
from service.members import services as members
from service.pages.charts import bar_chart, heatmap
from service.pages.guards import animator_only, principal
from service.pages.layout import field_errors, read_form, redirect, render, text
from service.pagination import MAX_OFFSET
from service.params import CsvHeadersQuery, IdPath
from service.questionnaire import dashboard
from service.questionnaire.csv_import import MAX_CSV_BYTES
from service.questionnaire.importer import import_csv
from service.questionnaire.mapping import default_mapping
from service.questionnaire.services import current_questionnaire, questions_of
from service.questionnaire.template import (
    TEMPLATE_FILENAME,
    ExpectedColumn,
    expected_columns,
    template_csv,
)
from service.reference import ORGANIZATION_TYPE_LABELS, REGIONS
from service.training.demand import SMALL_CLUSTER_LABEL

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
INVITATION_NOTICES = {"invitation-envoyee": "L'invitation est envoyée par e-mail."}
INVITATION_ERRORS = {"deja-connecte": ALREADY_SIGNED_IN, "courriel-desactive": MAIL_OFF}


def _split(rows: list[tuple[str, Any]]) -> tuple[list[tuple[str, int]], list[str]]:
    """The rows with a count to show, and the labels of the groups too small to detail."""
    shown = [(label, value) for label, value in rows if isinstance(value, int)]
    hidden = [label for label, value in rows if not isinstance(value, int)]
    return shown, hidden


def _figure(rows: list[tuple[str, Any]], chart_id: str) -> dict[str, Any]:
    """A bar figure's rows, chart, and the small groups: how many, and their names (a generic
    label such as « Petit groupe » is counted, not repeated)."""
    shown, hidden = _split(rows)
    names = [label for label in dict.fromkeys(hidden) if label != SMALL_CLUSTER_LABEL]
    return {
        "rows": shown,
        "hidden": names,
        "hidden_count": len(hidden),
        "chart": bar_chart(shown, chart_id),
    }


@get("/animation/tableau-de-bord", guards=[animator_only])
async def expectations(
    request: Request[Any, Any, Any], db_session: DbSession, training_cache: TrainingCacheDep
) -> Template:
    """Community expectations: network level, tools and co-usage, needs themes, coaches.

    A group of fewer than 5 respondents is never detailed: a French sentence names the groups
    left out instead of a table of « <5 »."""
    figures = await dashboard.expectations(db_session, None, training_cache)
    levels = [
        (LEVEL_LABELS[key], value) for key, value in figures.network_level.overall.counts.items()
    ]
    tools = [(TOOL_LABELS.get(u.tool, u.tool), u.n) for u in figures.tools.usage]
    themes = [(t.label, t.n) for t in figures.needs.themes]
    terms = themes or [(t.term, t.n) for t in figures.needs.top_terms]
    coaches = [(b.group or "—", b.counts.get("willing", 0)) for b in figures.coaches.by_region]
    co_labels = [TOOL_LABELS.get(t, t) for t in figures.tools.co_usage.tools]
    by_region = [b for b in figures.network_level.by_region if isinstance(b.n, int)]
    small_regions = [b.group or "—" for b in figures.network_level.by_region if b not in by_region]
    regions = {"hidden": small_regions, "hidden_count": len(small_regions)}
    return render(
        request,
        "animator/dashboard.html",
        title="Tableau de bord des attentes",
        figures=figures,
        level_labels=LEVEL_LABELS,
        levels=_figure(levels, "titre-niveau"),
        tools=_figure(tools, "titre-outils"),
        co_labels=co_labels,
        co_chart=heatmap(co_labels, figures.tools.co_usage.counts, "titre-cousage"),
        co_detailed=any(
            isinstance(value, int) for row in figures.tools.co_usage.counts for value in row
        ),
        needs=_figure(terms, "titre-besoins"),
        needs_by_theme=bool(themes),
        coaches=_figure(coaches, "titre-coachs"),
        by_region=by_region,
        small_regions=regions,
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
    invited = await last_invitations(db_session, [row.account_id for row in rows])
    code = request.query_params.get("message", "")
    extra: dict[str, Any] = {}
    if code in INVITATION_NOTICES:
        extra["notice"] = INVITATION_NOTICES[code]
    if code in INVITATION_ERRORS:
        extra["errors"] = {"_": INVITATION_ERRORS[code]}
    return render(
        request,
        "animator/members.html",
        invited=invited,
        **extra,
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


@post("/animation/membres/{member_id:int}/invitation", guards=[animator_only])
async def send_invitation(
    request: Request[Any, Any, Any], db_session: DbSession, member_id: IdPath
) -> Response[Any]:
    """Send (or send again) a member's invitation by e-mail."""
    try:
        await email_invitation(db_session, member_id)
    except ServiceError as exc:
        await db_session.rollback()
        if exc.status_code == 404:
            raise
        code = "deja-connecte" if exc.detail == ALREADY_SIGNED_IN else "courriel-desactive"
        return redirect("/animation/membres", code)
    await db_session.commit()
    return redirect("/animation/membres", "invitation-envoyee")


async def _columns(db_session: AsyncSession) -> list[ExpectedColumn]:
    """The columns the importer reads (the default mapping, the current questions)."""
    questionnaire = await current_questionnaire(db_session)
    return expected_columns(default_mapping(), questions_of(questionnaire))


@get("/animation/import", guards=[animator_only])
async def import_form(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    """Upload a form export (CSV) to preview it before anything changes; the columns expected,
    each with a sentence, and a template to fill in."""
    columns = await _columns(db_session)
    await db_session.commit()  # the default questionnaire may just have been stored
    return render(request, "animator/import.html", title="Importer des réponses", columns=columns)


@get("/animation/import/modele.csv", guards=[animator_only])
async def import_template(db_session: DbSession) -> Response[str]:
    """The template CSV: the expected columns' French headers, ready to fill in."""
    columns = await _columns(db_session)
    await db_session.commit()
    return Response(
        template_csv(columns),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{TEMPLATE_FILENAME}"'},
    )


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
    request: Request[Any, Any, Any], db_session: DbSession, match_index: IndexKeeperDep
) -> Response[Any]:
    """Dry run (`simulation`) shows the plan; `confirmer` creates the proposals."""
    form = await read_form(request)
    confirm = text(form, "action") == "confirmer"
    keep = _kept_pairs(form.getall("binome", [])) if confirm else None
    plan = await cohorts.assign_cohort(
        db_session,
        match_index,
        dry_run=not confirm,
        animator_id=principal(request).member_id,
        keep=keep,
    )
    if confirm:
        await db_session.commit()
    sent = len(plan.assignments)
    notice = None
    if confirm:
        notice = (
            f"{sent} proposition{'s' if sent != 1 else ''} envoyée{'s' if sent != 1 else ''}."
            if sent
            else "Aucun binôme n'était coché : rien n'a été envoyé."
        )
    return render(
        request, "animator/cohort.html", title="Affectation de cohorte", plan=plan, notice=notice
    )


def _kept_pairs(values: list[Any]) -> list[tuple[int, int]]:
    """The pairs ticked on the page (`<mentee id>-<coach id>`); anything else is ignored."""
    pairs = []
    for value in values:
        mentee, _, coach = str(value).partition("-")
        if mentee.isdigit() and coach.isdigit() and len(mentee) < 19 and len(coach) < 19:
            pairs.append((int(mentee), int(coach)))
    return pairs


ANIMATOR_HANDLERS = [
    expectations,
    expectations_csv,
    member_list,
    send_invitation,
    import_form,
    import_template,
    import_preview,
    import_apply,
    cohort_form,
    cohort_run,
]
