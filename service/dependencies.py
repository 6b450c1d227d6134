"""Dependencies injected into handlers by name: settings and the calling principal."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State

from service.accounts.guards import principal_of
from service.accounts.principal import Principal
from service.settings import Settings


def provide_settings(state: State) -> Settings:
    """The settings the app was created with."""
    return state.settings  # type: ignore[no-any-return]


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The authenticated caller, or 401."""
    return principal_of(request)
