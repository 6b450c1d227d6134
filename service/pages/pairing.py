"""The pair's page (`/binomes/{id}`): the other's contact, status, next step, messages, closing.

Both members of a request open it, whatever its status (anybody else: the request's 404, or a
403 for an animator); the contact shows once the request is accepted. The member who asked
also answers the coach's question and the coach's offers from « Mes demandes » (handlers here).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import Lesson, Member
from service.dependencies import DbSession, IndexKeeperDep
from service.errors import ConflictError, ServiceError
from service.matches import messages, offers, requests
from service.matches.schemas import CloseBody, FeedbackBody, MatchRequestRead, ReplyBody
from service.pages.guards import principal, signed_in
from service.pages.layout import field_errors, read_form, redirect, render, text, validation_errors
from service.pages.member import phone_display, requests_page
from service.params import IdPath
from service.themes.services import learn_from_pair

OUTCOMES = (
    ("completed_on_time", "Accompagnement mené à son terme"),
    ("completed_early", "Objectif atteint plus tôt que prévu"),
    ("cancelled", "Accompagnement interrompu"),
)
RATINGS = [(str(n), f"{n} sur 5") for n in range(1, 6)]
THREAD = 200
NOT_ACCEPTED = "Les messages s'échangent une fois la demande acceptée, tant que le binôme dure."


def next_step(read: MatchRequestRead, side: str) -> str:
    """What comes next, in plain French, for the member on `side` of the request."""
    other = read.coach_name if side == "mentee" else read.mentee_name
    steps = {
        ("mentee", "proposed"): f"Votre demande attend la réponse de {other}.",
        ("coach", "proposed"): f"{other} attend votre réponse : acceptez, refusez ou "
        "demandez des précisions depuis « Demandes reçues ».",
        ("mentee", "info_requested"): f"{other} vous demande des précisions : répondez "
        "depuis « Mes demandes ».",
        ("coach", "info_requested"): f"Vous attendez la réponse de {other} à votre question.",
        ("mentee", "accepted"): f"Prenez contact avec {other} (e-mail ou téléphone ci-dessous) "
        "pour convenir d'un premier échange. Quand l'accompagnement est terminé, clôturez-le "
        "en donnant votre retour.",
        ("coach", "accepted"): f"Prenez contact avec {other} (e-mail ou téléphone ci-dessous) "
        "pour convenir d'un premier échange. Quand l'accompagnement est terminé, clôturez-le "
        "en donnant votre retour.",
        ("mentee", "declined"): f"{other} n'a pas pu donner suite. Cherchez une autre "
        "personne depuis « Trouver un coach » ou « Trouver un pair ».",
        ("coach", "declined"): "Vous avez refusé cette demande.",
        ("mentee", "withdrawn"): "Vous avez retiré cette demande.",
        ("coach", "withdrawn"): f"{other} a retiré sa demande.",
    }
    if read.status == "closed":
        return "Ce binôme est clôturé. Merci pour votre retour : il aide la communauté."
    return steps.get((side, read.status), "")


async def _pair_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    request_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    me = principal(request)
    row = await requests.get_request(db_session, me, request_id)
    side = requests.participant_side(row, me)
    read = await requests.to_read(db_session, row, me)
    other = await db_session.get_one(Member, row.coach_id if side == "mentee" else row.mentee_id)
    thread, _ = await messages.list_messages(db_session, me, request_id, THREAD)
    my_lessons = list(
        await db_session.scalars(
            select(Lesson).where(Lesson.request_id == row.id, Lesson.author_id == me.member_id)
        )
    )
    my_rating = read.mentee_rating if side == "mentee" else read.coach_rating
    return render(
        request,
        "member/pairing.html",
        status_code=status_code,
        title=f"Binôme avec {other.display_name}",
        r=read,
        side=side,
        other=other,
        phone=phone_display(read.contact.phone if read.contact else None),
        next_step=next_step(read, side),
        thread=thread,
        me_id=me.member_id,
        can_feedback=read.status == "closed" and my_rating is None and not my_lessons,
        shared_lesson=any(lesson.shared for lesson in my_lessons),
        outcomes=OUTCOMES,
        ratings=RATINGS,
        not_accepted=NOT_ACCEPTED,
        errors=errors or {},
        values=values or {},
    )


@get("/binomes/{request_id:int}", guards=[signed_in])
async def pairing(
    request: Request[Any, Any, Any], db_session: DbSession, request_id: IdPath
) -> Template:
    """The pair's page: contact, status, next step, messages, closing and feedback."""
    return await _pair_page(request, db_session, request_id)


@post("/binomes/{request_id:int}/messages", guards=[signed_in])
async def write(
    request: Request[Any, Any, Any], db_session: DbSession, request_id: IdPath
) -> Response[Any]:
    """Send a message to the other member of the pair."""
    typed = text(await read_form(request), "text")
    try:
        await messages.post_message(db_session, principal(request), request_id, typed)
    except ConflictError:
        errors = {"text": NOT_ACCEPTED}
    except ServiceError as exc:
        errors = {"text": _message_error(field_errors(exc))}
    else:
        await db_session.commit()
        return redirect(f"/binomes/{request_id}", "message-envoye")
    await db_session.rollback()
    return await _pair_page(
        request, db_session, request_id, errors=errors, values={"text": typed}, status_code=400
    )


