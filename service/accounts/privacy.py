"""The member's rights under the RGPD: see everything held about them, and erase it.

Erasure removes the account, the profile, needs, offers, tokens, match requests on both sides,
questionnaire responses, followed modules and interest in modules (database cascades), deletes
the lessons the member did not share, keeps shared lessons only detached from them (no author,
no request), removes them from incubator proposals' contributors, and logs the change so every
worker drops them from its matching index and the demand clusters are recomputed at the next
read.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts.principal import Principal
from service.db.models import (
    ApiToken,
    CoachOffer,
    FollowedModule,
    Lesson,
    MailOutbox,
    MatchRequest,
    ModuleInterest,
    ModuleProposal,
    Need,
    PairMessage,
    Practice,
    PracticeRevision,
    ProposalInterest,
    utcnow,
)
from service.members.services import delete_member, get_managed_member, need_to_read, to_read
from service.questionnaire.models import Questionnaire, QuestionnaireResponse


def _row(instance: Any, *fields: str) -> dict[str, Any]:
    return {field: msgspec.to_builtins(getattr(instance, field)) for field in fields}


async def export_member(session: AsyncSession, principal: Principal) -> dict[str, Any]:
    """Everything Passerelle holds about the caller, as plain JSON."""
    me = principal.member_id
    member = await get_managed_member(session, principal, me)
    needs = await session.scalars(select(Need).where(Need.member_id == me).order_by(Need.id))
    requests = await session.scalars(
        select(MatchRequest)
        .where(or_(MatchRequest.mentee_id == me, MatchRequest.coach_id == me))
        .order_by(MatchRequest.id)
    )
    responses = await session.execute(
        select(QuestionnaireResponse, Questionnaire.version)
        .join(Questionnaire, Questionnaire.id == QuestionnaireResponse.questionnaire_id)
        .where(QuestionnaireResponse.member_id == me)
    )
    lessons = await session.scalars(select(Lesson).where(Lesson.author_id == me))
    followed = await session.scalars(
        select(FollowedModule.module_id).where(FollowedModule.member_id == me)
    )
    tokens = await session.scalars(select(ApiToken).where(ApiToken.account_id == member.account_id))
    sheets = await session.scalars(select(Practice).where(Practice.author_id == me))
    changes = await session.scalars(
        select(PracticeRevision).where(PracticeRevision.author_id == me)
    )
    interests = await session.scalars(
        select(ProposalInterest).where(ProposalInterest.member_id == me)
    )
    messages = await session.scalars(
        select(PairMessage).where(PairMessage.author_id == me).order_by(PairMessage.id)
    )
    offers = await session.scalars(
        select(CoachOffer)
        .where(or_(CoachOffer.coach_id == me, CoachOffer.member_id == me))
        .order_by(CoachOffer.id)
    )
    module_interests = await session.scalars(
        select(ModuleInterest).where(ModuleInterest.member_id == me)
    )
    return {
        "exported_at": msgspec.to_builtins(utcnow()),
        "account": {
            **_row(member.account, "email", "role", "created_at", "last_login_at"),
            "tokens": [
                _row(token, "kind", "created_at", "expires_at", "revoked_at", "used_at")
                for token in tokens
            ],
        },
        "profile": msgspec.to_builtins(to_read(member, principal)),
        "consent": _row(member, "consent", "consent_at", "consent_version"),
        "needs": [msgspec.to_builtins(need_to_read(need)) for need in needs],
        "match_requests": [
            _row(
                request,
                "id",
                "kind",
                "mentee_id",
                "coach_id",
                "need_id",
                "status",
                "message",
                "question",
                "answer",
                "created_at",
                "responded_at",
                "closed_at",
                "outcome",
                "mentee_rating",
                "coach_rating",
            )
            for request in requests
        ],
        "questionnaire_responses": [
            {"version": version, **_row(response, "answers", "created_at", "updated_at")}
            for response, version in responses
        ],
        "lessons": [
            _row(lesson, "text", "need_text", "shared", "created_at") for lesson in lessons
        ],
        "followed_modules": list(followed),
        "practices": [
            _row(sheet, "id", "title", "status", "version", "created_at", "updated_at")
            for sheet in sheets
        ],
        "practice_changes": [
            _row(change, "practice_id", "version", "status", "comment", "created_at")
            for change in changes
        ],
        "proposal_interests": [
            _row(item, "proposal_id", "comment", "created_at") for item in interests
        ],
        "pair_messages": [
            _row(message, "request_id", "text", "created_at") for message in messages
        ],
        "coach_offers": [
            _row(offer, "coach_id", "member_id", "need_id", "message", "status", "created_at")
            for offer in offers
        ],
        "module_interests": [_row(item, "module_id", "created_at") for item in module_interests],
    }


async def erase_member(session: AsyncSession, principal: Principal, member_id: int) -> None:
    """Erase a member (themself, or an animator on request) and everything about them."""
    member = await get_managed_member(session, principal, member_id)
    await session.execute(delete(MailOutbox).where(MailOutbox.recipient == member.account.email))
    await session.execute(
        delete(Lesson).where(Lesson.author_id == member_id, Lesson.shared.is_(False))
    )
    mine = select(MatchRequest.id).where(
        or_(MatchRequest.mentee_id == member_id, MatchRequest.coach_id == member_id)
    )
    await session.execute(
        update(Lesson)
        .where(or_(Lesson.author_id == member_id, Lesson.request_id.in_(mine)))
        .values(author_id=None, request_id=None)
    )
    for proposal in await session.scalars(select(ModuleProposal)):
        kept = [c for c in proposal.contributors if c.get("member_id") != member_id]
        if len(kept) != len(proposal.contributors):
            proposal.contributors = kept
    await delete_member(session, principal, member_id)  # also logs the change for the index
