"""« Formations pour moi »: modules for my open needs as cards (format, duration, region, next
session), each with « Ça m'intéresse », and tool sheets to start on my own."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy import select

from service.db.models import TrainingModule
from service.dependencies import DbSession, Reads
from service.pages.guards import principal, signed_in
from service.pages.layout import read_form, redirect, render, text
from service.practices.recommend import practices_for
from service.training import module_interest, recommendations

RESULTS = 10
NOTICES = {
    "interet": "C'est noté : les formateurs voient l'intérêt pour ce module.",
    "interet-retire": "Votre intérêt pour ce module est retiré.",
}
FORMAT_LABELS = {"presentiel": "Présentiel", "distanciel": "À distance", "hybride": "Hybride"}


@get("/formations", guards=[signed_in])
async def training(
    request: Request[Any, Any, Any], db_session: DbSession, reads: Reads
) -> Template:
    """Training modules that answer my open needs, with the reasons and what to know."""
    me = principal(request)
    side = reads
    found = await recommendations.training_for(side, me.member_id, RESULTS)
    sheets = await practices_for(side, me.member_id, 5)
    ids = [result.module_id for result in found.results]
    records = {
        record.id: record
        for record in await db_session.scalars(
            select(TrainingModule).where(TrainingModule.id.in_(ids))
        )
    }
    interested = await module_interest.mine(db_session, me.member_id, ids)
    today = date.today()
    cards = [
        {
            "result": result,
            "module": records.get(result.module_id),
            "mine": result.module_id in interested,
            "upcoming": (
                records[result.module_id].next_session
                if result.module_id in records
                and records[result.module_id].next_session is not None
                and records[result.module_id].next_session >= today  # type: ignore[operator]
                else None
            ),
        }
        for result in found.results
    ]
    return render(
        request,
        "member/training.html",
        title="Formations pour moi",
        results=found.results,
        cards=cards,
        format_labels=FORMAT_LABELS,
        sheets=sheets.results,
        notice=NOTICES.get(request.query_params.get("message") or ""),
    )


@post("/formations/{module_id:str}/interet", guards=[signed_in])
async def interest(
    request: Request[Any, Any, Any], db_session: DbSession, module_id: FromPath[str]
) -> Response[Any]:
    """« Ça m'intéresse » (or take it back, `action=retirer`): once per member and module."""
    form = await read_form(request)
    me = principal(request)
    if text(form, "action") == "retirer":
        await module_interest.withdraw(db_session, me, module_id)
        message = "interet-retire"
    else:
        await module_interest.express(db_session, me, module_id)
        message = "interet"
    await db_session.commit()
    return redirect("/formations", message)


TRAINING_HANDLERS = [training, interest]
