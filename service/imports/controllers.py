"""Bulk import endpoints (animators)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, post
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK

from service.accounts.guards import animator_only
from service.dependencies import DbSession
from service.imports.members import ImportReport, import_members

IMPORT_MAX_BODY = 64 * 1024 * 1024


class ImportController(Controller):
    """Upsert members in bulk, keyed on email."""

    path = "/api/import"
    tags = ["import"]
    guards = [animator_only]

    @post(
        "/members",
        status_code=HTTP_200_OK,
        request_max_body_size=IMPORT_MAX_BODY,
        summary="Import member profiles (all-or-nothing unless partial=true)",
    )
    async def import_members(
        self,
        db_session: DbSession,
        data: JSONBody[list[dict[str, Any]]],
        partial: FromQuery[bool] = False,
    ) -> ImportReport:
        return await import_members(db_session, data, partial=partial)
