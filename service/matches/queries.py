"""Match queries: mentors and peers for a member, members for a coach."""

from __future__ import annotations

from matching.index import MemberIndex
from matching.profiles import Match
from service.errors import ConflictError, PermissionDeniedError
from service.matches.schemas import (
    MatchedNeed,
    MatchesResponse,
    MatchKind,
    MatchResult,
    Suggestion,
    SuggestionsResponse,
)
from service.members.schemas import MemberRead
from service.members.services import read_member
from service.read_side import ReadSide


async def _matchable(side: ReadSide, engine: MemberIndex, member_id: int) -> MemberRead:
    if not side.principal.may_manage(member_id):
        raise PermissionDeniedError("You may only ask for your own matches.")
    member = await read_member(side.database, side.reads, side.principal, member_id)
    if member_id not in engine:
        raise ConflictError(
            "This member has not given consent to be matched (set consent to true).",
            [{"key": "consent", "message": "consent required to be matched"}],
        )
    return member


def _result(engine: MemberIndex, match: Match) -> MatchResult:
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
    side: ReadSide, member_id: int, kind: MatchKind, limit: int
) -> MatchesResponse:
    """Coaches (`mentor`) or peers (`peer`) for a member, best first, with reasons.

    No database query in the usual case: the index and the read cache are in memory, kept
    fresh by the change log (`index.sync()`); an answer is reused while the index version stays.
    """
    index = side.index
    engine = await index.sync()
    member = await _matchable(side, engine, member_id)
    key, version = ("matches", member_id, kind, limit), index.version
    answer: MatchesResponse | None = index.answers.get(key, version)
    if answer is None:
        partners = index.partners(member_id)
        exclude = index.no_room().union(partners) if kind == "mentor" else partners
        query = engine.mentors_for if kind == "mentor" else engine.peers_for
        matches = query(
            member_id,
            limit=limit,
            exclude=exclude,
            exclude_organization=member.exclude_own_organization,
        )
        answer = MatchesResponse(
            member_id=member_id, kind=kind, results=[_result(engine, match) for match in matches]
        )
        index.answers.put(key, version, answer)
    return answer


async def coach_suggestions(side: ReadSide, coach_id: int, limit: int) -> SuggestionsResponse:
    """Members with open needs this coach is best placed to help, within remaining capacity."""
    index = side.index
    engine = await index.sync()
    await _matchable(side, engine, coach_id)
    remaining = index.remaining_capacity(coach_id)
    results: list[Suggestion] = []
    if remaining > 0 and engine.profile(coach_id).available:
        exclude = index.partners(coach_id)
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
