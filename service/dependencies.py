"""Every dependency a handler can ask for by name: each provider, and its type alias.

The app registers each provider under its name (`service.app`); a handler declares the
parameter with the alias (`db_session: DbSession`). Hot read handlers take the one bundled
`reads: Reads` (see `service.read_side`) instead of several.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts.guards import principal_of
from service.accounts.principal import Principal
from service.matches.index import IndexKeeper
from service.read_side import ReadSide
from service.settings import Settings
from service.themes.model import ThemeKeeper
from service.training.cache import TrainingCache


def provide_settings(state: State) -> Settings:
    """The settings the app was created with."""
    return state.settings  # type: ignore[no-any-return]


def provide_match_index(state: State) -> IndexKeeper:
    """This worker's in-memory matching index."""
    return state.match_index  # type: ignore[no-any-return]


def provide_themes(state: State) -> ThemeKeeper:
    """This worker's theme model and its refit decisions."""
    return state.themes  # type: ignore[no-any-return]


def provide_training_cache(state: State) -> TrainingCache:
    """This worker's fitted catalogue models and last demand run."""
    return state.training_cache  # type: ignore[no-any-return]


def provide_read_side(request: Request[Any, Any, Any]) -> ReadSide:
    """The read side of this request (401 for anonymous callers)."""
    state = request.app.state
    return ReadSide(
        principal=principal_of(request),
        index=state.match_index,
        reads=state.member_reads,
        training=state.training_cache,
        practices=state.practice_cache,
        database=state.database,
        sessionmaker=state.sessionmaker,
    )


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The authenticated caller, or 401."""
    return principal_of(request)


DbSession: TypeAlias = NamedDependency[AsyncSession]
"""The request's database session (advanced-alchemy; committed on 2xx, rolled back otherwise)."""
CurrentPrincipal: TypeAlias = NamedDependency[Principal]
"""The authenticated caller; asking for it makes the handler answer 401 to anonymous calls."""
AppSettings: TypeAlias = NamedDependency[Settings]
"""The settings the app was created with."""
IndexKeeperDep: TypeAlias = NamedDependency[IndexKeeper]
"""This worker's matching index (replays the change log before each query)."""
Reads: TypeAlias = NamedDependency[ReadSide]
"""The caller and this worker's read models, as one dependency (see `service.read_side`)."""
TrainingCacheDep: TypeAlias = NamedDependency[TrainingCache]
"""This worker's fitted recommender and demand clustering cache."""
ThemesDep: TypeAlias = NamedDependency[ThemeKeeper]
"""This worker's theme model (and the decisions on refitting it)."""
