"""Per-worker state of the training side: the recommender fitted on the current catalogue and
the last demand computation, each keyed by what it was computed from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from catalogue.errors import CatalogueError
from catalogue.modules import Module
from catalogue.recommend import ModuleRecommender
from service.answers import AnswerCache
from service.db.models import FollowedModule, TrainingModule
from service.db.session import autocommit
from service.matches.index import MatchingIndex
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
    index: MatchingIndex
    recommender_key: Any = None
    recommender: ModuleRecommender | None = None
    modules: list[Module] = field(default_factory=list)
    demand_key: Any = None
    demand: Any = None
    answers: AnswerCache = field(default_factory=AnswerCache, repr=False)
    followed: dict[int, frozenset[str]] = field(default_factory=dict, repr=False)
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

    async def followed_by(self, database: AsyncEngine, member_id: int) -> frozenset[str]:
        """The modules a member followed (remembered until the change log names the member:
        following a module logs it; one query saved per training request)."""
        found = self.followed.get(member_id)
        if found is None:
            async with autocommit(database) as connection:
                rows = await connection.scalars(
                    select(FollowedModule.module_id).where(FollowedModule.member_id == member_id)
                )
                found = self.followed[member_id] = frozenset(rows)
        return found

    def forget(self, member_ids: set[int] | None) -> None:
        """Forget what changed (None: everything) — a change-log listener."""
        if member_ids is None:
            self.followed.clear()
        else:
            for member_id in member_ids:
                self.followed.pop(member_id, None)

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
