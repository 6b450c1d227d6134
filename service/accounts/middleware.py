"""Authentication: `Authorization: Bearer ...` for the API, the session cookie for pages.

Requests without credentials go through as anonymous (`scope["user"] = None`); the handlers
that need a principal ask for one and answer 401. A wrong or revoked bearer token answers 401 at
once; a stale session cookie just leaves the page request anonymous (the page asks to sign in).
The cookie never authenticates `/api` routes, so API writes cannot be forged cross-site.
"""

from __future__ import annotations

from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from service.accounts.services import authenticate_token
from service.accounts.sessions import SESSION_COOKIE
from service.errors import AuthenticationError

API_PREFIX = "/api/"


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


class BearerTokenMiddleware(ASGIMiddleware):
    """Attach the principal of a valid bearer token to the request scope."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope["user"] = None
        headers = Headers.from_scope(scope)
        header = headers.get("authorization")
        sessionmaker = scope["app"].state.sessionmaker
        if not header and not scope["path"].startswith(API_PREFIX):
            token = _cookie(headers.get("cookie", ""), SESSION_COOKIE)
            if token:
                async with sessionmaker() as session:
                    scope["user"] = await authenticate_token(session, token)
        elif header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthenticationError("Use 'Authorization: Bearer <token>'.")
            async with sessionmaker() as session:
                principal = await authenticate_token(session, token.strip())
            if principal is None:
                raise AuthenticationError("Invalid, expired or revoked token.")
            scope["user"] = principal
        await next_app(scope, receive, send)
