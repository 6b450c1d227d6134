"""« Proposer un accompagnement »: a coach offers to accompany a member they were suggested.

Requests always go from the member to the one who answers (the lifecycle in `requests`), so a
coach's offer is its own small record: the member sees it on « Mes demandes » and, with one
click, accepts it — it becomes a request from the member, accepted at once by the same
conditional UPDATE as any accept (the coach must still have a place, and not have paused new
requests) — or declines it. At most one open offer per coach and member (a unique partial
index); each answer is one UPDATE conditional on the offer still being open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from matching.profiles import COACH_ROLES
from service.accounts.principal import Principal
from service.db.models import BLOCKING_STATUSES, CoachOffer, MatchRequest, Member, Need, utcnow
from service.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from service.matches.exclusions import remaining_capacity
from service.matches.requests import accept_pending, create_request
from service.matches.schemas import MatchRequestCreate


@dataclass(frozen=True, slots=True)
class OfferView:
    """An open offer as the member sees it."""

    id: int
    coach_id: int
    coach_name: str
    coach_job: str
    coach_organization: str
    need_text: str | None
    message: str
    created_at: datetime


async def make_offer(
    session: AsyncSession, principal: Principal, member_id: int, need_id: int | None, message: str
) -> CoachOffer:
    """A coach (or trainer) offers to accompany `member_id`; 409 when the two already have a
    request, an open offer, or the coach has no place left."""
    coach = await session.get_one(Member, principal.member_id)
    if coach.account.role not in COACH_ROLES:
        raise PermissionDeniedError("Only coaches and trainers offer to accompany.")
    member = await session.get(Member, member_id)
    if member is None or not member.consent or member.id == coach.id:
        raise NotFoundError(f"Member {member_id} not found.")
    if need_id is not None:
        need = await session.get(Need, need_id)
        if need is None or need.member_id != member.id or need.status != "open":
            need_id = None
    taken = await session.scalar(
        select(MatchRequest.id).where(
            or_(
                and_(MatchRequest.mentee_id == member.id, MatchRequest.coach_id == coach.id),
                and_(MatchRequest.mentee_id == coach.id, MatchRequest.coach_id == member.id),
            ),
            MatchRequest.status.in_(BLOCKING_STATUSES),
        )
    )
    if taken is not None:
        raise ConflictError("These two members already have a request.")
    if await remaining_capacity(session, coach.id) <= 0:
        raise ConflictError("No capacity left: every place you declared is taken.")
    offer = CoachOffer(coach_id=coach.id, member_id=member.id, need_id=need_id, message=message)
    session.add(offer)
    try:
        await session.flush()
    except IntegrityError:  # an open offer for the same two members exists
        raise ConflictError("You already offered to accompany this member.") from None
    return offer


async def open_offers_by(session: AsyncSession, coach_id: int) -> dict[int, CoachOffer]:
    """The coach's open offers, by member id."""
    rows = await session.scalars(
        select(CoachOffer).where(CoachOffer.coach_id == coach_id, CoachOffer.status == "open")
    )
    return {offer.member_id: offer for offer in rows}


async def open_offers_for(session: AsyncSession, member_id: int) -> list[OfferView]:
    """The open offers a member received, newest first."""
    rows = (
        await session.execute(
            select(CoachOffer, Member, Need.text)
            .join(Member, Member.id == CoachOffer.coach_id)
            .outerjoin(Need, Need.id == CoachOffer.need_id)
            .where(CoachOffer.member_id == member_id, CoachOffer.status == "open")
            .order_by(CoachOffer.id.desc())
        )
    ).all()
    return [
        OfferView(
            id=offer.id,
            coach_id=coach.id,
            coach_name=coach.display_name,
            coach_job=coach.job_title,
            coach_organization=coach.organization,
            need_text=need_text,
            message=offer.message,
            created_at=offer.created_at,
        )
        for offer, coach, need_text in rows
    ]


async def _answer(
    session: AsyncSession, principal: Principal, offer_id: int, status: str
) -> CoachOffer:
    offer = await session.get(CoachOffer, offer_id)
    if offer is None or offer.member_id != principal.member_id:
        raise NotFoundError(f"Offer {offer_id} not found.")
    result = await session.execute(
        update(CoachOffer)
        .where(CoachOffer.id == offer.id, CoachOffer.status == "open")
        .values(status=status, answered_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("This offer is no longer open: it was already answered.")
    await session.refresh(offer)
    return offer


async def accept_offer(session: AsyncSession, principal: Principal, offer_id: int) -> MatchRequest:
    """The member accepts: a request from them, accepted at once within the coach's capacity."""
    offer = await _answer(session, principal, offer_id, "accepted")
    data = MatchRequestCreate(
        mentee_id=offer.member_id, coach_id=offer.coach_id, need_id=offer.need_id
    )
    try:
        request = await create_request(session, principal, data, created_by="coach_offer")
    except InvalidInputError:  # the need was met or withdrawn meanwhile: the needs as a whole
        data.need_id = None
        request = await create_request(session, principal, data, created_by="coach_offer")
    await accept_pending(session, request)
    offer.request_id = request.id
    await session.flush()
    return request


async def decline_offer(session: AsyncSession, principal: Principal, offer_id: int) -> None:
    """The member declines the offer (the coach may be suggested and offer again later)."""
    await _answer(session, principal, offer_id, "declined")
