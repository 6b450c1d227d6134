"""Per-worker state of the training side: the recommender fitted on the current catalogue and
the last demand computation, each keyed by what it was computed from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalogue.errors import CatalogueError
from catalogue.modules import Module
from catalogue.recommend import ModuleRecommender
from service.db.models import TrainingModule
from service.matches.index import IndexKeeper
from service.result_cache import ResultCache
from service.sync import CoalescedSync
from service.themes.model import ThemeKeeper
from service.training.modules import to_module


async def catalogue_version(session: AsyncSession) -> tuple[int, datetime | None]:
    """Changes whenever a module is added or edited."""
    row = (
        await session.execute(
            select(func.count(TrainingModule.id), func.max(TrainingModule.updated_at))
        )
    ).one()
    return int(row[0]), row[1]


@dataclass
class TrainingCache:
    """The recommender fitted on the current catalogue, and the last demand computation."""

    themes: ThemeKeeper
    index: IndexKeeper
    recommender_key: Any = None
    recommender: ModuleRecommender | None = None
    modules: list[Module] = field(default_factory=list)
    demand_key: Any = None
    demand: Any = None
    answers: ResultCache = field(default_factory=ResultCache, repr=False)
    _catalogue_sync: CoalescedSync | None = field(default=None, init=False, repr=False)

    async def current(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> ModuleRecommender | None:
        """`fitted` for the catalogue as it was when the call started, one query per batch.

        Concurrent callers share one catalogue-version check (`CoalescedSync`): a module added
        before the call is seen, and a busy worker does not ask the database on every request.
        """
        if self._catalogue_sync is None:

            async def check() -> None:
                async with sessionmaker() as session:
                    await self.fitted(session)

            self._catalogue_sync = CoalescedSync(check)
        await self._catalogue_sync.wait()
        return self.recommender

    async def fitted(self, session: AsyncSession) -> ModuleRecommender | None:
        """The recommender for the catalogue as it is now (None for an empty catalogue)."""
        featurizer = self.themes.current.featurizer
        key = (await catalogue_version(session), featurizer.fingerprint)
        if key != self.recommender_key:
            records = await session.scalars(select(TrainingModule).order_by(TrainingModule.id))
            self.modules = [to_module(record) for record in records]
            try:
                self.recommender = ModuleRecommender(featurizer).fit(self.modules)
            except CatalogueError:
                self.recommender = None
            self.recommender_key = key
        return self.recommender
