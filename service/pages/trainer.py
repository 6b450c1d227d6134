"""Trainer pages: demand clusters, incubator proposals (adopt one), the catalogue (edit)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import TrainingModule
from service.dependencies import DbSession, TrainingCacheDep
from service.errors import ConflictError, ServiceError
from service.pages.charts import bar_chart, change_chart
from service.pages.guards import principal, trainer_only
from service.pages.layout import field_errors, read_form, redirect, render, text
from service.params import IdPath
from service.reference import REGIONS
from service.training import demand, incubator, module_interest, modules

FORMATS = (("presentiel", "Présentiel"), ("distanciel", "Distanciel"), ("hybride", "Hybride"))
AUDIENCES = (
    ("agents", "Agents"),
    ("managers", "Managers"),
    ("direction", "Direction"),
    ("elus", "Élus"),
)
STATUSES = (("published", "Publié"), ("draft", "Brouillon"), ("archived", "Archivé"))
PAGE_SIZE = 200


@get("/formation/demande", guards=[trainer_only])
async def clusters(
    request: Request[Any, Any, Any], db_session: DbSession, training_cache: TrainingCacheDep
) -> Template:
    """Demand clusters: sizes, change since the last run, catalogue coverage, regions."""
    view = await demand.clusters_view(
        db_session, training_cache, principal(request), include_needs=False
    )
    items = sorted(view.clusters, key=lambda c: c.size, reverse=True)
    regions: Counter[str] = Counter()
    for cluster in items:
        regions.update(cluster.regions)
    labels = [
        f"Petit groupe n° {c.id}"
        if c.label in (None, demand.SMALL_CLUSTER_LABEL)
        else c.label or f"Thème {c.id}"
        for c in items
    ]
    return render(
        request,
        "trainer/clusters.html",
        title="Demande de formation",
        interest=await _interest_rows(db_session),
        generated_at=view.generated_at,
        clusters=list(zip(labels, items, strict=True)),
        sizes_chart=bar_chart(
            [(label, c.size) for label, c in zip(labels, items, strict=True)], "titre-tailles"
        ),
        change_chart=change_chart(
            [(label, c.size_change) for label, c in zip(labels, items, strict=True)],
            "titre-evolution",
        ),
        regions=regions.most_common(),
        regions_chart=bar_chart(regions.most_common(), "titre-regions"),
        covered=sum(1 for c in items if c.covered),
    )


async def _proposals_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    training_cache: Any,
    *,
    notice: str | None = None,
    status_code: int = 200,
) -> Template:
    rows, _ = await incubator.list_proposals(db_session, training_cache, "open", PAGE_SIZE, 0)
    adopted, _ = await incubator.list_proposals(db_session, training_cache, "adopted", PAGE_SIZE, 0)
    await db_session.commit()
    context: dict[str, Any] = {"notice": notice} if notice else {}
    return render(
        request,
        "trainer/proposals.html",
        status_code=status_code,
        title="Incubateur de formations",
        proposals=[incubator.to_read(row) for row in rows],
        adopted=[incubator.to_read(row) for row in adopted],
        **context,
    )


async def _interest_rows(db_session: AsyncSession) -> list[tuple[Any, int]]:
    """Modules members said « Ça m'intéresse » about, the most wanted first, with the count."""
    counts = await module_interest.counts(db_session)
    if not counts:
        return []
    records = await db_session.scalars(
        select(TrainingModule).where(TrainingModule.id.in_(list(counts)))
    )
    return sorted(((r, counts[r.id]) for r in records), key=lambda item: (-item[1], item[0].id))


@get("/formation/incubateur", guards=[trainer_only])
async def proposals(
    request: Request[Any, Any, Any], db_session: DbSession, training_cache: TrainingCacheDep
) -> Template:
    """Proposed modules for uncovered demand, their contributors, and adopted ones."""
    return await _proposals_page(request, db_session, training_cache)


@post("/formation/incubateur/{proposal_id:int}/adopter", guards=[trainer_only])
async def adopt(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    training_cache: TrainingCacheDep,
    proposal_id: IdPath,
) -> Response[Any]:
    """Adopt a proposal: a draft module is created in the catalogue (once: a second click, from
    a page shown before, says it is already adopted)."""
    try:
        module = await incubator.adopt(db_session, proposal_id)
    except ConflictError as exc:
        await db_session.rollback()
        return await _proposals_page(
            request, db_session, training_cache, notice=exc.detail, status_code=409
        )
    await db_session.commit()
    return redirect(f"/formation/catalogue/{module.id}", "adoptee")


