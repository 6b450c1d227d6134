"""Member pages: my profile and needs, find a peer or a coach, my requests (training for me:
`service.pages.training`)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from service.dependencies import DbSession, provide_read_side
from service.errors import ConflictError, ServiceError
from service.matches import offers, queries, requests
from service.matches.schemas import MatchRequestCreate
from service.members import services as members
from service.members.schemas import MemberUpdate, NeedCreate
from service.pages.guards import principal, signed_in
from service.pages.layout import (
    field_errors,
    read_form,
    redirect,
    render,
    text,
    validation_errors,
)
from service.params import IdPath
from service.reference import ORGANIZATION_TYPE_LABELS, REGIONS

TOOLS = (
    ("e_communautes", "e-Communautés"),
    ("linkedin", "LinkedIn"),
    ("wiki", "Wiki de la communauté"),
    ("autre", "Autre outil"),
)
NETWORK_LEVELS = (("local", "Local"), ("regional", "Régional"), ("national", "National"))
FLAGS = ("consent", "paused", "exclude_own_organization", "peer_exchange", "notifications")
KIND_PAGES = {"mentor": "/trouver-un-coach", "peer": "/trouver-un-pair"}
RESULTS = 10


def phone_display(phone: str | None) -> str:
    """`06 12 34 56 78` for `0612345678`."""
    if not phone:
        return ""
    return " ".join(phone[i : i + 2] for i in range(0, len(phone), 2))


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _profile_values(member: Any) -> dict[str, Any]:
    read = members.to_read(member, None)
    values: dict[str, Any] = msgspec.to_builtins(read)
    values["offers"] = "\n".join(read.offers)
    values["topics"] = ", ".join(read.topics)
    values["region"] = read.region or ""
    values["department"] = read.department or ""
    values["phone"] = phone_display(read.phone)
    return values


async def _profile_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    me = principal(request)
    member = await members.get_member(db_session, me, me.member_id)
    shown = _profile_values(member)
    shown.update(values or {})
    needs = sorted(member.needs, key=lambda need: need.id)
    return render(
        request,
        "member/profile.html",
        status_code=status_code,
        title="Mon profil et mes besoins",
        member=member,
        open_needs=[need for need in needs if need.status == "open"],
        met_needs=[need for need in needs if need.status == "met"],
        values=shown,
        errors=errors or {},
        regions=[(region, region) for region in REGIONS],
        organization_types=list(ORGANIZATION_TYPE_LABELS.items()),
        network_levels=NETWORK_LEVELS,
        tools=TOOLS,
    )


@get("/profil", guards=[signed_in])
async def profile(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    """My profile, my open needs (mark met) and a form to add one."""
    return await _profile_page(request, db_session)


@post("/profil", guards=[signed_in])
async def save_profile(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """Save the profile form; errors next to their field, with what was typed."""
    form = await read_form(request)
    typed: dict[str, Any] = {
        name: text(form, name)
        for name in (
            "display_name",
            "job_title",
            "organization",
            "organization_type",
            "region",
            "department",
            "phone",
            "network_level",
            "bio",
            "offers",
            "topics",
            "capacity",
        )
    }
    typed["tools"] = [str(tool) for tool in form.getall("tools", [])]
    for flag in FLAGS:
        typed[flag] = form.get(flag) == "on"
    data: dict[str, Any] = {key: typed[key] for key in typed if key not in ("offers", "topics")}
    data["offers"] = _lines(typed["offers"])
    data["topics"] = [item.strip() for item in typed["topics"].split(",") if item.strip()]
    for choice in ("organization_type", "network_level"):
        if not data[choice]:
            del data[choice]
    data["region"] = typed["region"] or None
    data["department"] = typed["department"] or None
    capacity = typed["capacity"]
    data["capacity"] = int(capacity) if capacity.isdigit() else capacity or 0
    version = text(form, "version")
    if version.isdigit():
        data["version"] = int(version)
    me = principal(request)
    try:
        patch = msgspec.convert(data, MemberUpdate)
        await members.update_member(db_session, me, me.member_id, patch)
    except msgspec.ValidationError as exc:
        errors = validation_errors(exc)
    except ServiceError as exc:
        errors = field_errors(exc)
        if "version" in errors:
            errors["_"] = errors.pop("version")
    else:
        await db_session.commit()
        return redirect("/profil", "profil")
    await db_session.rollback()
    return await _profile_page(request, db_session, errors=errors, values=typed, status_code=400)


@post("/profil/besoins", guards=[signed_in])
async def add_need(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """Add an open need."""
    form = await read_form(request)
    typed = text(form, "text")
    me = principal(request)
    try:
        need = msgspec.convert({"text": typed}, NeedCreate)
        await members.add_need(db_session, me, me.member_id, need.text)
    except msgspec.ValidationError as exc:
        errors = validation_errors(exc)
    except ServiceError as exc:
        errors = field_errors(exc)
    else:
        await db_session.commit()
        return redirect("/profil", "besoin-ajoute")
    await db_session.rollback()
    return await _profile_page(
        request, db_session, errors=errors, values={"text": typed}, status_code=400
    )


@post("/profil/besoins/{need_id:int}/satisfait", guards=[signed_in])
async def need_met(
    request: Request[Any, Any, Any], db_session: DbSession, need_id: IdPath
) -> Response[Any]:
    """Mark one of my needs as met."""
    await members.update_need(db_session, principal(request), need_id, "met", None)
    await db_session.commit()
    return redirect("/profil", "besoin-atteint")


async def _find_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    kind: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    me = principal(request)
    problem, results = None, []
    try:
        found = await queries.find_matches(
            provide_read_side(request),
            me.member_id,
            kind,
            RESULTS,  # type: ignore[arg-type]
        )
        results = found.results
    except ConflictError:
        problem = "consent"
    member = await members.get_member(db_session, me, me.member_id)
    shown = {f"-{result.member_id}" for result in results}
    errors = {
        key if any(key.endswith(suffix) for suffix in shown) else "_": value
        for key, value in (errors or {}).items()
    }
    return render(
        request,
        "member/find.html",
        status_code=status_code,
        title="Trouver un coach" if kind == "mentor" else "Trouver un pair",
        kind=kind,
        results=results,
        problem=problem,
        need_options=[(str(n.id), n.text) for n in member.needs if n.status == "open"],
        errors=errors,
        values=values or {},
    )


@get("/trouver-un-coach", guards=[signed_in])
async def find_coach(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    """Coaches for my needs, best first, with score bars and the reasons."""
    return await _find_page(request, db_session, "mentor")


@get("/trouver-un-pair", guards=[signed_in])
async def find_peer(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    """Peers facing similar questions, best first."""
    return await _find_page(request, db_session, "peer")


@post("/demandes", guards=[signed_in])
async def send_request(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """Send a request (with a message) to a coach or a peer from the results."""
    form = await read_form(request)
    kind = "peer" if text(form, "kind") == "peer" else "mentor"
    target = text(form, "coach_id")
    suffix = f"-{target}"
    message, need = text(form, f"message{suffix}"), text(form, f"need_id{suffix}")
    me = principal(request)
    try:
        data = msgspec.convert(
            {
                "mentee_id": me.member_id,
                "coach_id": int(target) if target.isdigit() else target,
                "need_id": int(need) if need.isdigit() else None,
                "message": message,
                "kind": kind,
            },
            MatchRequestCreate,
        )
        await requests.create_request(db_session, me, data)
    except msgspec.ValidationError as exc:
        errors = validation_errors(exc)
    except ServiceError as exc:
        errors = field_errors(exc)
    else:
        await db_session.commit()
        return redirect("/demandes", "demande-envoyee")
    await db_session.rollback()
    errors = {
        ("message" if key in ("_", "coach_id", "need_id", "kind") else key) + suffix: value
        for key, value in errors.items()
    }
    values = {f"message{suffix}": message, f"need_id{suffix}": need}
    return await _find_page(
        request, db_session, kind, errors=errors, values=values, status_code=400
    )


async def requests_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    """« Mes demandes »: sent and received requests, each with its next action, and the
    offers of coaches."""
    me = principal(request)
    rows, _ = await requests.list_requests(db_session, me, "mentee", None, False, 200, 0)
    sent = [await requests.to_read(db_session, row, me) for row in reversed(rows)]
    rows, _ = await requests.list_requests(db_session, me, "coach", None, False, 200, 0)
    received = [await requests.to_read(db_session, row, me) for row in reversed(rows)]
    return render(
        request,
        "member/requests.html",
        status_code=status_code,
        title="Mes demandes",
        sent=sent,
        received=received,
        offers=await offers.open_offers_for(db_session, me.member_id),
        phone_display=phone_display,
        errors=errors or {},
        values=values or {},
    )


@get("/demandes", guards=[signed_in])
async def my_requests(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    """The requests I sent and received, with their status and what to do next."""
    return await requests_page(request, db_session)


@post("/demandes/{request_id:int}/retirer", guards=[signed_in])
async def withdraw_request(
    request: Request[Any, Any, Any], db_session: DbSession, request_id: IdPath
) -> Response[Any]:
    """Take back a request still waiting for an answer."""
    await requests.withdraw(db_session, principal(request), request_id)
    await db_session.commit()
    return redirect("/demandes", "demande-retiree")


MEMBER_HANDLERS = [
    profile,
    save_profile,
    add_need,
    need_met,
    find_coach,
    find_peer,
    send_request,
    my_requests,
    withdraw_request,
]