def _message_error(errors: dict[str, str]) -> str:
    message = errors.get("text") or next(iter(errors.values()))
    if "empty" in message or "vide" in message:
        return "Écrivez votre message avant de l'envoyer."
    return message


def _feedback_body(form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """What was typed, and the body for the service."""
    typed = {
        "outcome": text(form, "outcome"),
        "rating": text(form, "rating"),
        "lesson": text(form, "lesson"),
        "share_lesson": form.get("share_lesson") == "on",
    }
    body = {
        "rating": int(typed["rating"]) if typed["rating"].isdigit() else None,
        "lesson": typed["lesson"] or None,
        "share_lesson": typed["share_lesson"],
    }
    return typed, body


@post("/binomes/{request_id:int}/cloturer", guards=[signed_in])
async def close(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    match_index: IndexKeeperDep,
    request_id: IdPath,
) -> Response[Any]:
    """Close the pair with its outcome, my rating and a lesson (shared if I agree)."""
    me = principal(request)
    requests.participant_side(await requests.get_request(db_session, me, request_id), me)
    typed, body = _feedback_body(await read_form(request))
    try:
        data = msgspec.convert({"outcome": typed["outcome"], **body}, CloseBody)
        row = await requests.close(db_session, me, request_id, data)
        if me.member_id == row.mentee_id:
            await learn_from_pair(db_session, await match_index.sync(), row, data.rating)
    except msgspec.ValidationError as exc:
        errors = validation_errors(exc)
        if "outcome" in errors:
            errors["outcome"] = "Choisissez comment l'accompagnement s'est terminé."
    except ServiceError as exc:
        errors = field_errors(exc)
    else:
        await db_session.commit()
        return redirect(f"/binomes/{request_id}", "cloturee")
    await db_session.rollback()
    errors = {(key if key in typed else "outcome"): value for key, value in errors.items()}
    return await _pair_page(
        request, db_session, request_id, errors=errors, values=typed, status_code=400
    )


@post("/binomes/{request_id:int}/retour", guards=[signed_in])
async def feedback(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    match_index: IndexKeeperDep,
    request_id: IdPath,
) -> Response[Any]:
    """After the other member closed the pair: my rating and lesson."""
    me = principal(request)
    requests.participant_side(await requests.get_request(db_session, me, request_id), me)
    typed, body = _feedback_body(await read_form(request))
    try:
        data = msgspec.convert(body, FeedbackBody)
        row = await requests.feedback(db_session, me, request_id, data)
        if me.member_id == row.mentee_id:
            await learn_from_pair(db_session, await match_index.sync(), row, data.rating)
    except msgspec.ValidationError as exc:
        errors = validation_errors(exc)
    except ServiceError as exc:
        errors = field_errors(exc)
    else:
        await db_session.commit()
        return redirect(f"/binomes/{request_id}", "retour-merci")
    await db_session.rollback()
    errors = {(key if key in typed else "lesson"): value for key, value in errors.items()}
    return await _pair_page(
        request, db_session, request_id, errors=errors, values=typed, status_code=400
    )


@post("/demandes/{request_id:int}/repondre", guards=[signed_in])
async def answer(
    request: Request[Any, Any, Any], db_session: DbSession, request_id: IdPath
) -> Response[Any]:
    """The member who asked answers the coach's question (from « Mes demandes »)."""
    me = principal(request)
    requests.participant_side(await requests.get_request(db_session, me, request_id), me)
    field = f"answer-{request_id}"
    typed = text(await read_form(request), field)
    try:
        data = msgspec.convert({"answer": typed}, ReplyBody)
        await requests.reply(db_session, principal(request), request_id, data.answer)
    except msgspec.ValidationError as exc:
        errors = {field: validation_errors(exc).popitem()[1]}
        if not typed:
            errors[field] = "Écrivez votre réponse avant de l'envoyer."
    except ConflictError as exc:
        errors = {field: field_errors(exc)["_"]}
    else:
        await db_session.commit()
        return redirect("/demandes", "reponse-envoyee")
    await db_session.rollback()
    return await requests_page(
        request,
        db_session,
        errors=errors,
        values={f"answer-{request_id}": typed},
        status_code=400,
    )


@post("/demandes/propositions/{offer_id:int}/accepter", guards=[signed_in])
async def accept_offer(
    request: Request[Any, Any, Any], db_session: DbSession, offer_id: IdPath
) -> Response[Any]:
    """Accept a coach's offer: the pair starts at once (if the coach still has a place)."""
    try:
        row = await offers.accept_offer(db_session, principal(request), offer_id)
    except ConflictError as exc:
        await db_session.rollback()
        errors = {"_": field_errors(exc)["_"]}
        return await requests_page(request, db_session, errors=errors, status_code=409)
    await db_session.commit()
    return redirect(f"/binomes/{row.id}", "proposition-acceptee")


@post("/demandes/propositions/{offer_id:int}/decliner", guards=[signed_in])
async def decline_offer(
    request: Request[Any, Any, Any], db_session: DbSession, offer_id: IdPath
) -> Response[Any]:
    """Decline a coach's offer."""
    await offers.decline_offer(db_session, principal(request), offer_id)
    await db_session.commit()
    return redirect("/demandes", "proposition-declinee")


PAIRING_HANDLERS = [pairing, write, close, feedback, answer, accept_offer, decline_offer]
