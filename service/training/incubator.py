"""Incubator: proposals of new modules for themes with demand and no module, and their adoption.

Proposals are refreshed from the current demand each time they are listed: an open proposal
follows its theme (one open proposal per theme), a theme that became covered or lost its
demand withdraws its open proposal; adopted proposals are kept as they were, and a theme whose
proposal was adopted gets no new open one (its module is on its way, as a draft). Adoption is one
conditional update (`status` from open to adopted): two concurrent adoptions of the same
proposal create one draft module, the other answers 409.
"""

from __future__ import annotations

import anyio
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.incubator import CoachOffer, module_from_proposal, propose_modules
from catalogue.modules import module_to_dict
from matching.index import MemberIndex
from matching.taxonomy import load_taxonomy
from service.db.models import ModuleProposal, TrainingModule, utcnow
from service.errors import ConflictError, NotFoundError
from service.training import proposal_interest
from service.training.cache import TrainingCache
from service.training.demand import compute_demand
from service.training.modules import create_module
from service.training.schemas import ContributorRead, InterestCommentRead, ProposalRead


def coach_offers(index: MemberIndex) -> list[CoachOffer]:
    """Every offer of the indexed coaches and trainers, with the theme the model reads in it."""
    themes = index.featurizer.model.themes_
    offers = []
    for profile in index.profiles():
        if not profile.is_coach:
            continue
        rows, vectors = index.offer_vectors(profile.id)
        for row, column in zip(rows, vectors.themes.tolist(), strict=True):
            if row.kind == "offer":
                theme = themes[column] if column >= 0 else None
                offers.append(
                    CoachOffer(profile.id, profile.display_name, profile.role, row.text, theme)
                )
    return offers


async def refresh_proposals(session: AsyncSession, cache: TrainingCache) -> None:
    """Bring the stored open proposals in line with the themes that lack a module."""
    snapshot = await compute_demand(session, cache)
    index = await cache.index.sync()
    needs = [row.need for row in snapshot.rows]
    coverage = list(snapshot.coverage.values())
    if await cache.fitted(session) is None:
        return
    offers = coach_offers(index)
    proposals = await anyio.to_thread.run_sync(
        lambda: propose_modules(snapshot.result.groups, coverage, needs, load_taxonomy(), offers)
    )
    stored = {
        proposal.theme: proposal
        for proposal in await session.scalars(
            select(ModuleProposal).where(ModuleProposal.status == "open")
        )
    }
    adopted = set(
        await session.scalars(
            select(ModuleProposal.theme).where(
                ModuleProposal.status == "adopted", ModuleProposal.theme.is_not(None)
            )
        )
    )
    for proposal in proposals:
        if proposal.theme in adopted:  # its module is being built: not proposed a second time
            continue
        data = proposal.to_dict()
        record = stored.pop(proposal.theme, None)
        if record is None:
            record = ModuleProposal(theme=proposal.theme, status="open")
            session.add(record)
        for field in (
            "cluster_id",
            "title",
            "objectives",
            "audience",
            "format",
            "topics",
            "demand",
        ):
            if getattr(record, field, None) != data[field]:
                setattr(record, field, data[field])
        if record.contributors != data["contributors"]:
            record.contributors = data["contributors"]
    for record in stored.values():
        record.status = "withdrawn"
        record.updated_at = utcnow()
    await session.flush()


def to_read(
    record: ModuleProposal,
    interested: int = 0,
    comments: list[InterestCommentRead] | None = None,
) -> ProposalRead:
    """The API view of a proposal (interest count, and comments unnamed when given)."""
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
        theme=record.theme,
        interest=interested,
        comments=comments,
    )


async def list_proposals(
    session: AsyncSession, cache: TrainingCache, status: str | None, limit: int, offset: int
) -> tuple[list[ModuleProposal], int]:
    """Proposals (open ones by default), refreshed from the current demand, the most wanted
    first: members whose needs make the demand, plus members who said « Ça m'intéresse »."""
    await refresh_proposals(session, cache)
    rows = list(
        await session.scalars(
            select(ModuleProposal)
            .where(ModuleProposal.status == (status or "open"))
            .order_by(ModuleProposal.id)
        )
    )
    interested = await proposal_interest.counts(session, [row.id for row in rows])
    rows.sort(key=lambda row: (-proposal_interest.weight(row, interested.get(row.id, 0)), row.id))
    return rows[offset : offset + limit], len(rows)


async def adopt(session: AsyncSession, proposal_id: int) -> TrainingModule:
    """Turn a proposal into a `draft` module with `source: incubator` (409 when not open)."""
    record = await session.get(ModuleProposal, proposal_id)
    if record is None:
        raise NotFoundError(f"Proposal {proposal_id} not found.")
    claimed = await session.execute(
        update(ModuleProposal)
        .where(ModuleProposal.id == proposal_id, ModuleProposal.status == "open")
        .values(status="adopted", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(record)
        raise ConflictError(
            f"Cette proposition est déjà {_STATUS_FR.get(record.status, record.status)}."
        )
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
    await session.refresh(record)
    record.module_id = created.id
    await session.flush()
    return created


_STATUS_FR = {"adopted": "adoptée", "withdrawn": "retirée", "open": "ouverte"}
