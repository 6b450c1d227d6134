"""`GET /api/members/{id}/training`: modules that answer a member's open needs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import selectinload

from catalogue.recommend import audience_for
from matching.profiles import Need as EngineNeed
from service.accounts.principal import Principal
from service.db.changes import record_changes
from service.db.models import FollowedModule, Member, TrainingModule
from service.db.session import autocommit
from service.errors import NotFoundError, PermissionDeniedError
from service.members.services import read_member
from service.read_side import ReadSide
from service.training.schemas import TrainingResponse, TrainingResult


async def _member(session: AsyncSession, principal: Principal, member_id: int) -> Member:
    if not principal.may_manage(member_id):
        raise PermissionDeniedError("You may only see your own recommendations.")
    member = await session.scalar(
        select(Member).where(Member.id == member_id).options(selectinload(Member.needs))
    )
    if member is None:
        raise NotFoundError(f"Member {member_id} not found.")
    return member


async def training_for(side: ReadSide, member_id: int, limit: int) -> TrainingResponse:
    """Open modules for the member's open needs, audience first, regional ones in region.

    The profile comes from the worker's read cache (after a change-log catch-up), the need rows
    from the matching index (encoded once, when the profile changed), the fitted recommender
    from the training cache (catalogue version checked once per batch of requests). An answer
    is reused while neither the index version (which moves with any profile change and with "I
    followed a module") nor the catalogue changes.
    """
    principal = side.principal
    if not principal.may_manage(member_id):
        raise PermissionDeniedError("You may only see your own recommendations.")
    index = await side.index.sync()
    member = await read_member(side.database, side.reads, principal, member_id)
    if not member.needs:
        return TrainingResponse(member_id=member_id, results=[])
    recommender = await side.training.current(side.sessionmaker)
    if recommender is None:
        return TrainingResponse(member_id=member_id, results=[])
    key, version = (member_id, limit), (side.index.version, side.training.recommender_key)
    answer: TrainingResponse | None = side.training.answers.get(key, version)
    if answer is not None:
        return answer
    followed = await followed_by(side.database, member_id)
    if member_id in index:  # the needs' rows are in the index already: no text analysis
        need_rows, vectors = index.need_vectors(member_id)
    else:
        needs = [EngineNeed(position, text) for position, text in enumerate(member.needs)]
        need_rows, vectors = recommender.encode_needs(needs)
    recommendations = recommender.recommend(
        need_rows,
        vectors,
        audience_hint=audience_for(member.job_title, member.role),
        region=member.region,
        followed=followed,
        limit=limit,
    )
    answer = TrainingResponse(
        member_id=member_id,
        results=[
            TrainingResult(
                module_id=r.module_id, title=r.title, score=r.score, reasons=list(r.reasons)
            )
            for r in recommendations
        ],
    )
    side.training.answers.put(key, version, answer)
    return answer


async def mark_followed(
    session: AsyncSession, principal: Principal, member_id: int, module_id: str
) -> list[str]:
    """Record that the member followed a module; the ids of every module they followed."""
    await _member(session, principal, member_id)
    if await session.get(TrainingModule, module_id) is None:
        raise NotFoundError(f"Module {module_id!r} not found.")
    if await session.get(FollowedModule, (member_id, module_id)) is None:
        session.add(FollowedModule(member_id=member_id, module_id=module_id))
        await session.flush()
        await record_changes(session, [member_id])  # remembered recommendations must go
    return list(
        await session.scalars(
            select(FollowedModule.module_id)
            .where(FollowedModule.member_id == member_id)
            .order_by(FollowedModule.module_id)
        )
    )


async def followed_by(database: AsyncEngine, member_id: int) -> frozenset[str]:
    """The modules a member followed (one indexed query, on answer-cache misses only)."""
    async with autocommit(database) as connection:
        rows = await connection.scalars(
            select(FollowedModule.module_id).where(FollowedModule.member_id == member_id)
        )
        return frozenset(rows)
