"""The match-request lifecycle: propose, ask / reply, accept (capacity-safe), decline, close.

Capacity is enforced by one conditional UPDATE that only succeeds while the answering member's
accepted pairs are fewer than their capacity. On PostgreSQL the answering member's row is locked
first (`SELECT ... FOR UPDATE`) so concurrent accepts run one after the other; on SQLite the
UPDATE is the transaction's first write, which takes the database write lock, so the count it
reads cannot change under it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from matching.profiles import COACH_ROLES
from service.accounts.principal import Principal
from service.db.changes import record_changes
from service.db.models import Lesson, MatchRequest, Member, Need, utcnow
from service.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from service.matches.exclusions import PENDING, accepted_count_query, remaining_capacity
from service.matches.schemas import (
    CloseBody,
    FeedbackBody,
    MatchRequestCreate,
    MatchRequestRead,
)

STALE_AFTER = timedelta(days=14)


def is_stale(request: MatchRequest) -> bool:
    """A request waiting for an answer for 14 days or more."""
    return request.status in PENDING and request.updated_at <= utcnow() - STALE_AFTER


async def to_read(session: AsyncSession, request: MatchRequest) -> MatchRequestRead:
    """The API view of a request, with both names and the need's text."""
    mentee = await session.get_one(Member, request.mentee_id)
    coach = await session.get_one(Member, request.coach_id)
    need = await session.get(Need, request.need_id) if request.need_id else None
    return MatchRequestRead(
        id=request.id,
        kind=request.kind,  # type: ignore[arg-type]
        mentee_id=request.mentee_id,
        mentee_name=mentee.display_name,
        coach_id=request.coach_id,
        coach_name=coach.display_name,
        need_id=request.need_id,
        need_text=need.text if need else None,
        status=request.status,  # type: ignore[arg-type]
        message=request.message,
        question=request.question,
        answer=request.answer,
        created_by=request.created_by,
        created_at=request.created_at,
        updated_at=request.updated_at,
        responded_at=request.responded_at,
        closed_at=request.closed_at,
        outcome=request.outcome,  # type: ignore[arg-type]
        mentee_rating=request.mentee_rating,
        coach_rating=request.coach_rating,
        stale=is_stale(request),
    )


async def _member(session: AsyncSession, member_id: int, field: str) -> Member:
    member = await session.get(Member, member_id)
    if member is None or not member.consent:
        raise InvalidInputError.for_field(field, f"member {member_id} is not available")
    return member


async def create_request(
    session: AsyncSession,
    principal: Principal,
    data: MatchRequestCreate,
    created_by: str = "member",
) -> MatchRequest:
    """A `proposed` request from the mentee (or an animator on their behalf)."""
    if not principal.may_manage(data.mentee_id):
        raise PermissionDeniedError("You may only ask for yourself.")
    mentee = await _member(session, data.mentee_id, "mentee_id")
    coach = await _member(session, data.coach_id, "coach_id")
    if data.kind == "mentor" and coach.account.role not in COACH_ROLES:
        raise InvalidInputError.for_field("coach_id", "this member is not a coach or trainer")
    if coach.paused:
        raise ConflictError("This person has paused new requests for now.")
    if data.need_id is not None:
        need = await session.get(Need, data.need_id)
        if need is None or need.member_id != mentee.id or need.status != "open":
            raise InvalidInputError.for_field("need_id", "not an open need of the mentee")
    existing = await session.scalar(
        select(MatchRequest.id).where(
            or_(
                and_(MatchRequest.mentee_id == mentee.id, MatchRequest.coach_id == coach.id),
                and_(MatchRequest.mentee_id == coach.id, MatchRequest.coach_id == mentee.id),
            )
        )
    )
    if existing is not None:
        raise ConflictError(f"These two members already have a request (#{existing}).")
    if await remaining_capacity(session, coach.id) <= 0:
        raise ConflictError("This person has no capacity left.")
    request = MatchRequest(
        kind=data.kind,
        mentee_id=mentee.id,
        coach_id=coach.id,
        need_id=data.need_id,
        message=data.message,
        created_by=created_by,
    )
    session.add(request)
    await session.flush()
    await record_changes(session, [mentee.id, coach.id])  # a new pair: never proposed again
    return request


async def get_request(session: AsyncSession, principal: Principal, request_id: int) -> MatchRequest:
    """A request the caller takes part in (or any, for animators); 404 otherwise."""
    request = await session.get(MatchRequest, request_id)
    if request is None or not (
        principal.is_animator or principal.member_id in (request.mentee_id, request.coach_id)
    ):
        raise NotFoundError(f"Match request {request_id} not found.")
    return request


def _require(request: MatchRequest, principal: Principal, side: str, *statuses: str) -> None:
    owner = request.coach_id if side == "coach" else request.mentee_id
    if principal.member_id != owner:
        who = "the coach (or the peer asked)" if side == "coach" else "the member who asked"
        raise PermissionDeniedError(f"Only {who} may do this.")
    if request.status not in statuses:
        raise ConflictError(f"The request is {request.status}: this is not possible now.")