@get("/formation/catalogue", guards=[trainer_only])
async def catalogue(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    statut: FromQuery[str] = "",
    format: FromQuery[str] = "",
    public: FromQuery[str] = "",
    region: FromQuery[str] = "",
    q: FromQuery[str] = "",
) -> Template:
    """The catalogue with filters (status, format, audience, region, words)."""
    filters = {"statut": statut, "format": format, "public": public, "region": region, "q": q}
    rows, total = await modules.list_modules(
        db_session,
        principal(request),
        status=statut if statut in dict(STATUSES) else None,
        audience=public if public in dict(AUDIENCES) else None,
        format=format if format in dict(FORMATS) else None,
        region=region if region in REGIONS else None,
        q=q[:120] or None,
        limit=PAGE_SIZE,
        offset=0,
    )
    return render(
        request,
        "trainer/catalogue.html",
        title="Catalogue des formations",
        modules=rows,
        total=total,
        values=filters,
        statuses=STATUSES,
        formats=FORMATS,
        audiences=AUDIENCES,
        regions=[(r, r) for r in REGIONS],
    )


def _module_values(record: Any) -> dict[str, Any]:
    data = modules.to_read(record)
    return {
        "id": data.id,
        "title": data.title,
        "summary": data.summary,
        "objectives": "\n".join(data.objectives),
        "format": data.format,
        "duration_hours": f"{data.duration_hours:g}",
        "audience": list(data.audience),
        "topics": ", ".join(data.topics),
        "region": data.region or "",
        "status": data.status,
        "source": data.source,
        "updated_at": data.updated_at,
        "next_session": data.next_session.isoformat() if data.next_session else "",
    }


def _session_date(value: str) -> date | None:
    """A date typed as 2027-03-15 (the date field) or 15/03/2027; ValueError otherwise."""
    if not value:
        return None
    day, _, rest = value.partition("/")
    if rest:
        month, _, year = rest.partition("/")
        if len(year) != 4:
            raise ValueError(value)
        return date(int(year), int(month), int(day))
    return date.fromisoformat(value)


async def _module_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    module_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    record = await modules.get_module(db_session, principal(request), module_id)
    shown = _module_values(record)
    shown.update(values or {})
    return render(
        request,
        "trainer/module.html",
        status_code=status_code,
        title=f"Module : {record.title}",
        module_id=record.id,
        values=shown,
        errors=errors or {},
        statuses=STATUSES,
        formats=FORMATS,
        audiences=AUDIENCES,
        regions=[(r, r) for r in REGIONS],
    )


@get("/formation/catalogue/{module_id:str}", guards=[trainer_only])
async def module(
    request: Request[Any, Any, Any], db_session: DbSession, module_id: FromPath[str]
) -> Template:
    """Edit one module."""
    return await _module_page(request, db_session, module_id)


@post("/formation/catalogue/{module_id:str}", guards=[trainer_only])
async def save_module(
    request: Request[Any, Any, Any], db_session: DbSession, module_id: FromPath[str]
) -> Response[Any]:
    """Save a module; every catalogue rule is checked, errors shown next to the field."""
    form = await read_form(request)
    typed: dict[str, Any] = {
        name: text(form, name)
        for name in ("title", "summary", "objectives", "format", "duration_hours", "topics")
    }
    typed["region"] = text(form, "region")
    typed["status"] = text(form, "status")
    typed["next_session"] = text(form, "next_session")
    typed["audience"] = [str(value) for value in form.getall("audience", [])]
    errors: dict[str, str] = {}
    duration = typed["duration_hours"].replace(",", ".")
    try:
        hours = float(duration)
    except ValueError:
        errors["duration_hours"] = "Saisissez une durée en heures, par exemple 3,5."
        hours = 0.0
    try:
        next_session = _session_date(typed["next_session"])
    except ValueError:
        errors["next_session"] = "Saisissez une date, par exemple 15/03/2027."
        next_session = None
    changes = {
        "title": typed["title"],
        "summary": typed["summary"],
        "objectives": [line.strip() for line in typed["objectives"].splitlines() if line.strip()],
        "format": typed["format"],
        "duration_hours": hours,
        "audience": typed["audience"],
        "topics": [item.strip() for item in typed["topics"].split(",") if item.strip()],
        "region": typed["region"] or None,
        "status": typed["status"],
        "next_session": next_session,
    }
    for field in ("duration_hours", "next_session"):  # checked with the others meanwhile
        if field in errors:
            del changes[field]
    try:  # every field at fault at once, not one per submit
        await modules.update_module(db_session, principal(request), module_id, changes)
    except ServiceError as exc:
        errors.update(field_errors(exc))
    if not errors:
        await db_session.commit()
        return redirect(f"/formation/catalogue/{module_id}", "module")
    await db_session.rollback()
    return await _module_page(
        request, db_session, module_id, errors=errors, values=typed, status_code=400
    )


TRAINER_HANDLERS = [clusters, proposals, adopt, catalogue, module, save_module]
