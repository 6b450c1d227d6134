"""The matching index each worker keeps in memory, kept fresh from the database change log.

Every write to matchable data (profiles, needs, offers, consent, and the requests between two
members) appends to `index_changes` in the same transaction. Before answering, a request waits
for a catch-up of the log that started after it arrived (`CoalescedSync`: concurrent requests
share one query); the catch-up upserts or removes the members it names (each encoded on its own:
nothing is refitted) and tells the listeners (the profile read cache). When the theme model
changes (`service.themes.model`), the worker re-encodes every member in the background and
swaps the new index in. Several workers stay consistent because each replays the same log; the
newest `seq` applied is the index version.

Besides the engine, the index keeps what the queries exclude: coaches at capacity (accepted
mentor pairs >= declared capacity, or no capacity declared) and, per member, everyone they
already have a request with (withdrawn requests aside).

Commits can land out of `seq` order (a transaction that took seq 5 may commit after the one that
took seq 6), so the worker's `LogCursor` remembers the holes below the newest entry it saw and
asks for them again for `COMMIT_GRACE`, instead of trusting `seq > last`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import anyio
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from matching.index import MemberIndex
from matching.profiles import MemberProfile
from matching.scoring import MatchConfig
from matching.snapshot import load_index, save_index
from service.db.models import IndexChange, utcnow
from service.db.session import autocommit
from service.matches.exclusions import PairBook
from service.matches.log_cursor import LogCursor
from service.matches.profiles import load_profiles
from service.matches.snapshots import anchor, usable_metadata
from service.result_cache import DEFAULT_CAPACITY, ResultCache
from service.sync import CoalescedSync
from service.themes.model import ModelState, ThemeKeeper

logger = logging.getLogger("passerelle.index")

COMMIT_GRACE = timedelta(seconds=60)


def settle_heap() -> None:
    """Move the long-lived objects (the index) out of the garbage collector's way.

    A worker holds millions of objects that live as long as it does; without this, every full
    collection walks them all and pauses the event loop (tail latency). Frozen objects are still
    freed by reference counting when a refit replaces them; `gc.unfreeze` first lets a full
    collection see the previous index once.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class IndexKeeper:
    """One worker's matching engine, its exclusions and its position in the change log."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        themes: ThemeKeeper,
        snapshot_dir: Path | None = None,
        config: MatchConfig | None = None,
        results_capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._themes = themes
        self._config = config or MatchConfig()
        self._snapshot_dir = snapshot_dir
        self._database: AsyncEngine = sessionmaker.kw["bind"]
        self._engine: MemberIndex | None = None
        self._cursor = LogCursor(grace=COMMIT_GRACE.total_seconds())
        self._lock = asyncio.Lock()
        self._refit_task: asyncio.Task[None] | None = None
        self._sync = CoalescedSync(self._catch_up)
        self._listeners: list[Callable[[set[int] | None], None]] = []
        self.version = 0
        self.started_from = ""
        self.member_ids: set[int] = set()
        self._capacity: dict[int, int] = {}
        self._coaches: set[int] = set()
        self._pairs = PairBook()
        self.answers = ResultCache(results_capacity)
        self._full_coaches: set[int] = set()

    @property
    def engine(self) -> MemberIndex:
        """The current index (replaced wholesale when the theme model changes)."""
        if self._engine is None:
            raise RuntimeError("IndexKeeper.start() has not run")
        return self._engine

    def on_change(self, listener: Callable[[set[int] | None], None]) -> None:
        """Call `listener(member_ids)` after changes are applied (None: anyone may have changed)."""
        self._listeners.append(listener)

    async def start(self) -> str:
        """Load the snapshot if it fits this database, else build: "snapshot" or "build"."""
        self._themes.on_change(self._model_changed)
        if self._snapshot_dir is not None and await self._restore(self._snapshot_dir):
            self.started_from = "snapshot"
        else:
            await self.build()
            self.started_from = "build"
        settle_heap()
        return self.started_from

    async def _restore(self, directory: Path) -> bool:
        async with self._sessionmaker() as session:
            metadata = await usable_metadata(session, directory)
            if metadata is None:
                return False
            pairs = await PairBook.load(session)
        expected = {"version": metadata["version"], "anchor": metadata["anchor"]}
        featurizer = self._themes.current.featurizer
        engine = await anyio.to_thread.run_sync(
            load_index, directory, featurizer, self._config, expected
        )
        if engine is None:
            return False
        profiles = engine.profiles()
        cursor = LogCursor(
            metadata["version"],
            metadata.get("holes", []),
            now=time.monotonic(),
            grace=COMMIT_GRACE.total_seconds(),
        )
        async with self._lock:
            self._swap(engine, profiles, pairs, cursor)
        self._notify(None)
        await self.sync()  # replay what changed since the snapshot
        logger.info(
            "matching index loaded from snapshot: %d members, version %d -> %d",
            len(engine),
            metadata["version"],
            self.version,
        )
        return True

    async def save_snapshot(self) -> None:
        """Write the current engine to the snapshot directory (atomically replaced)."""
        if self._snapshot_dir is None:
            return
        async with self._lock:
            cursor, engine = self._cursor, self.engine
            async with self._sessionmaker() as session:
                metadata = {
                    "version": cursor.high,
                    "anchor": await anchor(session, cursor.high),
                    "holes": sorted(cursor.holes),
                    "members": len(engine),
                    "theme_model": self._themes.current.version,
                    "featurizer": engine.featurizer.fingerprint,
                }
            await anyio.to_thread.run_sync(save_index, engine, self._snapshot_dir, metadata)

    def _swap(
        self,
        engine: MemberIndex,
        profiles: list[MemberProfile],
        pairs: PairBook,
        cursor: LogCursor,
    ) -> None:
        self._engine = engine
        self._capacity = {profile.id: profile.capacity for profile in profiles}
        self._coaches = {profile.id for profile in profiles if profile.is_coach}
        self.member_ids = set(self._capacity)
        self._pairs = pairs
        self._full_coaches = set()
        self._update_room(self.member_ids)
        self._cursor = cursor
        self.version = cursor.high
        self.answers = ResultCache(self.answers.capacity)  # a refitted engine may rank differently

    async def build(self) -> None:
        """Encode every matchable member with the theme model in use and swap the index in."""
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
            profiles = await load_profiles(session)
            pairs = await PairBook.load(session)
        high = max(recent, default=int(floor or 0))
        cursor = LogCursor(
            high,
            set(range(int(floor or 0) + 1, high)) - recent,
            now=time.monotonic(),
            grace=COMMIT_GRACE.total_seconds(),
        )
        fresh = MemberIndex(self._themes.current.featurizer, self._config)
        engine = await anyio.to_thread.run_sync(fresh.build, profiles)
        async with self._lock:
            self._swap(engine, profiles, pairs, cursor)
        self._notify(None)
        await self.sync()  # changes committed while fitting
        logger.info("matching index built: %d members, version %d", len(engine), self.version)

    async def sync(self) -> MemberIndex:
        """The engine, once every change committed before this call has been applied."""
        await self._sync.wait()
        return self.engine

    async def _catch_up(self) -> None:
        """Read the change-log entries not seen yet (usually none) and apply them.

        The read is one statement on an autocommit connection (no BEGIN/ROLLBACK round trips);
        applying changes, rare by comparison, loads the members in a session.
        """
        cursor = self._cursor
        query = select(IndexChange.seq, IndexChange.member_id)
        holes = cursor.listed_holes()
        if holes is None:
            query = query.where(IndexChange.seq > cursor.lowest_wanted())
        elif holes:
            query = query.where(or_(IndexChange.seq > cursor.high, IndexChange.seq.in_(holes)))
        else:
            query = query.where(IndexChange.seq > cursor.high)
        async with autocommit(self._database) as connection:
            rows = (await connection.execute(query)).all()
        if cursor.unseen(row.seq for row in rows):
            async with self._lock, self._sessionmaker() as session:
                cursor = self._cursor  # a rebuild may have swapped in a newer one meanwhile
                fresh = set(cursor.unseen(row.seq for row in rows))
                if fresh:
                    changed = {row.member_id for row in rows if row.seq in fresh}
                    await self._apply(session, changed)
                    cursor.advance(fresh, time.monotonic())
                    self.version = max(self.version, cursor.high)
                    self._notify(changed)
        elif cursor.holes:
            cursor.advance((), time.monotonic())

    async def _apply(self, session: AsyncSession, member_ids: set[int]) -> None:
        profiles = await load_profiles(session, member_ids)
        await self._pairs.reload(session, member_ids)
        engine = self.engine
        engine.upsert_many([p for p in profiles if p.id not in engine or engine.profile(p.id) != p])
        for profile in profiles:
            self._capacity[profile.id] = profile.capacity
            self.member_ids.add(profile.id)
            (self._coaches.add if profile.is_coach else self._coaches.discard)(profile.id)
        for gone in member_ids - {profile.id for profile in profiles}:
            self._capacity.pop(gone, None)
            self._coaches.discard(gone)
            self.member_ids.discard(gone)
            if gone in engine:
                engine.remove(gone)
        self._update_room(member_ids)

    def _update_room(self, member_ids: set[int]) -> None:
        """Coaches and trainers without room: no capacity declared, or every place taken."""
        for member_id in member_ids:
            capacity = self._capacity.get(member_id)
            full = capacity is not None and (
                capacity <= 0 or self._pairs.accepted(member_id) >= capacity
            )
            if full and member_id in self._coaches:
                self._full_coaches.add(member_id)
            else:
                self._full_coaches.discard(member_id)

    def _notify(self, member_ids: set[int] | None) -> None:
        for listener in self._listeners:
            listener(member_ids)

    def _model_changed(self, state: ModelState) -> None:
        """The theme model changed: re-encode everyone in the background, then swap."""
        if self._refit_task is None or self._refit_task.done():
            self._refit_task = asyncio.get_running_loop().create_task(self._refit())

    async def _refit(self) -> None:
        await self.build()
        settle_heap()

    def remaining_capacity(self, member_id: int) -> int:
        """Declared capacity minus accepted pairs as the answering side (never below zero)."""
        return max(self._capacity.get(member_id, 0) - self._pairs.accepted(member_id), 0)

    def no_room(self) -> frozenset[int] | set[int]:
        """Coaches and trainers who cannot accompany anyone new: no capacity declared, or it is
        full (peer exchange needs no capacity). Read-only: the caller must not change it."""
        return self._full_coaches

    def partners(self, member_id: int) -> set[int]:
        """Everyone `member_id` already has a request with, in any status."""
        return self._pairs.partners(member_id)

    async def close(self) -> None:
        """Wait for a background re-encoding to finish (at shutdown)."""
        if self._refit_task is not None:
            await asyncio.gather(self._refit_task, return_exceptions=True)
