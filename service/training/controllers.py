"""Catalogue, training recommendations, demand clusters and incubator endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from catalogue.modules import Audience, Format, Status
from service.accounts.guards import trainer_or_animator
from service.dependencies import CurrentPrincipal, DbSession, Reads, TrainingCacheDep
from service.errors import PermissionDeniedError
from service.pagination import DEFAULT_LIMIT, LimitParam, OffsetParam
from service.params import IdPath
from service.training import (
    demand,
    incubator,
    module_interest,
    modules,
    proposal_interest,
    recommendations,
)
from service.training.modules import ModuleImportReport
from service.training.schemas import (
    ClustersResponse,
    FollowedCreate,
    ModuleRead,
    ModuleUpdate,
    ProposalRead,
    ProposalStatus,
    SharedLesson,
    TrainingResponse,
)

IMPORT_MAX_BODY = 16 * 1024 * 1024


class CatalogueController(Controller):
    """The training catalogue: everyone reads published modules; trainers and animators write."""

    path = "/api/catalogue/modules"
    tags = ["catalogue"]

    @get("/", summary="List modules")
    async def list_modules(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        status: FromQuery[Status | None] = None,
        audience: FromQuery[Audience | None] = None,
        format: FromQuery[Format | None] = None,
        region: FromQuery[str | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=120)] = None,
        limit: LimitParam = DEFAULT_LIMIT,
        offset: OffsetParam = 0,
    ) -> OffsetPagination[ModuleRead]:
        rows, total = await modules.list_modules(
            db_session,
            principal,
            status=status,
            audience=audience,
            format=format,
            region=region,
            q=q,
            limit=limit,
            offset=offset,
        )
        counts = await module_interest.counts(db_session, [row.id for row in rows])
        return OffsetPagination(
            items=[modules.to_read(row, counts.get(row.id, 0)) for row in rows],
            total=total,
            limit=limit,
            offset=offset,
        )

    @post("/", status_code=HTTP_201_CREATED, guards=[trainer_or_animator], summary="Add a module")
    async def create_module(
        self, db_session: DbSession, data: JSONBody[dict[str, Any]]
    ) -> ModuleRead:
        return modules.to_read(await modules.create_module(db_session, data))

    @get("/{module_id:str}", summary="Read a module")
    async def get_module(
        self, db_session: DbSession, principal: CurrentPrincipal, module_id: FromPath[str]
    ) -> ModuleRead:
        record = await modules.get_module(db_session, principal, module_id)
        return modules.to_read(record, await module_interest.count(db_session, record.id))

    @patch("/{module_id:str}", guards=[trainer_or_animator], summary="Edit a module")
    async def update_module(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        module_id: FromPath[str],
        data: JSONBody[ModuleUpdate],
    ) -> ModuleRead:
        record = await modules.update_module(db_session, principal, module_id, data.changes())
        return modules.to_read(record, await module_interest.count(db_session, record.id))


class ModuleImportController(Controller):
    """Bulk import of modules (same all-or-nothing rules as the member import)."""

    path = "/api/import"
    tags = ["import"]

    @post(
        "/modules",
        status_code=HTTP_200_OK,
        guards=[trainer_or_animator],
        request_max_body_size=IMPORT_MAX_BODY,
        summary="Import modules (all-or-nothing unless partial=true)",
    )
    async def import_modules(
        self,
        db_session: DbSession,
        data: JSONBody[list[dict[str, Any]]],
        partial: FromQuery[bool] = False,
    ) -> ModuleImportReport:
        return await modules.import_modules(db_session, data, partial=partial)


class TrainingController(Controller):
    """Modules for a member, and the modules they followed."""

    path = "/api/members/{member_id:int}"
    tags = ["catalogue"]

    @get("/training", summary="Training modules for my needs")
    async def training(
        self,
        reads: Reads,
        member_id: IdPath,
        limit: Annotated[int, QueryParameter(ge=1, le=50)] = 5,
    ) -> TrainingResponse:
        return await recommendations.training_for(reads, member_id, limit)

    @post("/training/followed", status_code=HTTP_201_CREATED, summary="I followed a module")
    async def followed(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        member_id: IdPath,
        data: JSONBody[FollowedCreate],
    ) -> list[str]:
        return await recommendations.mark_followed(db_session, principal, member_id, data.module_id)

    @get("/lessons", summary="Shared lessons from the themes of my needs")
    async def lessons(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        training_cache: TrainingCacheDep,
        member_id: IdPath,
    ) -> list[SharedLesson]:
        if not principal.may_manage(member_id):
            raise PermissionDeniedError("You may only see lessons for your own needs.")
        return await demand.lessons_for_member(db_session, training_cache, member_id)


class DemandController(Controller):
    """Where demand clusters, for trainers and animators; incubator proposals."""

    tags = ["incubator"]
    guards = [trainer_or_animator]

    @get("/api/demand/clusters", summary="Demand clusters (needs only for animators)")
    async def clusters(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        training_cache: TrainingCacheDep,
        include: FromQuery[str | None] = None,
    ) -> ClustersResponse:
        return await demand.clusters_view(
            db_session, training_cache, principal, include_needs=include == "needs"
        )

    @get("/api/incubator/proposals", summary="Proposed modules for uncovered demand")
    async def proposals(
        self,
        db_session: DbSession,
        training_cache: TrainingCacheDep,
        status: FromQuery[ProposalStatus | None] = None,
        limit: LimitParam = DEFAULT_LIMIT,
        offset: OffsetParam = 0,
    ) -> OffsetPagination[ProposalRead]:
        rows, total = await incubator.list_proposals(
            db_session, training_cache, status, limit, offset
        )
        ids = [row.id for row in rows]
        counts, notes = (
            await proposal_interest.counts(db_session, ids),
            await proposal_interest.comments(db_session, ids),
        )
        items = [incubator.to_read(r, counts.get(r.id, 0), notes.get(r.id, [])) for r in rows]
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)

    @post(
        "/api/incubator/proposals/{proposal_id:int}/adopt",
        status_code=HTTP_201_CREATED,
        summary="Adopt a proposal: a draft module (source incubator)",
    )
    async def adopt(self, db_session: DbSession, proposal_id: IdPath) -> ModuleRead:
        return modules.to_read(await incubator.adopt(db_session, proposal_id))


class InterestController(Controller):
    """« Ça m'intéresse » on an incubator proposal: any signed-in member, once."""

    path = "/api/incubator/proposals/{proposal_id:int}/interest"
    tags = ["incubator"]

    @post("/", status_code=HTTP_200_OK, summary="Say « Ça m'intéresse » (optional comment)")
    async def express(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        proposal_id: IdPath,
        data: JSONBody[proposal_interest.InterestCreate | None] = None,
    ) -> proposal_interest.InterestRead:
        comment = data.comment if data else ""
        return await proposal_interest.express(db_session, principal, proposal_id, comment)

    @delete("/", status_code=HTTP_204_NO_CONTENT, summary="Take my interest back")
    async def withdraw(
        self, db_session: DbSession, principal: CurrentPrincipal, proposal_id: IdPath
    ) -> None:
        await proposal_interest.withdraw(db_session, principal, proposal_id)


class ModuleInterestController(Controller):
    """« Ça m'intéresse » on a training module: any signed-in member, once per module."""

    path = "/api/training/modules/{module_id:str}/interest"
    tags = ["catalogue"]

    @post("/", status_code=HTTP_200_OK, summary="Say « Ça m'intéresse » about a module")
    async def express(
        self, db_session: DbSession, principal: CurrentPrincipal, module_id: FromPath[str]
    ) -> module_interest.ModuleInterestRead:
        return await module_interest.express(db_session, principal, module_id)

    @delete("/", status_code=HTTP_200_OK, summary="Take my interest in a module back")
    async def withdraw(
        self, db_session: DbSession, principal: CurrentPrincipal, module_id: FromPath[str]
    ) -> module_interest.ModuleInterestRead:
        return await module_interest.withdraw(db_session, principal, module_id)
