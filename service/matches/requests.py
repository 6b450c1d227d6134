"""The match-request lifecycle: propose, ask / reply, accept (capacity-safe), decline, close.

Every rule holds under concurrency because the database enforces it:

- one blocking request (proposed, info_requested, accepted or declined) per pair of members,
  whatever its direction: the unique partial index `uq_match_requests_blocking_pair`;
- every status change is one conditional UPDATE on the expected status (`WHERE status IN
  (...)`), so of an accept and a withdraw racing, exactly one happens and the other is a 409
  saying what the request became;
- capacity (mentor requests only: peer exchange is not coaching) is enforced by the accept's
  UPDATE, which only succeeds while the coach's accepted mentor pairs are fewer than their
  capacity. On PostgreSQL the coach's row is locked first (`SELECT ... FOR UPDATE`) so
  concurrent accepts run one after the other; on SQLite the UPDATE is the transaction's first
  write, which takes the database write lock, so the count it reads cannot change under it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from matching.profiles import COACH_ROLES
from service.accounts.principal import Principal
from service.db.changes import record_changes
from service.db.models import BLOCKING_STATUSES, Lesson, MatchRequest, Member, Need, utcnow
from service.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from service.mail import notify
from service.matches.exclusions import PENDING, accepted_count_query, remaining_capacity
from service.matches.schemas import (
    CloseBody,
    Contact,
    FeedbackBody,
    MatchRequestCreate,
    MatchRequestRead,
)

STALE_AFTER = timedelta(days=14)


def is_stale(request: MatchRequest) -> bool:
    """A request waiting for an answer for 14 days or more."""
    return request.status in PENDING and request.updated_at <= utcnow() - STALE_AFTER


def _contact(
    request: MatchRequest, viewer: Principal | None, mentee: Member, coach: Member
) -> Contact | None:
    """The other side's contact, for the two members of an accepted pair only."""
    if viewer is None or request.status != "accepted":
        return None
    if viewer.member_id == request.mentee_id:
        other = coach
    elif viewer.member_id == request.coach_id:
        other = mentee
    else:
        return None
    return Contact(display_name=other.display_name, email=other.account.email, phone=other.phone)


async def to_read(
    session: AsyncSession, request: MatchRequest, viewer: Principal | None = None
) -> MatchRequestRead:
    """The API view of a request, with both names and the need's text; `viewer` (one of the
    pair) gets the other's contact once the request is accepted."""
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
        target_signed_in=notify.has_signed_in(coach),
        contact=_contact(request, viewer, mentee, coach),
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
    if data.kind == "peer" and not coach.peer_exchange:
        raise ConflictError(
            "This person is not open to peer exchange.",
            [{"key": "coach_id", "message": "not open to peer exchange"}],
        )
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
            ),
            MatchRequest.status.in_(BLOCKING_STATUSES),
        )
    )
    if existing is not None:
        raise _pair_taken(existing)
    if data.kind == "mentor" and await remaining_capacity(session, coach.id) <= 0:
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
    try:
        await session.flush()
    except IntegrityError:  # a concurrent request for the same pair won the unique index
        raise _pair_taken(None) from None
    await record_changes(session, [mentee.id, coach.id])  # a new pair: never proposed again
    await notify.request_created(session, request)  # queued: sent after the commit
    return request


def _pair_taken(existing: int | None) -> ConflictError:
    which = f" (#{existing})" if existing is not None else ""
    return ConflictError(f"These two members already have a request{which}.")


async def get_request(session: AsyncSession, principal: Principal, request_id: int) -> MatchRequest:
    """A request the caller takes part in (or any, for animators); 404 otherwise."""
    request = await session.get(MatchRequest, request_id)
    if request is None or not (
        principal.is_animator or principal.member_id in (request.mentee_id, request.coach_id)
    ):
        raise NotFoundError(f"Match request {request_id} not found.")
    return request


