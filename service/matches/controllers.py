"""Match endpoints: matches, coach suggestions, the request lifecycle, cohort assignment."""

from __future__ import annotations

from typing import Annotated

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, get, post
from litestar.params import FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.accounts.guards import animator_only
from service.dependencies import CurrentPrincipal, DbSession, IndexKeeperDep, Reads
from service.matches import cohorts, messages, queries, requests
from service.matches.schemas import (
    AskBody,
    CloseBody,
    CohortRequest,
    CohortResponse,
    DeclineBody,
    FeedbackBody,
    MatchesResponse,
    MatchKind,
    MatchRequestCreate,
    MatchRequestRead,
    MessageCreate,
    MessageRead,
    ReplyBody,
    RequestSide,
    RequestStatus,
    SuggestionsResponse,
)
from service.pagination import DEFAULT_LIMIT, LimitParam, OffsetParam
from service.params import IdPath
from service.themes.services import learn_from_pair

ResultLimit = Annotated[int, QueryParameter(ge=1, le=50, description="How many results.")]


class MatchController(Controller):
    """Who can help whom."""

    tags = ["matching"]

    @get("/api/members/{member_id:int}/matches", summary="Coaches or peers for a member")
    async def matches(
        self,
        reads: Reads,
        member_id: IdPath,
        kind: FromQuery[MatchKind] = "mentor",
        limit: ResultLimit = 10,
    ) -> MatchesResponse:
        return await queries.find_matches(reads, member_id, kind, limit)

    @get("/api/coaches/{coach_id:int}/suggestions", summary="Members a coach could help")
    async def suggestions(
        self, reads: Reads, coach_id: IdPath, limit: ResultLimit = 10
    ) -> SuggestionsResponse:
        return await queries.coach_suggestions(reads, coach_id, limit)

    @post(
        "/api/cohorts/assign",
        guards=[animator_only],
        status_code=HTTP_200_OK,
        summary="Assign every member with an open need to a coach (optimal)",
    )
    async def assign(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        match_index: IndexKeeperDep,
        data: JSONBody[CohortRequest],
    ) -> CohortResponse:
        keep = None if data.pairs is None else [(p.mentee_id, p.coach_id) for p in data.pairs]
        return await cohorts.assign_cohort(
            db_session,
            match_index,
            dry_run=data.dry_run,
            animator_id=principal.member_id,
            keep=keep,
        )


class MatchRequestController(Controller):
    """Requests between a member and a coach (or a peer), from proposal to closing."""

    path = "/api/match-requests"
    tags = ["matching"]

    @post("/", status_code=HTTP_201_CREATED, summary="Ask a coach or a peer")
    async def create(
        self, db_session: DbSession, principal: CurrentPrincipal, data: JSONBody[MatchRequestCreate]
    ) -> MatchRequestRead:
        request = await requests.create_request(db_session, principal, data)
        return await requests.to_read(db_session, request, principal)

    @get("/", summary="My requests (animators: all); stale=true for unanswered ones")
    async def list_requests(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        role: FromQuery[RequestSide | None] = None,
        status: FromQuery[RequestStatus | None] = None,
        stale: FromQuery[bool] = False,
        limit: LimitParam = DEFAULT_LIMIT,
        offset: OffsetParam = 0,
    ) -> OffsetPagination[MatchRequestRead]:
        rows, total = await requests.list_requests(
            db_session, principal, role, status, stale, limit, offset
        )
        items = [await requests.to_read(db_session, row, principal) for row in rows]
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)

    @get("/{request_id:int}", summary="One request")
    async def get_request(
        self, db_session: DbSession, principal: CurrentPrincipal, request_id: IdPath
    ) -> MatchRequestRead:
        request = await requests.get_request(db_session, principal, request_id)
        return await requests.to_read(db_session, request, principal)

    @post("/{request_id:int}/accept", status_code=HTTP_200_OK, summary="Accept (409 when full)")
    async def accept(
        self, db_session: DbSession, principal: CurrentPrincipal, request_id: IdPath
    ) -> MatchRequestRead:
        request = await requests.accept(db_session, principal, request_id)
        return await requests.to_read(db_session, request, principal)

    @post("/{request_id:int}/decline", status_code=HTTP_200_OK, summary="Decline (and pause)")
    async def decline(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        request_id: IdPath,
        data: JSONBody[DeclineBody | None] = None,
    ) -> MatchRequestRead:
        pause = data.pause if data is not None else False
        request = await requests.decline(db_session, principal, request_id, pause)
        return await requests.to_read(db_session, request, principal)

    @post("/{request_id:int}/withdraw", status_code=HTTP_200_OK, summary="Take a request back")
    async def withdraw(
        self, db_session: DbSession, principal: CurrentPrincipal, request_id: IdPath
    ) -> MatchRequestRead:
        request = await requests.withdraw(db_session, principal, request_id)
        return await requests.to_read(db_session, request, principal)

    @post("/{request_id:int}/ask", status_code=HTTP_200_OK, summary="Ask for more information")
    async def ask(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        request_id: IdPath,
        data: JSONBody[AskBody],
    ) -> MatchRequestRead:
        request = await requests.ask(db_session, principal, request_id, data.question)
        return await requests.to_read(db_session, request, principal)

    @post("/{request_id:int}/reply", status_code=HTTP_200_OK, summary="Answer the coach")
    async def reply(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        request_id: IdPath,
        data: JSONBody[ReplyBody],
    ) -> MatchRequestRead:
        request = await requests.reply(db_session, principal, request_id, data.answer)
        return await requests.to_read(db_session, request, principal)

    @post("/{request_id:int}/close", status_code=HTTP_200_OK, summary="Close a pair")
    async def close(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        match_index: IndexKeeperDep,
        request_id: IdPath,
        data: JSONBody[CloseBody],
    ) -> MatchRequestRead:
        request = await requests.close(db_session, principal, request_id, data)
        if principal.member_id == request.mentee_id:
            index = await match_index.sync()
            await learn_from_pair(db_session, index, request, data.rating)
        return await requests.to_read(db_session, request, principal)

    @post("/{request_id:int}/feedback", status_code=HTTP_200_OK, summary="Rate a closed pair")
    async def feedback(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        match_index: IndexKeeperDep,
        request_id: IdPath,
        data: JSONBody[FeedbackBody],
    ) -> MatchRequestRead:
        request = await requests.feedback(db_session, principal, request_id, data)
        if principal.member_id == request.mentee_id:
            index = await match_index.sync()
            await learn_from_pair(db_session, index, request, data.rating)
        return await requests.to_read(db_session, request, principal)

    @get("/{request_id:int}/messages", summary="The pair's messages (its two members only)")
    async def list_messages(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        request_id: IdPath,
        limit: LimitParam = DEFAULT_LIMIT,
        offset: OffsetParam = 0,
    ) -> OffsetPagination[MessageRead]:
        items, total = await messages.list_messages(
            db_session, principal, request_id, limit, offset
        )
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)

    @post(
        "/{request_id:int}/messages",
        status_code=HTTP_201_CREATED,
        summary="Write to the other member of an accepted pair",
    )
    async def post_message(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        request_id: IdPath,
        data: JSONBody[MessageCreate],
    ) -> MessageRead:
        return await messages.post_message(db_session, principal, request_id, data.text)
