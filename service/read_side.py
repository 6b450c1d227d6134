"""What a hot read handler needs from its worker, injected as one dependency.

Litestar resolves two or more dependencies of a handler concurrently, one task each; on the
busiest reads (profile, matches, training) that costs more than the work itself. `ReadSide`
bundles the caller and this worker's in-memory read models so those handlers take a single,
synchronous dependency, and open a database session only when they miss their cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.accounts.principal import Principal
from service.matches.index import IndexKeeper
from service.members.read_cache import MemberReadCache
from service.practices.recommend import PracticeCache
from service.training.cache import TrainingCache


@dataclass(frozen=True, slots=True)
class ReadSide:
    """The caller, this worker's matching index, profile cache and training cache."""

    principal: Principal
    index: IndexKeeper
    reads: MemberReadCache
    training: TrainingCache
    practices: PracticeCache
    database: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