async def _transition(
    session: AsyncSession, request: MatchRequest, expected: tuple[str, ...], **values: Any
) -> None:
    """Change the request with one UPDATE that only applies while its status is `expected`.

    409 naming the status it has now when a concurrent change got there first.
    """
    result = await session.execute(
        update(MatchRequest)
        .where(MatchRequest.id == request.id, MatchRequest.status.in_(expected))
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise await _moved_on(session, request.id)
    await session.refresh(request)


async def _moved_on(session: AsyncSession, request_id: int) -> ConflictError:
    status = await session.scalar(select(MatchRequest.status).where(MatchRequest.id == request_id))
    return ConflictError(f"The request is {status}: this is not possible now.")


def _require(request: MatchRequest, principal: Principal, side: str, *statuses: str) -> None:
    owner = request.coach_id if side == "coach" else request.mentee_id
    if principal.member_id != owner:
        who = "the coach (or the peer asked)" if side == "coach" else "the member who asked"
        raise PermissionDeniedError(f"Only {who} may do this.")
    if request.status not in statuses:
        raise ConflictError(f"The request is {request.status}: this is not possible now.")


async def accept(session: AsyncSession, principal: Principal, request_id: int) -> MatchRequest:
    """Accept a pending request; 409 when it moved on meanwhile, or (mentor requests) when the
    answering member has no capacity left."""
    request = await get_request(session, principal, request_id)
    _require(request, principal, "coach", *PENDING)
    await accept_pending(session, request)
    await notify.request_answered(session, request)
    return request


async def accept_pending(session: AsyncSession, request: MatchRequest) -> None:
    """The accept itself: one conditional UPDATE (pending, and a place left for mentor
    requests); 409 saying which condition failed."""
    await session.execute(select(Member.id).where(Member.id == request.coach_id).with_for_update())
    now = utcnow()
    conditions: list[ColumnElement[bool]] = [
        MatchRequest.id == request.id,
        MatchRequest.status.in_(PENDING),
    ]
    if request.kind == "mentor":
        conditions.append(
            accepted_count_query(request.coach_id)
            < select(Member.capacity).where(Member.id == request.coach_id).scalar_subquery()
        )
    result = await session.execute(
        update(MatchRequest)
        .where(*conditions)
        .values(status="accepted", responded_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        status = await session.scalar(
            select(MatchRequest.status).where(MatchRequest.id == request.id)
        )
        if status not in PENDING:
            raise ConflictError(f"The request is {status}: this is not possible now.")
        raise ConflictError("No capacity left: every place you declared is taken.")
    await record_changes(session, [request.mentee_id, request.coach_id])  # one place fewer
    await session.refresh(request)


async def decline(
    session: AsyncSession, principal: Principal, request_id: int, pause: bool
) -> MatchRequest:
    """Decline; with `pause`, stop receiving suggestions and requests until unpaused."""
    request = await get_request(session, principal, request_id)
    _require(request, principal, "coach", *PENDING)
    await _transition(session, request, PENDING, status="declined", responded_at=utcnow())
    if pause:
        coach = await session.get_one(Member, request.coach_id)
        coach.paused = True
        await session.flush()
        await record_changes(session, [coach.id])
    await session.flush()
    await notify.request_answered(session, request)
    return request


async def withdraw(session: AsyncSession, principal: Principal, request_id: int) -> MatchRequest:
    """The member who asked takes a pending request back."""
    request = await get_request(session, principal, request_id)
    _require(request, principal, "mentee", *PENDING)
    await _transition(session, request, PENDING, status="withdrawn")
    await record_changes(session, [request.mentee_id, request.coach_id])  # the pair is free
    return request


async def ask(
    session: AsyncSession, principal: Principal, request_id: int, question: str
) -> MatchRequest:
    """The coach asks for more information; the request waits for the mentee's reply."""
    request = await get_request(session, principal, request_id)
    _require(request, principal, "coach", "proposed")
    await _transition(session, request, ("proposed",), status="info_requested", question=question)
    await notify.request_answered(session, request)
    return request


async def reply(
    session: AsyncSession, principal: Principal, request_id: int, answer: str
) -> MatchRequest:
    """The mentee answers the coach's question; the request is back with the coach."""
    request = await get_request(session, principal, request_id)
    _require(request, principal, "mentee", "info_requested")
    await _transition(session, request, ("info_requested",), status="proposed", answer=answer)
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
    await _transition(
        session, request, ("accepted",), status="closed", outcome=body.outcome, closed_at=utcnow()
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
