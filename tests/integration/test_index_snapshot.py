"""Index snapshots: a worker starts from one, replays later changes, never uses a foreign one."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from service.app import create_app
from service.matches.index import MatchingIndex
from service.matches.startup import prepare_snapshot
from service.settings import Settings
from tests.integration.actors import Actors

HYBRID_NEED = "Mes agents décrochent depuis qu'on alterne présentiel et télétravail"
HYBRID_OFFER = "Management hybride, rituels d'équipe à distance"
PARTICIPATION_OFFER = "Budget participatif et concertation des habitants"


def index_of(client: AsyncTestClient[Any]) -> MatchingIndex:
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
