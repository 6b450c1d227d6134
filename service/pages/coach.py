"""Coach pages: who I am best placed to help, incoming requests, my remaining capacity.

Suggestions are for coaches and trainers; anyone may receive a request (peers ask peers), so
the incoming requests page is open to every signed-in person, each seeing only their own.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import Member
from service.dependencies import DbSession, provide_read_side
from service.errors import ConflictError
from service.matches import offers, queries, requests
from service.matches.exclusions import PENDING, remaining_capacity
from service.matches.schemas import AskBody
from service.members import services as members
from service.members.schemas import MemberUpdate
from service.pages.guards import coach_only, principal, signed_in
from service.pages.layout import field_errors, read_form, redirect, render, text, validation_errors
from service.params import IdPath

_NEED_QUOTE = re.compile(r"\s*/\s*son besoin « [^»]* »|son besoin « [^»]* »\s*/\s*")


def _without_need_quote(reason: str) -> str:
    """A reason without its quote of the member's need (the need is shown once, above it)."""
    return _NEED_QUOTE.sub("", reason)


async def _suggestions_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    me = principal(request)
    problem, found = None, None
    try:
        found = await queries.coach_suggestions(provide_read_side(request), me.member_id, 10)
    except ConflictError:
        problem = "consent"
    results = []
    for result in found.results if found else []:
        needs = list({need.id: need for need in result.needs}.values())
        reasons = [_without_need_quote(reason) for reason in result.reasons]
        results.append(
            msgspec.structs.replace(
                result, needs=needs, reasons=list(dict.fromkeys(r for r in reasons if r))
            )
        )
    return render(
        request,
        "coach/suggestions.html",
        status_code=status_code,
        title="Qui accompagner",
        problem=problem,
        results=results,
        offered=await offers.open_offers_by(db_session, me.member_id),
        errors=errors or {},
        remaining=(
            found.remaining_capacity
            if found
            else await remaining_capacity(db_session, me.member_id)
        ),
    )


@get("/accompagnement", guards=[coach_only])
async def suggestions(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    """Members I am best placed to help, why, and my remaining capacity."""
    return await _suggestions_page(request, db_session)


@post("/accompagnement/proposer/{member_id:int}", guards=[coach_only])
async def propose(
    request: Request[Any, Any, Any], db_session: DbSession, member_id: IdPath
) -> Response[Any]:
    """« Proposer un accompagnement »: the member sees the offer on « Mes demandes »."""
    form = await read_form(request)
    need = text(form, "need_id")
    message = text(form, f"message-{member_id}")
    if len(message) > 2000:
        errors = {f"offer-{member_id}": "Votre mot dépasse 2 000 caractères : raccourcissez-le."}
        return await _suggestions_page(request, db_session, errors=errors, status_code=400)
    try:
        await offers.make_offer(
            db_session,
            principal(request),
            member_id,
            int(need) if need.isdigit() else None,
            message,
        )
    except ConflictError as exc:
        await db_session.rollback()
        errors = {f"offer-{member_id}": field_errors(exc)["_"]}
        return await _suggestions_page(request, db_session, errors=errors, status_code=409)
    await db_session.commit()
    return redirect("/accompagnement", "proposition-envoyee")


async def _incoming_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    me = principal(request)
    rows, _ = await requests.list_requests(db_session, me, "coach", None, False, 200, 0)
    items = [await requests.to_read(db_session, row, me) for row in reversed(rows)]
    ids = {item.mentee_id for item in items if item.status in PENDING}
    people = {
        member.id: member
        for member in await db_session.scalars(select(Member).where(Member.id.in_(ids)))
    }
    myself = await db_session.get_one(Member, me.member_id)
    return render(
        request,
        "coach/incoming.html",
        status_code=status_code,
        title="Demandes reçues",
        pending=[r for r in items if r.status in PENDING],
        accepted=[r for r in items if r.status == "accepted"],
        past=[r for r in items if r.status in ("declined", "withdrawn", "closed")],
        people=people,
        paused=myself.paused,
        remaining=await remaining_capacity(db_session, me.member_id),
        errors=errors or {},
        values=values or {},
    )


@get("/accompagnement/demandes", guards=[signed_in])
async def incoming(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    """Requests addressed to me: accept, decline, close."""
    return await _incoming_page(request, db_session)


async def _refused(
    request: Request[Any, Any, Any], db_session: AsyncSession, errors: dict[str, str]
) -> Template:
    await db_session.rollback()
    return await _incoming_page(request, db_session, errors=errors, status_code=409)


@post("/accompagnement/demandes/{request_id:int}/accepter", guards=[signed_in])
async def accept(
    request: Request[Any, Any, Any], db_session: DbSession, request_id: IdPath
) -> Response[Any]:
    """Accept a pending request (refused when my capacity is used up)."""
    try:
        await requests.accept(db_session, principal(request), request_id)
    except ConflictError as exc:
        return await _refused(request, db_session, {"_": field_errors(exc)["_"]})
    await db_session.commit()
    return redirect("/accompagnement/demandes", "acceptee")


@post("/accompagnement/demandes/{request_id:int}/refuser", guards=[signed_in])
async def decline(
    request: Request[Any, Any, Any], db_session: DbSession, request_id: IdPath
) -> Response[Any]:
    """Decline a pending request, optionally pausing new requests."""
    form = await read_form(request)
    try:
        await requests.decline(
            db_session, principal(request), request_id, pause=form.get("pause") == "on"
        )
    except ConflictError as exc:
        return await _refused(request, db_session, {"_": field_errors(exc)["_"]})
    await db_session.commit()
    return redirect("/accompagnement/demandes", "refusee")


@post("/accompagnement/demandes/{request_id:int}/precisions", guards=[signed_in])
async def ask(
    request: Request[Any, Any, Any], db_session: DbSession, request_id: IdPath
) -> Response[Any]:
    """« Demander des précisions »: the request waits for the member's answer."""
    me = principal(request)
    requests.participant_side(await requests.get_request(db_session, me, request_id), me)
    field = f"question-{request_id}"
    typed = text(await read_form(request), field)
    try:
        data = msgspec.convert({"question": typed}, AskBody)
        await requests.ask(db_session, principal(request), request_id, data.question)
    except msgspec.ValidationError as exc:
        errors = {field: validation_errors(exc).popitem()[1]}
        if not typed:
            errors[field] = "Écrivez votre question avant de l'envoyer."
    except ConflictError as exc:
        errors = {field: field_errors(exc)["_"]}
    else:
        await db_session.commit()
        return redirect("/accompagnement/demandes", "precisions")
    await db_session.rollback()
    return await _incoming_page(
        request, db_session, errors=errors, values={field: typed}, status_code=400
    )


@post("/accompagnement/pause", guards=[signed_in])
async def pause(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """Suspend (or resume) new requests and suggestions: its own action, for every request."""
    paused = text(await read_form(request), "paused") == "oui"
    me = principal(request)
    try:  # one flag, no version: nothing else of the profile can be lost
        await members.update_member(db_session, me, me.member_id, MemberUpdate(paused=paused))
    except ConflictError as exc:
        return await _refused(request, db_session, {"_": field_errors(exc)["_"]})
    await db_session.commit()
    return redirect("/accompagnement/demandes", "pause" if paused else "reprise")


COACH_HANDLERS = [suggestions, propose, incoming, accept, decline, ask, pause]
