"""Index snapshots on disk: a worker starts by loading one instead of refitting the engine.

`passerelle serve` calls `prepare_snapshot` once before starting its workers: it builds and
saves a snapshot when there is none, when the one on disk belongs to another database or was
encoded with another theme model, or when more has changed since it was taken than a worker
should replay; then it prunes the change log (`prune_log`). Each worker then loads it
(`restore_metadata` tells whether it still fits) and replays the change log from the snapshot's
version, as it would after any other catch-up.

A snapshot names the change-log entry it was taken at (`version`, and that entry's member and
time as an `anchor`): a database that was recreated, restored or belongs to another community
has no such entry, so its snapshot is never used. Files are `.npz` and JSON, loaded without
pickle (`matching.snapshot`).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.snapshot import read_metadata
from service.db.models import IndexChange, utcnow

logger = logging.getLogger("passerelle.index")

SNAPSHOT_DIR = "index-snapshot"
REPLAY_LIMIT = 0.05
"""Above this fraction of members changed since the snapshot, `serve` rebuilds it first."""
PRUNE_AFTER = timedelta(days=1)
"""Change-log entries older than this and older than the snapshot are deleted by `serve`."""


def snapshot_path(data_dir: Path) -> Path:
    """Where the snapshot of this data directory lives."""
    return data_dir / SNAPSHOT_DIR


async def anchor(session: AsyncSession, version: int) -> list[Any] | None:
    """The (member id, time) of change-log entry `version`, identifying this database's log."""
    if version <= 0:
        return None
    row = (
        await session.execute(
            select(IndexChange.member_id, IndexChange.changed_at).where(IndexChange.seq == version)
        )
    ).first()
    return None if row is None else [int(row.member_id), row.changed_at.isoformat()]


async def usable_metadata(session: AsyncSession, directory: Path) -> dict[str, Any] | None:
    """The snapshot's metadata if it was taken from this database's change log, else None."""
    metadata = read_metadata(directory)
    if metadata is None or not isinstance(metadata.get("version"), int):
        return None
    if await anchor(session, metadata["version"]) != metadata.get("anchor"):
        logger.info("index snapshot in %s belongs to another database: not used", directory)
        return None
    return metadata


async def changes_since(session: AsyncSession, version: int) -> int:
    """How many members changed since `version` (what a worker would replay)."""
    count = await session.scalar(
        select(func.count(func.distinct(IndexChange.member_id))).where(IndexChange.seq > version)
    )
    return int(count or 0)


async def needs_rebuild(
    sessionmaker: async_sessionmaker[AsyncSession], directory: Path, featurizer: str
) -> bool:
    """True when there is no usable snapshot, it was encoded with another featurizer (theme
    model, weights), or replaying the log since it would cost too much."""
    async with sessionmaker() as session:
        metadata = await usable_metadata(session, directory)
        if metadata is None or metadata.get("featurizer") != featurizer:
            return True
        members = max(int(metadata.get("members", 0)), 1)
        return await changes_since(session, metadata["version"]) > REPLAY_LIMIT * members


async def prune_log(sessionmaker: async_sessionmaker[AsyncSession], directory: Path) -> int:
    """Delete the change-log entries no worker needs any more; how many went.

    A worker reads only entries above its own position; a worker starting from the snapshot
    needs its anchor entry and everything after. Entries below the snapshot's anchor and older
    than `PRUNE_AFTER` go (without a snapshot: every entry older than that). A snapshot of
    another machine older than a day then no longer fits, and that machine rebuilds.
    """
    async with sessionmaker() as session:
        metadata = await usable_metadata(session, directory)
        condition = IndexChange.changed_at < utcnow() - PRUNE_AFTER
        if metadata is not None:
            condition = condition & (IndexChange.seq < int(metadata["version"]))
        result = await session.execute(delete(IndexChange).where(condition))
        await session.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
