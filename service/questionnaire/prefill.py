"""What a member's profile already answers: the questionnaire page starts from it.

A member who has not answered the current version finds the questions mapped to a profile field
filled in from their profile (scale, region, structure, tools, needs, offers, capacity, topics);
their own answers, once given, take over.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.db.models import Member
from service.questionnaire.schemas import AnswerValue, Question
from service.reference import fold


def _choice(question: Question, value: object) -> str | None:
    values = {choice.value for choice in question.choices}
    return value if isinstance(value, str) and value in values else None


def _value(question: Question, member: Member) -> AnswerValue | None:
    target = question.maps_to
    if target in ("network_level", "organization_type"):
        return _choice(question, getattr(member, target))
    if target == "region":
        if question.kind == "text":
            return member.region or None
        return _choice(question, member.region)
    if target == "tools":
        ticked = set(member.tools or ())
        return [choice.value for choice in question.choices if choice.value in ticked] or None
    if target == "topics":
        topics = {fold(topic) for topic in member.topics or ()}
        chosen = [c.value for c in question.choices if fold(c.label) in topics]
        return chosen or None
    if target == "needs":
        needs = [need.text for need in member.needs if need.status == "open"]
        return "\n".join(needs) or None
    if target == "offers":
        return "\n".join(offer.text for offer in member.offers) or None
    if target == "capacity":
        return member.capacity
    return None


def profile_answers(questions: Sequence[Question], member: Member) -> dict[str, AnswerValue]:
    """The answers the profile gives (needs and offers loaded on `member`), blank ones left out."""
    answers: dict[str, AnswerValue] = {}
    for question in questions:
        if question.maps_to is None:
            continue
        value = _value(question, member)
        if value is not None:
            answers[question.key] = value
    return answers
