"""The matching index each worker keeps in memory, kept fresh from the database change log.

Every write to matchable data appends to `index_changes` in the same transaction. Before each
query the worker replays the entries it has not applied yet (upsert or remove, no refit); when
enough has changed since the last fit, it refits in the background and swaps the new engine in.
Several workers stay consistent because each replays the same log; the newest `seq` applied is
the index version.

Commits can land out of `seq` order (a transaction that took seq 5 may commit after the one that
took seq 6), so the worker re-reads entries younger than `COMMIT_GRACE` and applies those it has
not seen, instead of trusting `seq > last`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import anyio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.engine import MatchEngine
from service.db.changes import current_version
from service.db.models import IndexChange, utcnow
from service.matches.profiles import load_profiles

logger = logging.getLogger("passerelle.index")

COMMIT_GRACE = timedelta(seconds=60)
REFIT_FRACTION = 0.2
REFIT_MIN_CHANGES = 50


class MatchingIndex:
    """One worker's matching engine and its position in the change log."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._engine = MatchEngine()
        self._floor = 0
        self._applied: set[int] = set()
        self._lock = asyncio.Lock()
        self._refit_task: asyncio.Task[None] | None = None
        self.version = 0
        self._zero_capacity: set[int] = set()
        self.member_ids: set[int] = set()

    @property
    def engine(self) -> MatchEngine:
        """The current engine (replaced wholesale by a refit)."""
        return self._engine

    async def build(self) -> None:
        """Fit a new engine on every matchable member and swap it in."""
        async with self._sessionmaker() as session:
            settled = utcnow() - COMMIT_GRACE
            floor = await session.scalar(
                select(func.max(IndexChange.seq)).where(IndexChange.changed_at < settled)
            )
            recent = set(
                await session.scalars(
                    select(IndexChange.seq).where(IndexChange.changed_at >= settled)
                )
            )
            version = await current_version(session)
            profiles = await load_profiles(session)
        engine = await anyio.to_thread.run_sync(MatchEngine().build, profiles)
        async with self._lock:
            self._engine = engine
            self._zero_capacity = {profile.id for profile in profiles if profile.capacity <= 0}
            self.member_ids = {profile.id for profile in profiles}
            self._floor, self._applied = int(floor or 0), recent
            self.version = version
        async with self._sessionmaker() as session:
            await self.refresh(session)  # changes committed while fitting
        logger.info("matching index built: %d members, version %d", len(engine), self.version)

    async def refresh(self, session: AsyncSession) -> MatchEngine:
        """Apply the change-log entries not applied yet; the engine to query."""
        rows = (
            await session.execute(
                select(IndexChange.seq, IndexChange.member_id, IndexChange.changed_at).where(
                    IndexChange.seq > self._floor
                )
            )
        ).all()
        fresh = [row for row in rows if row.seq not in self._applied]
        if fresh:
            async with self._lock:
                await self._apply(session, {row.member_id for row in fresh})
                self._applied.update(row.seq for row in fresh)
                self.version = max(self.version, *(row.seq for row in fresh))
        settled = utcnow() - COMMIT_GRACE
        old = [row.seq for row in rows if row.changed_at < settled]
        if old:
            self._floor = max(self._floor, max(old))
            self._applied = {seq for seq in self._applied if seq > self._floor}
        self._maybe_refit()
        return self._engine

    async def _apply(self, session: AsyncSession, member_ids: set[int]) -> None:
        profiles = await load_profiles(session, member_ids)
        for profile in profiles:
            self._engine.upsert(profile)
            self.member_ids.add(profile.id)
            if profile.capacity <= 0:
                self._zero_capacity.add(profile.id)
            else:
                self._zero_capacity.discard(profile.id)
        for gone in member_ids - {profile.id for profile in profiles}:
            self._zero_capacity.discard(gone)
            self.member_ids.discard(gone)
            if gone in self._engine:
                self._engine.remove(gone)

    def _maybe_refit(self) -> None:
        changes = self._engine.changes_since_fit
        if changes < max(REFIT_MIN_CHANGES, REFIT_FRACTION * len(self._engine)):
            return
        if self._refit_task is None or self._refit_task.done():
            self._refit_task = asyncio.get_running_loop().create_task(self.build())

    def no_room(self, full: set[int]) -> set[int]:
        """`full` plus every indexed member who declared no capacity."""
        return full | self._zero_capacity

    async def close(self) -> None:
        """Wait for a background refit to finish (at shutdown)."""
        if self._refit_task is not None:
            await asyncio.gather(self._refit_task, return_exceptions=True)
