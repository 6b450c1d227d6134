"""Litestar guards: role checks declared on controllers and handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from service.accounts.principal import Principal
from service.errors import AuthenticationError, PermissionDeniedError

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]
"""Guards are coroutines: Litestar runs a plain function guard in a thread on every request."""


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The authenticated principal, or 401."""
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise AuthenticationError("Authentication required.")
    return user


def requires_role(*roles: str) -> Guard:
    """A guard letting through only the given roles."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if principal_of(connection).role not in roles:
            raise PermissionDeniedError(f"Reserved to: {', '.join(roles)}.")

    guard.__name__ = f"requires_{'_or_'.join(roles)}"
    return guard


animator_only = requires_role("animator")
trainer_or_animator = requires_role("trainer", "animator")


async def authenticated_api(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """App-wide guard: every `/api` route needs a principal unless marked `opt={"public": True}`.

    Guards run before bodies are parsed, so an anonymous call is always a 401, never a 400.
    `OPTIONS` is public everywhere: it only answers which methods a path takes (`Allow`).
    """
    if connection.scope["method"] == "OPTIONS":
        return
    if connection.scope["path"].startswith("/api/") and not handler.opt.get("public"):
        principal_of(connection)
