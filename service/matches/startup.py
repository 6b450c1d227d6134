"""Before the workers start: make sure the index snapshot they will load fits the database."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker

from matching.scoring import MatchConfig
from service.db.session import make_engine
from service.matches.index import IndexKeeper
from service.matches.snapshots import needs_rebuild, prune_log, snapshot_path
from service.settings import Settings
from service.themes.model import ThemeKeeper


async def prepare_snapshot(settings: Settings) -> int | None:
    """Build and save the snapshot if missing, foreign, of another model or too old (how many
    members it indexed, None when the one on disk still fits); then prune the change log."""
    engine = make_engine(settings.database_url)
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    directory = snapshot_path(settings.data_dir)
    try:
        themes = ThemeKeeper(sessionmaker, MatchConfig(), refresh_seconds=0)
        await themes.start()
        built = None
        if await needs_rebuild(sessionmaker, directory, themes.current.featurizer.fingerprint):
            index = IndexKeeper(sessionmaker, themes, directory)
            await index.build()
            await index.save_snapshot()
            built = len(index.engine)
        await prune_log(sessionmaker, directory)
        return built
    finally:
        await engine.dispose()
