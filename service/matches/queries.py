"""Match queries: mentors and peers for a member, members for a coach."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from matching.engine import MatchEngine
from matching.profiles import Match
from service.accounts.principal import Principal
from service.db.models import Member
from service.errors import ConflictError, NotFoundError, PermissionDeniedError
from service.matches.exclusions import members_at_capacity, partners_of, remaining_capacity
from service.matches.index import MatchingIndex
from service.matches.schemas import (
    MatchedNeed,
    MatchesResponse,
    MatchKind,
    MatchResult,
    Suggestion,
    SuggestionsResponse,
)


async def _matchable(
    session: AsyncSession, engine: MatchEngine, principal: Principal, member_id: int
) -> Member:
    if not principal.may_manage(member_id):
        raise PermissionDeniedError("You may only ask for your own matches.")
    member = await session.get(Member, member_id)
    if member is None:
        raise NotFoundError(f"Member {member_id} not found.")
    if member_id not in engine:
        raise ConflictError(
            "This member has not given consent to be matched (set consent to true).",
            [{"key": "consent", "message": "consent required to be matched"}],
        )
    return member


def _result(engine: MatchEngine, match: Match) -> MatchResult:
    other = engine.profile(match.member_id)
    return MatchResult(
        member_id=other.id,
        display_name=other.display_name,
        role=other.role,
        organization=other.organization,
        region=other.region,
        score=round(match.score, 4),
        reasons=list(match.reasons),
    )


async def find_matches(
    session: AsyncSession,
    index: MatchingIndex,
    principal: Principal,
    member_id: int,
    kind: MatchKind,
    limit: int,
) -> MatchesResponse:
    """Coaches (`mentor`) or peers (`peer`) for a member, best first, with reasons."""
    engine = await index.refresh(session)
    member = await _matchable(session, engine, principal, member_id)
    exclude = index.no_room(await members_at_capacity(session))
    exclude |= await partners_of(session, member_id)
    query = engine.mentors_for if kind == "mentor" else engine.peers_for
    matches = query(
        member_id,
        limit=limit,
        exclude=exclude,
        exclude_organization=member.exclude_own_organization,
    )
    return MatchesResponse(
        member_id=member_id, kind=kind, results=[_result(engine, match) for match in matches]
    )


async def coach_suggestions(
    session: AsyncSession, index: MatchingIndex, principal: Principal, coach_id: int, limit: int
) -> SuggestionsResponse:
    """Members with open needs this coach is best placed to help, within remaining capacity."""
    engine = await index.refresh(session)
    await _matchable(session, engine, principal, coach_id)
    remaining = await remaining_capacity(session, coach_id)
    results: list[Suggestion] = []
    if remaining > 0 and engine.profile(coach_id).available:
        exclude = await partners_of(session, coach_id)
        for match in engine.suggestions_for_coach(coach_id, limit=limit, exclude=exclude):
            base = _result(engine, match)
            texts = {need.id: need.text for need in engine.profile(match.member_id).needs}
            results.append(
                Suggestion(
                    **{field: getattr(base, field) for field in base.__struct_fields__},
                    needs=[
                        MatchedNeed(id=need_id, text=texts[need_id])
                        for need_id in match.matched_need_ids
                        if need_id in texts
                    ],
                )
            )
    return SuggestionsResponse(coach_id=coach_id, remaining_capacity=remaining, results=results)
