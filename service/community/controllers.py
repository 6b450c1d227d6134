"""`GET /api/public/community[.csv]`: open governance, no sign-in needed."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get

from service.accounts.principal import Principal
from service.community.public import community_figures, to_csv
from service.community.schemas import PublicCommunity
from service.dependencies import DbSession, TrainingCacheDep
from service.params import CsvHeadersQuery


class PublicCommunityController(Controller):
    """The community's figures for everyone (aggregates only, counts below 5 masked)."""

    path = "/api/public"
    tags = ["community"]
    opt = {"public": True}
    security = [{}]

    @get("/community", summary="The community in figures (open data, no sign-in)")
    async def community(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        training_cache: TrainingCacheDep,
    ) -> PublicCommunity:
        viewer = request.user if isinstance(request.user, Principal) else None
        return await community_figures(db_session, training_cache, viewer)

    @get(
        "/community.csv",
        summary="The same figures as CSV (open licence)",
        media_type="text/csv; charset=utf-8",
    )
    async def community_csv(
        self,
        db_session: DbSession,
        training_cache: TrainingCacheDep,
        header_row: CsvHeadersQuery = "fr",
    ) -> Response[str]:
        figures = await community_figures(db_session, training_cache)
        return Response(
            to_csv(figures, keys=header_row == "keys"),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="communaute.csv"'},
        )
