"""Incubator: proposals of new modules for uncovered demand, and their adoption as drafts.

Proposals are refreshed from the current demand clusters each time they are listed: an open
proposal follows its cluster (same stable id), a cluster that became covered or vanished
withdraws its open proposal; adopted proposals are kept as they were.
"""

from __future__ import annotations

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from catalogue.incubator import module_from_proposal, propose_modules
from catalogue.modules import module_to_dict
from matching.profiles import COACH_ROLES
from service.db.models import Account, Member, ModuleProposal, TrainingModule, utcnow
from service.errors import ConflictError, NotFoundError
from service.training.cache import TrainingCache
from service.training.demand import compute_demand
from service.training.modules import create_module
from service.training.schemas import ContributorRead, ProposalRead


async def _possible_contributors(session: AsyncSession) -> list[tuple[int, str, str, list[str]]]:
    members = await session.scalars(
        select(Member)
        .join(Member.account)
        .where(Member.consent.is_(True), Account.role.in_(COACH_ROLES))
        .options(selectinload(Member.offers))
    )
    return [
        (member.id, member.display_name, member.account.role, [o.text for o in member.offers])
        for member in members
        if member.offers
    ]


async def refresh_proposals(session: AsyncSession, cache: TrainingCache) -> None:
    """Bring the stored open proposals in line with the current uncovered clusters."""
    snapshot = await compute_demand(session, cache)
    recommender = await cache.fitted(session)
    if recommender is None:
        return
    coaches = await _possible_contributors(session)
    needs = [row.need for row in snapshot.rows]
    proposals = await anyio.to_thread.run_sync(
        lambda: propose_modules(snapshot.result.clusters, needs, recommender, coaches)
    )
    stored = {
        proposal.cluster_id: proposal
        for proposal in await session.scalars(
            select(ModuleProposal).where(ModuleProposal.status == "open")
        )
    }
    for proposal in proposals:
        data = proposal.to_dict()
        record = stored.pop(proposal.cluster_id, None)
        if record is None:
            record = ModuleProposal(cluster_id=proposal.cluster_id, status="open")
            session.add(record)
        for field in ("title", "objectives", "audience", "format", "topics", "demand"):
            if getattr(record, field, None) != data[field]:
                setattr(record, field, data[field])
        if record.contributors != data["contributors"]:
            record.contributors = data["contributors"]
    for record in stored.values():
        record.status = "withdrawn"
        record.updated_at = utcnow()
    await session.flush()


def to_read(record: ModuleProposal) -> ProposalRead:
    """The API view of a proposal."""
    return ProposalRead(
        id=record.id,
        cluster_id=record.cluster_id,
        title=record.title,
        objectives=list(record.objectives),
        audience=list(record.audience),
        format=record.format,
        demand=dict(record.demand),
        contributors=[ContributorRead(**item) for item in record.contributors],  # type: ignore[arg-type]
        status=record.status,
        module_id=record.module_id,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


async def list_proposals(
    session: AsyncSession, cache: TrainingCache, status: str | None, limit: int, offset: int
) -> tuple[list[ModuleProposal], int]:
    """Proposals (open ones by default), refreshed from the current demand."""
    await refresh_proposals(session, cache)
    rows = list(
        await session.scalars(
            select(ModuleProposal)
            .where(ModuleProposal.status == (status or "open"))
            .order_by(ModuleProposal.id)
        )
    )
    return rows[offset : offset + limit], len(rows)


async def adopt(session: AsyncSession, proposal_id: int) -> TrainingModule:
    """Turn a proposal into a `draft` module with `source: incubator`."""
    record = await session.get(ModuleProposal, proposal_id)
    if record is None:
        raise NotFoundError(f"Proposal {proposal_id} not found.")
    if record.status != "open":
        raise ConflictError(f"This proposal is {record.status}: it cannot be adopted.")
    module = module_from_proposal(
        {
            "cluster_id": record.cluster_id,
            "title": record.title,
            "objectives": record.objectives,
            "audience": record.audience,
            "format": record.format,
            "topics": record.topics,
            "demand": record.demand,
        }
    )
    data = module_to_dict(module)
    base, suffix = data["id"], 2
    while await session.get(TrainingModule, data["id"]) is not None:
        data["id"] = f"{base}-{suffix}"
        suffix += 1
    created = await create_module(session, data)
    record.status, record.module_id, record.updated_at = "adopted", created.id, utcnow()
    await session.flush()
    return created
