"""Bearer-token authentication: resolves `Authorization: Bearer ...` to a principal.

Requests without credentials go through as anonymous (`scope["user"] = None`); the handlers
that need a principal ask for one and answer 401. Wrong or revoked tokens answer 401 at once.
"""

from __future__ import annotations

from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from service.accounts.services import authenticate_token
from service.errors import AuthenticationError


class BearerTokenMiddleware(ASGIMiddleware):
    """Attach the principal of a valid bearer token to the request scope."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope["user"] = None
        header = Headers.from_scope(scope).get("authorization")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthenticationError("Use 'Authorization: Bearer <token>'.")
            sessionmaker = scope["app"].state.sessionmaker
            async with sessionmaker() as session:
                principal = await authenticate_token(session, token.strip())
            if principal is None:
                raise AuthenticationError("Invalid, expired or revoked token.")
            scope["user"] = principal
        await next_app(scope, receive, send)
