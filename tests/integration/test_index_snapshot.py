"""Index snapshots: a worker starts from one, replays later changes, never uses a foreign one."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from service.app import create_app
from service.db.models import IndexChange, utcnow
from service.matches.index import IndexKeeper
from service.matches.startup import prepare_snapshot
from service.settings import Settings
from tests.integration.actors import Actors

HYBRID_NEED = "Mes agents décrochent depuis qu'on alterne présentiel et télétravail"
HYBRID_OFFER = "Management hybride, rituels d'équipe à distance"
PARTICIPATION_OFFER = "Budget participatif et concertation des habitants"


def index_of(client: AsyncTestClient[Any]) -> IndexKeeper:
    return client.app.state.match_index  # type: ignore[no-any-return]


async def test_a_worker_starts_from_the_snapshot_and_replays_later_changes(
    client: AsyncTestClient[Any], actors: Actors, settings: Settings
) -> None:
    coach = await actors.create("coach", capacity=2, offers_text=[PARTICIPATION_OFFER])
    alice = await actors.create("member", needs_text=["Trouver des idées pour la cantine"])
    assert await prepare_snapshot(settings) == 2  # what `passerelle serve` does first
    assert await prepare_snapshot(settings) is None  # still fits: nothing to rebuild

    later = await actors.create("coach", capacity=2, offers_text=[HYBRID_OFFER])
    patch = await client.patch(
        f"/api/members/{alice.member_id}", headers=alice.headers, json={"needs": [HYBRID_NEED]}
    )
    assert patch.status_code == 200

    async with AsyncTestClient(app=create_app(settings)) as restarted:
        index = index_of(restarted)
        assert index.started_from == "snapshot"
        assert {coach.member_id, later.member_id, alice.member_id} <= index.member_ids
        found = await restarted.get(
            f"/api/members/{alice.member_id}/matches", headers=alice.headers
        )
        assert found.json()["results"][0]["member_id"] == later.member_id


async def test_a_snapshot_of_another_database_is_not_used(
    client: AsyncTestClient[Any], actors: Actors, settings: Settings, tmp_path: Any
) -> None:
    await actors.create("coach", capacity=2, offers_text=[HYBRID_OFFER])
    assert await prepare_snapshot(settings) == 1

    other = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'other.db'}",
        data_dir=settings.data_dir,
        secret_key="t" * 48,
    )
    async with AsyncTestClient(app=create_app(other)) as elsewhere:
        assert index_of(elsewhere).started_from == "build"
        assert index_of(elsewhere).member_ids == set()


async def test_serve_prunes_the_change_log_below_its_snapshot(
    client: AsyncTestClient[Any], actors: Actors, settings: Settings, database_url: str
) -> None:
    old = utcnow() - timedelta(days=2)
    await actors.execute(
        insert(IndexChange).values([{"member_id": 999_999, "changed_at": old} for _ in range(5)])
    )
    await actors.create("coach", capacity=2, offers_text=[HYBRID_OFFER])
    assert await prepare_snapshot(settings) == 1
    engine = create_async_engine(database_url, poolclass=NullPool)
    async with engine.connect() as connection:
        left = (await connection.execute(select(IndexChange.member_id))).scalars().all()
    await engine.dispose()
    assert 999_999 not in left and left  # the old entries went, the snapshot's anchor stayed
    async with AsyncTestClient(app=create_app(settings)) as restarted:
        assert index_of(restarted).started_from == "snapshot"


async def test_a_snapshot_of_another_theme_model_is_rebuilt(
    client: AsyncTestClient[Any], actors: Actors, settings: Settings
) -> None:
    await actors.create("coach", capacity=2, offers_text=[HYBRID_OFFER])
    assert await prepare_snapshot(settings) == 1
    meta = settings.data_dir / "index-snapshot" / "meta.json"
    data = json.loads(meta.read_text("utf-8"))
    data["metadata"]["featurizer"] = "another-model"
    meta.write_text(json.dumps(data), "utf-8")
    assert await prepare_snapshot(settings) == 1  # rebuilt, not replayed on a stale encoding
