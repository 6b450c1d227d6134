"""Several workers: each keeps its own index and replays the database change log."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from service.app import create_app
from service.settings import Settings
from tests.integration.actors import Actors

HYBRID_NEED = "Mes agents décrochent depuis qu'on alterne présentiel et télétravail"
HYBRID_OFFER = "Management hybride, rituels d'équipe à distance"


async def test_a_change_made_through_one_worker_reaches_the_other(
    client: AsyncTestClient[Any], actors: Actors, settings: Settings
) -> None:
    alice = await actors.create("member", needs_text=["Trouver des idées pour la cantine"])
    async with AsyncTestClient(app=create_app(settings)) as other_worker:
        coach = await actors.create("coach", capacity=2, offers_text=[HYBRID_OFFER])
        before = await other_worker.get(
            f"/api/members/{alice.member_id}/matches", headers=alice.headers
        )
        assert coach.member_id not in [r["member_id"] for r in before.json()["results"]]

        patch = await client.patch(
            f"/api/members/{alice.member_id}", headers=alice.headers, json={"needs": [HYBRID_NEED]}
        )
        assert patch.status_code == 200
        after = await other_worker.get(
            f"/api/members/{alice.member_id}/matches", headers=alice.headers
        )
        assert after.json()["results"][0]["member_id"] == coach.member_id

        removed = await client.delete(f"/api/members/{coach.member_id}", headers=coach.headers)
        assert removed.status_code == 204
        gone = await other_worker.get(
            f"/api/members/{alice.member_id}/matches", headers=alice.headers
        )
        assert coach.member_id not in [r["member_id"] for r in gone.json()["results"]]


async def test_withdrawing_consent_removes_a_member_from_every_answer(
    client: AsyncTestClient[Any], actors: Actors
) -> None:
    coach = await actors.create("coach", capacity=2, offers_text=[HYBRID_OFFER])
    alice = await actors.create("member", needs_text=[HYBRID_NEED])
    url = f"/api/members/{alice.member_id}/matches"
    assert (await client.get(url, headers=alice.headers)).json()["results"][0]["member_id"] == (
        coach.member_id
    )
    await client.patch(
        f"/api/members/{coach.member_id}", headers=coach.headers, json={"consent": False}
    )
    assert (await client.get(url, headers=alice.headers)).json()["results"] == []
