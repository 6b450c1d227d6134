"""Authentication endpoints: register, token, revoke, accept an invitation."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from service.accounts import services
from service.accounts.emails import fold_email
from service.accounts.principal import Principal
from service.accounts.schemas import (
    InvitationAccept,
    RegisterRequest,
    TokenRequest,
    TokenResponse,
)
from service.accounts.throttle import SignInThrottle
from service.dependencies import AppSettings, CurrentPrincipal, DbSession
from service.errors import AuthenticationError
from service.members.schemas import MemberRead
from service.members.services import to_read


class AuthController(Controller):
    """Sign-up and sign-in for API clients."""

    path = "/api/auth"
    tags = ["auth"]

    @post(
        "/register",
        status_code=HTTP_201_CREATED,
        summary="Register as a member",
        opt={"public": True},
    )
    async def register(
        self, db_session: DbSession, settings: AppSettings, data: JSONBody[RegisterRequest]
    ) -> MemberRead:
        member = await services.register(
            db_session,
            settings,
            email=data.email,
            password=data.password,
            display_name=data.display_name,
        )
        principal = Principal(account_id=member.account_id, member_id=member.id, role="member")
        await db_session.refresh(member, ["needs", "offers", "account"])
        return to_read(member, principal)

    @post(
        "/token",
        status_code=HTTP_200_OK,
        summary="Exchange email and password for a token",
        opt={"public": True},
    )
    async def token(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        settings: AppSettings,
        data: JSONBody[TokenRequest],
    ) -> TokenResponse:
        throttle: SignInThrottle = request.app.state.sign_in_throttle
        email = fold_email(data.email)
        address = request.client.host if request.client else "unknown"
        throttle.check(email, address)
        try:
            token, record = await services.issue_token(
                db_session, settings, email=email, password=data.password
            )
        except AuthenticationError:
            throttle.failed(email, address)
            raise
        throttle.succeeded(email, address)
        return TokenResponse(access_token=token, expires_at=record.expires_at)

    @post("/revoke", status_code=HTTP_204_NO_CONTENT, summary="Revoke the token used")
    async def revoke(self, db_session: DbSession, principal: CurrentPrincipal) -> None:
        await services.revoke_token(db_session, principal)

    @post(
        "/invitation",
        status_code=HTTP_200_OK,
        summary="Set a password with an invitation",
        opt={"public": True},
    )
    async def accept_invitation(
        self, db_session: DbSession, data: JSONBody[InvitationAccept]
    ) -> MemberRead:
        member = await services.accept_invitation(
            db_session, token=data.token, password=data.password
        )
        principal = Principal(
            account_id=member.account_id, member_id=member.id, role=member.account.role
        )
        await db_session.refresh(member, ["needs", "offers"])
        return to_read(member, principal)
