"""Members have a say in the incubator: « Ça m'intéresse » on a proposal, with a comment.

One interest per member and proposal, whatever arrives at the same time: the primary key
`(proposal_id, member_id)` and one `INSERT ... ON CONFLICT DO UPDATE` (a second click updates
the comment). Trainers and animators read the comments without names; the count is public
(masked below 5 on the public page). Interest weighs in the proposals' order
(`INTEREST_WEIGHT` per interested member, beside the members whose needs make the demand).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import msgspec
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts.principal import Principal
from service.db.models import ModuleProposal, ProposalInterest, utcnow
from service.errors import NotFoundError
from service.training.schemas import InterestCommentRead

INTEREST_WEIGHT = 1.0
"""How much one « Ça m'intéresse » weighs in the proposals' order, against one member whose
open needs make the demand."""


class InterestCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """`POST /api/incubator/proposals/{id}/interest`: an optional short comment."""

    comment: str = msgspec.field(default="")

    def __post_init__(self) -> None:
        self.comment = self.comment.strip()
        if len(self.comment) > 500:
            raise ValueError("comment: at most 500 characters")


class InterestRead(msgspec.Struct, kw_only=True):
    """Where a proposal's interest stands for the caller."""

    proposal_id: int
    interest: int
    mine: bool
    comment: str = ""


async def _proposal(session: AsyncSession, proposal_id: int) -> ModuleProposal:
    record = await session.get(ModuleProposal, proposal_id)
    if record is None or record.status == "withdrawn":
        raise NotFoundError(f"Proposal {proposal_id} not found.")
    return record


async def count(session: AsyncSession, proposal_id: int) -> int:
    """Members interested in one proposal."""
    return int(
        await session.scalar(
            select(func.count()).where(ProposalInterest.proposal_id == proposal_id)
        )
        or 0
    )


async def express(
    session: AsyncSession, principal: Principal, proposal_id: int, comment: str
) -> InterestRead:
    """Say « Ça m'intéresse » (again: the comment is updated), once per member."""
    await _proposal(session, proposal_id)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ProposalInterest).values(
        proposal_id=proposal_id,
        member_id=principal.member_id,
        comment=comment,
        created_at=utcnow(),
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["proposal_id", "member_id"], set_={"comment": comment}
        )
    )
    return InterestRead(
        proposal_id=proposal_id,
        interest=await count(session, proposal_id),
        mine=True,
        comment=comment,
    )


async def withdraw(session: AsyncSession, principal: Principal, proposal_id: int) -> None:
    """Take one's interest back (nothing happens when there was none)."""
    await _proposal(session, proposal_id)
    await session.execute(
        delete(ProposalInterest).where(
            ProposalInterest.proposal_id == proposal_id,
            ProposalInterest.member_id == principal.member_id,
        )
    )


async def counts(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    """Interested members of each proposal."""
    if not ids:
        return {}
    rows = await session.execute(
        select(ProposalInterest.proposal_id, func.count())
        .where(ProposalInterest.proposal_id.in_(ids))
        .group_by(ProposalInterest.proposal_id)
    )
    return {int(i): int(n) for i, n in rows}


async def mine(session: AsyncSession, member_id: int, ids: Sequence[int]) -> dict[int, str]:
    """The proposals the member is interested in, with their comment."""
    if not ids:
        return {}
    rows = await session.execute(
        select(ProposalInterest.proposal_id, ProposalInterest.comment).where(
            ProposalInterest.member_id == member_id, ProposalInterest.proposal_id.in_(ids)
        )
    )
    return {int(i): str(c) for i, c in rows}


async def comments(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, list[InterestCommentRead]]:
    """The non-empty comments of each proposal, oldest first, without names."""
    found: dict[int, list[InterestCommentRead]] = defaultdict(list)
    if not ids:
        return found
    rows = await session.execute(
        select(ProposalInterest.proposal_id, ProposalInterest.comment, ProposalInterest.created_at)
        .where(ProposalInterest.proposal_id.in_(ids), ProposalInterest.comment != "")
        .order_by(ProposalInterest.created_at)
    )
    for proposal_id, comment, created_at in rows:
        found[int(proposal_id)].append(InterestCommentRead(comment=comment, created_at=created_at))
    return found


def weight(record: ModuleProposal, interest: int) -> float:
    """A proposal's place in the list: its demand's members plus the interest it drew."""
    members = record.demand.get("members", 0) if isinstance(record.demand, dict) else 0
    return float(members if isinstance(members, int | float) else 0) + INTEREST_WEIGHT * interest