async def accept(session: AsyncSession, principal: Principal, request_id: int) -> MatchRequest:
    """Accept a pending request; 409 when the answering member has no capacity left."""
    request = await get_request(session, principal, request_id)
    _require(request, principal, "coach", *PENDING)
    await session.execute(select(Member.id).where(Member.id == request.coach_id).with_for_update())
    now = utcnow()
    result = await session.execute(
        update(MatchRequest)
        .where(
            MatchRequest.id == request.id,
            MatchRequest.status.in_(PENDING),
            accepted_count_query(request.coach_id)
            < select(Member.capacity).where(Member.id == request.coach_id).scalar_subquery(),
        )
        .values(status="accepted", responded_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("No capacity left: every place you declared is taken.")
    await record_changes(session, [request.mentee_id, request.coach_id])  # one place fewer
    await session.refresh(request)
    return request


async def decline(
    session: AsyncSession, principal: Principal, request_id: int, pause: bool
) -> MatchRequest:
    """Decline; with `pause`, stop receiving suggestions and requests until unpaused."""
    request = await get_request(session, principal, request_id)
    _require(request, principal, "coach", *PENDING)
    now = utcnow()
    request.status, request.responded_at, request.updated_at = "declined", now, now
    if pause:
        coach = await session.get_one(Member, request.coach_id)
        coach.paused = True
        await session.flush()
        await record_changes(session, [coach.id])
    await session.flush()
    return request


async def withdraw(session: AsyncSession, principal: Principal, request_id: int) -> MatchRequest:
    """The member who asked takes a pending request back."""
    request = await get_request(session, principal, request_id)
    _require(request, principal, "mentee", *PENDING)
    request.status, request.updated_at = "withdrawn", utcnow()
    await session.flush()
    return request


async def ask(
    session: AsyncSession, principal: Principal, request_id: int, question: str
) -> MatchRequest:
    """The coach asks for more information; the request waits for the mentee's reply."""
    request = await get_request(session, principal, request_id)
    _require(request, principal, "coach", "proposed")
    request.status, request.question, request.updated_at = "info_requested", question, utcnow()
    await session.flush()
    return request


async def reply(
    session: AsyncSession, principal: Principal, request_id: int, answer: str
) -> MatchRequest:
    """The mentee answers the coach's question; the request is back with the coach."""
    request = await get_request(session, principal, request_id)
    _require(request, principal, "mentee", "info_requested")
    request.status, request.answer, request.updated_at = "proposed", answer, utcnow()
    await session.flush()
    return request


def participant_side(request: MatchRequest, principal: Principal) -> str:
    """`coach` or `mentee`: the caller's side of the pair; 403 for anybody else."""
    if principal.member_id == request.coach_id:
        return "coach"
    if principal.member_id == request.mentee_id:
        return "mentee"
    raise PermissionDeniedError("Only the two members of the pair may do this.")


async def _record_feedback(
    session: AsyncSession,
    request: MatchRequest,
    principal: Principal,
    rating: int | None,
    lesson: str | None,
    share: bool,
) -> None:
    side = participant_side(request, principal)
    if rating is not None:
        setattr(request, f"{side}_rating", rating)
    if lesson:
        need = await session.get(Need, request.need_id) if request.need_id else None
        if need is None:  # the pair was about the mentee's needs as a whole: take the first
            need = await session.scalar(
                select(Need)
                .where(Need.member_id == request.mentee_id, Need.status == "open")
                .order_by(Need.id)
            )
        session.add(
            Lesson(
                request_id=request.id,
                author_id=principal.member_id,
                need_text=need.text if need else "",
                text=lesson,
                shared=share,
            )
        )


async def close(
    session: AsyncSession, principal: Principal, request_id: int, body: CloseBody
) -> MatchRequest:
    """Close an accepted pair with its outcome; frees the place; records feedback."""
    request = await get_request(session, principal, request_id)
    participant_side(request, principal)
    if request.status != "accepted":
        raise ConflictError(f"The request is {request.status}: only an accepted pair closes.")
    now = utcnow()
    request.status, request.outcome, request.closed_at, request.updated_at = (
        "closed",
        body.outcome,
        now,
        now,
    )
    await _record_feedback(session, request, principal, body.rating, body.lesson, body.share_lesson)
    await session.flush()
    await record_changes(session, [request.mentee_id, request.coach_id])  # a place is free again
    return request


async def feedback(
    session: AsyncSession, principal: Principal, request_id: int, body: FeedbackBody
) -> MatchRequest:
    """The other side's rating and lesson after the pair closed."""
    request = await get_request(session, principal, request_id)
    participant_side(request, principal)
    if request.status != "closed":
        raise ConflictError("Feedback comes once the pair is closed.")
    await _record_feedback(session, request, principal, body.rating, body.lesson, body.share_lesson)
    await session.flush()
    await record_changes(session, [request.mentee_id, request.coach_id])  # a place is free again
    return request


async def list_requests(
    session: AsyncSession,
    principal: Principal,
    role: str | None,
    status: str | None,
    stale: bool,
    limit: int,
    offset: int,
) -> tuple[list[MatchRequest], int]:
    """The caller's requests (as mentee, coach or both); animators see every request."""
    conditions: list[ColumnElement[bool]] = []
    me = principal.member_id
    if role == "mentee":
        conditions.append(MatchRequest.mentee_id == me)
    elif role == "coach":
        conditions.append(MatchRequest.coach_id == me)
    elif not principal.is_animator:
        conditions.append(or_(MatchRequest.mentee_id == me, MatchRequest.coach_id == me))
    if status:
        conditions.append(MatchRequest.status == status)
    if stale:
        conditions.append(MatchRequest.status.in_(PENDING))
        conditions.append(MatchRequest.updated_at <= utcnow() - STALE_AFTER)
    base = select(MatchRequest).where(*conditions)
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = await session.scalars(base.order_by(MatchRequest.id).limit(limit).offset(offset))
    return list(rows), total
