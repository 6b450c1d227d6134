"""`/api/me`: my profile, the export of everything held about me, and erasure (RGPD)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, delete, get
from litestar.status_codes import HTTP_204_NO_CONTENT

from service.accounts import privacy
from service.dependencies import CurrentPrincipal, DbSession
from service.members.schemas import MemberRead
from service.members.services import get_managed_member, to_read


class MeController(Controller):
    """The signed-in member's own data."""

    path = "/api/me"
    tags = ["privacy"]

    @get("/", summary="My profile")
    async def me(self, db_session: DbSession, principal: CurrentPrincipal) -> MemberRead:
        member = await get_managed_member(db_session, principal, principal.member_id)
        return to_read(member, principal)

    @get("/export", summary="Everything held about me (RGPD access right)")
    async def export(self, db_session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
        return await privacy.export_member(db_session, principal)

    @delete("/", status_code=HTTP_204_NO_CONTENT, summary="Erase my account and personal data")
    async def erase(self, db_session: DbSession, principal: CurrentPrincipal) -> None:
        await privacy.erase_member(db_session, principal, principal.member_id)
