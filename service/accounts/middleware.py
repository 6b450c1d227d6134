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

from service.accounts.principal import Principal
from service.accounts.principal_cache import PrincipalCache
from service.accounts.services import authenticate_token
from service.accounts.sessions import SESSION_COOKIE
from service.accounts.tokens import token_digest
from service.db.session import autocommit
from service.errors import AuthenticationError

API_PREFIX = "/api/"


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


async def _principal(scope: Scope, token: str) -> Principal | None:
    """Who `token` belongs to: from this worker's short-lived cache, else the database."""
    state = scope["app"].state
    cache: PrincipalCache = state.principal_cache
    digest = token_digest(token)
    principal = cache.get(digest)
    if principal is None:
        async with autocommit(state.database) as connection:
            principal = await authenticate_token(connection, token)
        if principal is not None:
            cache.put(digest, principal, principal.token_expires_at)
    return principal


class BearerTokenMiddleware(ASGIMiddleware):
    """Attach the principal of a valid bearer token to the request scope."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope["user"] = None
        headers = Headers.from_scope(scope)
        header = headers.get("authorization")
        if not header and not scope["path"].startswith(API_PREFIX):
            token = _cookie(headers.get("cookie", ""), SESSION_COOKIE)
            if token:
                scope["user"] = await _principal(scope, token)
        elif header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthenticationError("Use 'Authorization: Bearer <token>'.")
            principal = await _principal(scope, token.strip())
            if principal is None:
                raise AuthenticationError("Invalid, expired or revoked token.")
            scope["user"] = principal
        await next_app(scope, receive, send)
