"""The message thread of a pair: only its two members read and write it.

Reading: the two members, whatever the request's status (the thread stays readable after the
pair closes). Writing: only while the request is `accepted` (before, the request's message and
the coach's question and the member's answer are the exchange; after closing, the pair is
over): 409 otherwise. Anyone else gets the request's 404 (animators, who may see any request,
a 403: the thread is private to the pair).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts.principal import Principal
from service.db.models import MatchRequest, Member, PairMessage
from service.errors import ConflictError, InvalidInputError
from service.mail import notify
from service.matches.requests import get_request, participant_side
from service.matches.schemas import MESSAGE_MAX, MessageRead


async def _pair(session: AsyncSession, principal: Principal, request_id: int) -> MatchRequest:
    request = await get_request(session, principal, request_id)
    participant_side(request, principal)
    return request


async def list_messages(
    session: AsyncSession,
    principal: Principal,
    request_id: int,
    limit: int,
    offset: int | None = None,
) -> tuple[list[MessageRead], int]:
    """A page of the pair's messages, oldest first, and their total; `offset` None: the
    newest `limit` messages."""
    request = await _pair(session, principal, request_id)
    condition = PairMessage.request_id == request.id
    total = await session.scalar(select(func.count(PairMessage.id)).where(condition)) or 0
    start = max(total - limit, 0) if offset is None else offset
    rows = (
        await session.execute(
            select(PairMessage, Member.display_name)
            .outerjoin(Member, Member.id == PairMessage.author_id)
            .where(condition)
            .order_by(PairMessage.id)
            .limit(limit)
            .offset(start)
        )
    ).all()
    return [_read(message, name) for message, name in rows], total


async def post_message(
    session: AsyncSession, principal: Principal, request_id: int, text: str
) -> MessageRead:
    """Add a message to an accepted pair's thread; 422 naming `text` when it is empty once
    trimmed or longer than `MESSAGE_MAX`, 409 when the pair is not accepted."""
    request = await _pair(session, principal, request_id)
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInputError.for_field("text", "a message may not be empty")
    if len(cleaned) > MESSAGE_MAX:
        raise InvalidInputError.for_field("text", f"at most {MESSAGE_MAX} characters")
    if request.status != "accepted":
        raise ConflictError(
            f"The request is {request.status}: messages are for accepted pairs.",
            [{"key": "text", "message": "messages are for accepted pairs"}],
        )
    message = PairMessage(request_id=request.id, author_id=principal.member_id, text=cleaned)
    session.add(message)
    await session.flush()
    await notify.message_posted(session, request, principal.member_id, message.id, cleaned)
    author = await session.get_one(Member, principal.member_id)
    return _read(message, author.display_name)


def _read(message: PairMessage, author_name: str | None) -> MessageRead:
    return MessageRead(
        id=message.id,
        request_id=message.request_id,
        author_id=message.author_id,
        author_name=author_name or "Compte supprimé",
        text=message.text,
        created_at=message.created_at,
    )
