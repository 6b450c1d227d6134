"""Member and need endpoints: thin, each body calls one service function."""

from __future__ import annotations

from typing import Annotated

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, delete, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from msgspec import UNSET

from service.accounts import privacy
from service.accounts import services as accounts
from service.accounts.guards import animator_only
from service.dependencies import (
    AppSettings,
    CurrentPrincipal,
    DbSession,
    Reads,
)
from service.errors import InvalidInputError
from service.mail.invitations import email_invitation
from service.members import services
from service.members.schemas import (
    InvitationRead,
    InvitationSent,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    NeedCreate,
    NeedRead,
    NeedUpdate,
)
from service.pagination import DEFAULT_LIMIT, LimitParam, OffsetParam
from service.params import IdPath
from service.reference import NeedStatus, OrganizationType, Role, normalize_region


def _region_filter(region: str | None) -> str | None:
    if region is None:
        return None
    try:
        return normalize_region(region)
    except ValueError as exc:
        raise InvalidInputError.for_field("region", str(exc)) from None


class MemberController(Controller):
    """Profiles: the directory, one's own profile, and the animators' management."""

    path = "/api/members"
    tags = ["members"]

    @get("/", summary="List members")
    async def list_members(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        role: FromQuery[Role | None] = None,
        region: FromQuery[str | None] = None,
        organization_type: FromQuery[OrganizationType | None] = None,
        q: Annotated[
            str | None, QueryParameter(max_length=120, description="Text in the name")
        ] = None,
        limit: LimitParam = DEFAULT_LIMIT,
        offset: OffsetParam = 0,
    ) -> OffsetPagination[MemberRead]:
        filters = services.MemberFilters(
            role=role, region=_region_filter(region), organization_type=organization_type, q=q
        )
        members, total = await services.list_members(db_session, principal, filters, limit, offset)
        items = [services.to_read(member, principal) for member in members]
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)

    @post("/", status_code=HTTP_201_CREATED, guards=[animator_only], summary="Create a member")
    async def create_member(
        self, db_session: DbSession, principal: CurrentPrincipal, data: JSONBody[MemberCreate]
    ) -> MemberRead:
        member = await services.create_member(db_session, data)
        return services.to_read(member, principal)

    @get("/{member_id:int}", summary="Read a profile")
    async def get_member(self, reads: Reads, member_id: IdPath) -> MemberRead:
        await reads.index.sync()  # every change committed before this request is applied
        return await services.read_member(reads.database, reads.reads, reads.principal, member_id)

    @patch("/{member_id:int}", summary="Update a profile (self or animator)")
    async def update_member(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        member_id: IdPath,
        data: JSONBody[MemberUpdate],
    ) -> MemberRead:
        member = await services.update_member(db_session, principal, member_id, data)
        return services.to_read(member, principal)

    @delete("/{member_id:int}", status_code=HTTP_204_NO_CONTENT, summary="Delete a member")
    async def delete_member(
        self, db_session: DbSession, principal: CurrentPrincipal, member_id: IdPath
    ) -> None:
        await privacy.erase_member(db_session, principal, member_id)

    @post(
        "/{member_id:int}/invitation",
        status_code=HTTP_201_CREATED,
        guards=[animator_only],
        summary="Issue a single-use invitation to set a password",
    )
    async def invite(
        self, db_session: DbSession, settings: AppSettings, member_id: IdPath
    ) -> InvitationRead:
        token, record = await accounts.create_invitation(db_session, settings, member_id)
        return InvitationRead(member_id=member_id, token=token, expires_at=record.expires_at)

    @post(
        "/{member_id:int}/invitation/email",
        status_code=HTTP_202_ACCEPTED,
        guards=[animator_only],
        summary="Send (or send again) the invitation by e-mail (409 once signed in)",
    )
    async def email_invitation(self, db_session: DbSession, member_id: IdPath) -> InvitationSent:
        member, record = await email_invitation(db_session, member_id)
        return InvitationSent(
            member_id=member.id, email=member.account.email, expires_at=record.expires_at
        )

    @get("/{member_id:int}/needs", summary="A member's needs (self or animator)")
    async def list_needs(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        member_id: IdPath,
        status: FromQuery[NeedStatus | None] = None,
        limit: LimitParam = DEFAULT_LIMIT,
        offset: OffsetParam = 0,
    ) -> OffsetPagination[NeedRead]:
        needs, total = await services.list_needs(
            db_session, principal, member_id, status, limit, offset
        )
        items = [services.need_to_read(need) for need in needs]
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)

    @post("/{member_id:int}/needs", status_code=HTTP_201_CREATED, summary="Add a need")
    async def add_need(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        member_id: IdPath,
        data: JSONBody[NeedCreate],
    ) -> NeedRead:
        need = await services.add_need(db_session, principal, member_id, data.text)
        return services.need_to_read(need)


class NeedController(Controller):
    """A need's status changes (open, met, withdrawn)."""

    path = "/api/needs"
    tags = ["members"]

    @patch("/{need_id:int}", summary="Change a need's status or wording")
    async def update_need(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        need_id: IdPath,
        data: JSONBody[NeedUpdate],
    ) -> NeedRead:
        need = await services.update_need(
            db_session,
            principal,
            need_id,
            status=None if data.status is UNSET else data.status,  # type: ignore[arg-type]
            text=None if data.text is UNSET else data.text,  # type: ignore[arg-type]
        )
        return services.need_to_read(need)
