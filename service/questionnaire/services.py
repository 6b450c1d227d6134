"""Questionnaire logic: versions, answer validation, the mapping to profiles, responses."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import msgspec
import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from service.accounts.principal import Principal
from service.csv_safety import FORMULA_STARTS
from service.db.changes import record_changes
from service.db.models import Member, utcnow
from service.errors import ConflictError, InvalidInputError, NotFoundError
from service.members.services import apply_profile
from service.questionnaire.models import Questionnaire, QuestionnaireResponse
from service.questionnaire.schemas import (
    AnswerValue,
    Question,
    QuestionnaireCreate,
    QuestionnaireRead,
    ResponseRead,
)
from service.reference import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    ORGANIZATION_TYPE_LABELS,
    fold,
    normalize_region,
)

MAX_ITEMS = 10
MAX_ITEM_LENGTH = 500
MAX_TEXT_LENGTH = 5000
TOPIC_MAX_LENGTH = 60
TOOLS = ("e_communautes", "linkedin", "wiki", "autre")
_ALLOWED_VALUES: dict[str, tuple[str, ...]] = {
    "network_level": ("local", "regional", "national"),
    "tools": TOOLS,
    "organization_type": tuple(ORGANIZATION_TYPE_LABELS),
}
_TARGET_KINDS: dict[str, tuple[str, ...]] = {
    "network_level": ("single",),
    "region": ("single", "text"),
    "organization_type": ("single",),
    "tools": ("multiple",),
    "topics": ("multiple",),
    "needs": ("text",),
    "offers": ("text",),
    "capacity": ("scale",),
}
_BULLET = re.compile(r"^\s*(?:[-•*·]|\d+[.)])\s*")


# --- definitions -------------------------------------------------------------------------------


@cache
def default_definition() -> QuestionnaireCreate:
    """The questionnaire shipped with the project (`data/default_questionnaire.yaml`)."""
    raw = resources.files(__package__).joinpath("data", "default_questionnaire.yaml")
    return msgspec.convert(yaml.safe_load(raw.read_text("utf-8")), QuestionnaireCreate)


def _definition_error(question: Question, message: str) -> InvalidInputError:
    return InvalidInputError.for_field(f"questions.{question.key}", message)


def with_capacity_range(questions: Sequence[Question]) -> list[Question]:
    """The questions, the one mapped to `capacity` bounded like the profile's capacity.

    Capacity has one range everywhere (`service.reference.CAPACITY_MIN`/`CAPACITY_MAX`):
    whatever bounds a version was written with (older versions said 0 to 5), the page, the
    API and imports take the profile's.
    """
    return [
        msgspec.structs.replace(q, scale_min=CAPACITY_MIN, scale_max=CAPACITY_MAX)
        if q.maps_to == "capacity"
        else q
        for q in questions
    ]


def check_definition(data: QuestionnaireCreate) -> None:
    """Refuse duplicate keys, choice-less choice questions and mappings a profile cannot take."""
    seen: set[str] = set()
    targets: set[str] = set()
    for question in data.questions:
        if question.key in seen:
            raise _definition_error(question, "duplicate key")
        seen.add(question.key)
        values = [choice.value for choice in question.choices]
        formulas = [value for value in values if value.startswith(FORMULA_STARTS)]
        if formulas:
            raise _definition_error(
                question,
                f"a choice value may not start with = + - @, a tab or a carriage return "
                f"(it would become a formula in CSV exports): {formulas}",
            )
        if question.kind in ("single", "multiple") and not values:
            raise _definition_error(question, f"a '{question.kind}' question needs choices")
        if len(set(values)) != len(values):
            raise _definition_error(question, "duplicate choice value")
        if question.kind == "scale" and question.scale_min >= question.scale_max:
            raise _definition_error(question, "scale_min must be below scale_max")
        if question.usage_of is not None and question.usage_of not in TOOLS:
            raise _definition_error(question, f"usage_of must be one of {', '.join(TOOLS)}")
        target = question.maps_to
        if target is None:
            continue
        if target in targets:
            raise _definition_error(question, f"another question already maps to '{target}'")
        targets.add(target)
        if question.kind not in _TARGET_KINDS[target]:
            kinds = " or ".join(_TARGET_KINDS[target])
            raise _definition_error(question, f"a question mapped to '{target}' must be {kinds}")
        allowed = _ALLOWED_VALUES.get(target)
        wrong = [value for value in values if allowed is not None and value not in allowed]
        if target == "region":
            wrong = [value for value in values if not _is_region(value)]
        if wrong:
            raise _definition_error(question, f"choices not valid for '{target}': {wrong}")
        if target == "topics" and any(len(c.label) > TOPIC_MAX_LENGTH for c in question.choices):
            raise _definition_error(question, f"topic labels are at most {TOPIC_MAX_LENGTH} long")


def _is_region(value: str) -> bool:
    try:
        normalize_region(value)
    except ValueError:
        return False
    return True


def questions_of(questionnaire: Questionnaire) -> list[Question]:
    """The questions of a stored version (capacity in the profile's range)."""
    return with_capacity_range(msgspec.convert(questionnaire.questions, list[Question]))


def to_read(questionnaire: Questionnaire) -> QuestionnaireRead:
    """The API view of a version."""
    return QuestionnaireRead(
        version=questionnaire.version,
        title=questionnaire.title,
        questions=questions_of(questionnaire),
        created_at=questionnaire.created_at,
        closed_at=questionnaire.closed_at,
    )


async def _add_version(session: AsyncSession, data: QuestionnaireCreate) -> Questionnaire:
    latest = await session.scalar(select(func.max(Questionnaire.version)))
    questionnaire = Questionnaire(
        version=(latest or 0) + 1,
        title=data.title,
        questions=msgspec.to_builtins(with_capacity_range(data.questions)),
    )
    session.add(questionnaire)
    await session.flush()
    return questionnaire


async def _ensure_default(session: AsyncSession) -> None:
    """The default questionnaire becomes version 1 the first time any version is asked for."""
    if not await session.scalar(select(func.count(Questionnaire.id))):
        await _add_version(session, default_definition())


async def current_questionnaire(session: AsyncSession) -> Questionnaire:
    """The newest open version (the default questionnaire on a fresh community)."""
    await _ensure_default(session)
    current = await session.scalar(
        select(Questionnaire)
        .where(Questionnaire.closed_at.is_(None))
        .order_by(Questionnaire.version.desc())
        .limit(1)
    )
    if current is None:
        raise NotFoundError("Every questionnaire version is closed: an animator opens a new one.")
    return current


async def get_questionnaire(session: AsyncSession, version: int | None) -> Questionnaire:
    """Version `version`, or the current one when None."""
    if version is None:
        return await current_questionnaire(session)
    await _ensure_default(session)
    found = await session.scalar(select(Questionnaire).where(Questionnaire.version == version))
    if found is None:
        raise NotFoundError(f"Questionnaire version {version} not found.")
    return found


async def create_version(session: AsyncSession, data: QuestionnaireCreate) -> Questionnaire:
    """A new version (animators); older versions and their answers stay as they were."""
    data = msgspec.structs.replace(data, questions=with_capacity_range(data.questions))
    check_definition(data)
    return await _add_version(session, data)


async def close_version(session: AsyncSession, version: int) -> Questionnaire:
    """Stop taking answers for a version (closing twice is harmless)."""
    questionnaire = await get_questionnaire(session, version)
    if questionnaire.closed_at is None:
        questionnaire.closed_at = utcnow()
        await session.flush()
    return questionnaire


# --- answers -----------------------------------------------------------------------------------


def split_items(text: str) -> list[str]:
    """One item per line, bullets removed, blanks and duplicates dropped (the same text, case,
    accents and punctuation aside, counts once: the first spelling is kept)."""
    items: dict[str, str] = {}
    for line in text.splitlines():
        item = _BULLET.sub("", line).strip()
        if item and fold(item) not in items:
            items[fold(item)] = item
    return list(items.values())


def _check_answer(question: Question, value: Any) -> AnswerValue:
    """The answer to store, or ValueError with a message about this question."""
    values = [choice.value for choice in question.choices]
    if question.kind == "single":
        if not isinstance(value, str) or value not in values:
            raise ValueError(f"expected one of {values}, got {value!r}")
        return value
    if question.kind == "multiple":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ValueError(f"expected a list of choices among {values}")
        wrong = [item for item in value if item not in values]
        if wrong:
            raise ValueError(f"unknown choice(s) {wrong}; expected among {values}")
        return [item for item in values if item in value]
    if question.kind == "scale":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(
                f"expected an integer from {question.scale_min} to {question.scale_max}"
            )
        if not question.scale_min <= value <= question.scale_max:
            raise ValueError(f"expected from {question.scale_min} to {question.scale_max}")
        return value
    if not isinstance(value, str):
        raise ValueError("expected text")
    value = value.strip()
    if len(value) > MAX_TEXT_LENGTH:
        raise ValueError(f"at most {MAX_TEXT_LENGTH} characters")
    if question.maps_to in ("needs", "offers"):
        items = split_items(value)
        if len(items) > MAX_ITEMS:
            raise ValueError(f"at most {MAX_ITEMS} lines")
        if any(len(item) > MAX_ITEM_LENGTH for item in items):
            raise ValueError(f"each line at most {MAX_ITEM_LENGTH} characters")
    if question.maps_to == "region" and value and not _is_region(value):
        raise ValueError(f"unknown region {value!r}")
    return value


def _is_blank(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def ticked_tools(questions: Sequence[Question], answers: Mapping[str, Any]) -> set[str] | None:
    """The tools ticked in `answers`, or None when no question asks which tools are used."""
    key = next((q.key for q in questions if q.maps_to == "tools"), None)
    if key is None:
        return None
    value = answers.get(key)
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return {str(item) for item in values}


def validate_answers(
    questions: Sequence[Question], answers: Mapping[str, Any]
) -> tuple[dict[str, AnswerValue], list[tuple[str, str]]]:
    """The cleaned answers (blank ones dropped) and every problem as `(question key, message)`.

    What a tool is used for is only asked about the tools ticked: an answer to a `usage_of`
    question whose tool is not ticked is ignored (not stored, not checked).
    """
    by_key = {question.key: question for question in questions}
    errors = [(key, "unknown question") for key in answers if key not in by_key]
    clean: dict[str, AnswerValue] = {}
    ticked = ticked_tools(questions, answers)
    for question in questions:
        value = answers.get(question.key)
        if question.usage_of is not None and ticked is not None and question.usage_of not in ticked:
            continue
        if _is_blank(value):
            if question.required:
                errors.append((question.key, "an answer is required"))
            continue
        try:
            clean[question.key] = _check_answer(question, value)
        except ValueError as exc:
            errors.append((question.key, str(exc)))
    return clean, errors


def raise_for_answers(errors: list[tuple[str, str]]) -> None:
    """422 naming every question in `errors`."""
    if errors:
        keys = ", ".join(key for key, _ in errors)
        raise InvalidInputError(
            f"Invalid answers for: {keys}.",
            [{"key": f"answers.{key}", "message": message} for key, message in errors],
        )


# --- the mapping to profile fields -------------------------------------------------------------


def _merge_items(current: Sequence[str], previous: Sequence[str], new: Sequence[str]) -> list[str]:
    """Replace the items a previous answer brought by the new answer's, keep the others."""
    dropped = {fold(item) for item in previous} - {fold(item) for item in new}
    kept = [item for item in current if fold(item) not in dropped]
    known = {fold(item) for item in kept}
    merged = list(kept)
    for item in new:  # never a second item with the same text, case and accents aside
        if fold(item) not in known:
            known.add(fold(item))
            merged.append(item)
    return merged


def profile_changes(
    questions: Sequence[Question],
    answers: Mapping[str, AnswerValue],
    previous: Mapping[str, AnswerValue] | None,
    open_needs: Sequence[str],
    offers: Sequence[str],
) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Profile fields the answers set, for `apply_profile`, and mapping problems by question.

    Needs and offers from a previous answer to the same version are replaced; the member's
    other needs and offers stay.
    """
    changes: dict[str, object] = {}
    errors: list[tuple[str, str]] = []
    for question in questions:
        target = question.maps_to
        if target is None:
            continue
        value = answers.get(question.key)
        old = (previous or {}).get(question.key)
        if target in ("needs", "offers"):
            if value is None and old is None:
                continue
            current = open_needs if target == "needs" else offers
            items = _merge_items(
                current,
                split_items(old) if isinstance(old, str) else [],
                split_items(value) if isinstance(value, str) else [],
            )
            if len(items) > MAX_ITEMS:
                errors.append((question.key, f"a member has at most {MAX_ITEMS} open {target}"))
            changes[target] = items
        elif value is None:
            continue
        elif target == "region":
            changes["region"] = normalize_region(str(value))
        elif target == "topics" and isinstance(value, list):
            labels = {choice.value: choice.label for choice in question.choices}
            changes["topics"] = [labels[item] for item in value]
        else:
            changes[target] = value
    return changes, errors


# --- responses ---------------------------------------------------------------------------------


def response_to_read(response: QuestionnaireResponse, version: int) -> ResponseRead:
    """The API view of a response."""
    return ResponseRead(
        version=version,
        member_id=response.member_id,
        answers=dict(response.answers),
        source=response.source,
        created_at=response.created_at,
        updated_at=response.updated_at,
    )


async def _open_version(session: AsyncSession, version: int) -> Questionnaire:
    questionnaire = await get_questionnaire(session, version)
    if questionnaire.closed_at is not None:
        raise ConflictError(f"Questionnaire version {version} is closed: answers are final.")
    return questionnaire


async def find_response(
    session: AsyncSession, questionnaire_id: int, member_id: int
) -> QuestionnaireResponse | None:
    """A member's response to a version, if any."""
    return await session.scalar(
        select(QuestionnaireResponse).where(
            QuestionnaireResponse.questionnaire_id == questionnaire_id,
            QuestionnaireResponse.member_id == member_id,
        )
    )


async def my_response(session: AsyncSession, principal: Principal, version: int) -> ResponseRead:
    """The caller's response to `version`, or 404."""
    questionnaire = await get_questionnaire(session, version)
    response = await find_response(session, questionnaire.id, principal.member_id)
    if response is None:
        raise NotFoundError(f"You have not answered version {version}.")
    return response_to_read(response, version)


async def submit_response(
    session: AsyncSession,
    principal: Principal,
    version: int,
    answers: Mapping[str, Any],
    *,
    replace: bool,
    baseline: Mapping[str, AnswerValue] | None = None,
) -> ResponseRead:
    """Store the caller's answers and update their profile through the mapping, together.

    `replace=False` creates (409 if they already answered); `replace=True` edits (404 if not).
    `baseline`: the answers a first response started from (the page pre-fills the profile's):
    a need or offer taken out of them is taken off the profile, as for an edited response.
    """
    questionnaire = await _open_version(session, version)
    questions = questions_of(questionnaire)
    clean, errors = validate_answers(questions, answers)
    raise_for_answers(errors)
    response = await find_response(session, questionnaire.id, principal.member_id)
    if response is not None and not replace:
        raise ConflictError(
            f"You already answered version {version}: edit your response with PUT.",
            [{"key": "version", "message": "already answered"}],
        )
    if response is None and replace:
        raise NotFoundError(f"You have not answered version {version}.")
    member = await session.scalar(
        select(Member)
        .where(Member.id == principal.member_id)
        .options(selectinload(Member.needs), selectinload(Member.offers))
    )
    if member is None:
        raise NotFoundError(f"Member {principal.member_id} not found.")
    previous = dict(response.answers) if response is not None else None
    if previous is None and baseline is not None:
        previous = dict(baseline)
    changes, errors = profile_changes(
        questions,
        clean,
        previous,
        [need.text for need in member.needs if need.status == "open"],
        [offer.text for offer in member.offers],
    )
    raise_for_answers(errors)
    apply_profile(member, changes)
    member.updated_at = utcnow()  # the UPDATE bumps `version` (SQLAlchemy's version counter)
    if response is None:
        response = QuestionnaireResponse(
            questionnaire_id=questionnaire.id, member_id=member.id, answers=clean, source="member"
        )
        session.add(response)
    else:
        response.answers = clean
        response.source = "member"
        response.updated_at = utcnow()
    await session.flush()
    await record_changes(session, [member.id])
    return response_to_read(response, version)
