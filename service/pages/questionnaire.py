"""The questionnaire page: members answer (or edit) the current version; the profile follows."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from service.db.models import Member
from service.dependencies import DbSession
from service.errors import ServiceError
from service.pages.guards import principal, signed_in
from service.pages.layout import french_validation, read_form, redirect, render
from service.questionnaire import services
from service.questionnaire.prefill import profile_answers
from service.questionnaire.schemas import AnswerValue, Question

PREFIX = "q_"


def _answers_from_form(
    questions: list[Question], form: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers keyed by question key, and the errors of the fields typed wrong."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in questions:
        name = PREFIX + question.key
        if question.kind == "multiple":
            answers[question.key] = [str(value) for value in form.getall(name, [])]
            continue
        value = str(form.get(name) or "").strip()
        if question.kind == "scale" and value:
            if value.lstrip("-").isdigit():
                answers[question.key] = int(value)
            else:
                answers[question.key] = value
                errors[name] = "Saisissez un nombre entier."
            continue
        answers[question.key] = value
    return answers, errors


def _errors_of(exc: ServiceError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for item in exc.extra or []:
        key = str(item.get("key", ""))
        if key.startswith("answers."):
            errors[PREFIX + key.removeprefix("answers.")] = french_validation(
                str(item.get("message", ""))
            )
    return errors or {"_": french_validation(exc.detail)}


async def _from_profile(
    db_session: AsyncSession, questions: list[Question], member_id: int
) -> dict[str, AnswerValue]:
    """What the member's profile already answers (the start of a first response)."""
    member = await db_session.scalar(
        select(Member)
        .where(Member.id == member_id)
        .options(selectinload(Member.needs), selectinload(Member.offers))
    )
    return profile_answers(questions, member) if member is not None else {}


async def _page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    *,
    answers: dict[str, AnswerValue] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    me = principal(request)
    questionnaire = await services.current_questionnaire(db_session)
    questions = services.questions_of(questionnaire)
    response = await services.find_response(db_session, questionnaire.id, me.member_id)
    prefilled = False
    if answers is None and response is not None:
        answers = dict(response.answers)
    elif answers is None:
        answers = await _from_profile(db_session, questions, me.member_id)
        prefilled = bool(answers)
    tool_labels = {
        choice.value: choice.label
        for q in questions
        if q.maps_to == "tools"
        for choice in q.choices
    }
    return render(
        request,
        "member/questionnaire.html",
        status_code=status_code,
        title="Questionnaire : vos attentes",
        questionnaire=services.to_read(questionnaire),
        answered=response is not None,
        prefilled=prefilled,
        tool_labels=tool_labels,
        tools_field=PREFIX + next((q.key for q in questions if q.maps_to == "tools"), ""),
        answers=answers,
        prefix=PREFIX,
        errors=errors or {},
    )


@get("/questionnaire", guards=[signed_in])
async def questionnaire(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    """The current questionnaire, pre-filled with my previous answers."""
    return await _page(request, db_session)


@post("/questionnaire", guards=[signed_in])
async def answer(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """Store my answers and update my profile; errors next to each question."""
    me = principal(request)
    current = await services.current_questionnaire(db_session)
    questions = services.questions_of(current)
    form = await read_form(request)
    answers, errors = _answers_from_form(questions, form)
    if not errors:
        existing = await services.find_response(db_session, current.id, me.member_id)
        baseline = None
        if existing is None:  # the page started from the profile: the answer replaces it
            baseline = await _from_profile(db_session, questions, me.member_id)
        try:
            await services.submit_response(
                db_session,
                me,
                current.version,
                answers,
                replace=existing is not None,
                baseline=baseline,
            )
        except ServiceError as exc:
            errors = _errors_of(exc)
        else:
            await db_session.commit()
            return redirect("/questionnaire", "questionnaire")
    await db_session.rollback()
    return await _page(request, db_session, answers=answers, errors=errors, status_code=400)


QUESTIONNAIRE_HANDLERS = [questionnaire, answer]
