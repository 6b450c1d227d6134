"""Each per-worker cache serves nothing stale: a read, a change, the same read sees the change.

The principal cache has its own (`test_auth`: a revoked token, a new password), and the
training results theirs (`test_training_api`: a followed or archived module leaves the list).
"""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.integration.actors import Actors

Client = AsyncTestClient[Any]

HYBRID_NEED = "Mes agents décrochent depuis qu'on alterne présentiel et télétravail"
HYBRID_OFFER = "Management hybride, rituels d'équipe à distance"
DATA_OFFER = "Open data et tableaux de bord pour piloter les politiques publiques"


async def test_a_cached_profile_shows_the_change_made_after_it_was_read(
    client: Client, actors: Actors
) -> None:
    alice = await actors.create(bio="Avant", needs_text=["Mesurer l'impact"])
    url = f"/api/members/{alice.member_id}"
    first = (await client.get(url, headers=alice.headers)).json()
    assert first["bio"] == "Avant"
    changed = await client.patch(
        url, headers=alice.headers, json={"bio": "Après", "version": first["version"]}
    )
    assert changed.status_code == 200, changed.text
    added = await client.post(
        f"{url}/needs", headers=alice.headers, json={"text": "Animer un réseau"}
    )
    assert added.status_code == 201, added.text
    again = (await client.get(url, headers=alice.headers)).json()
    assert again["bio"] == "Après"
    assert again["needs"] == ["Mesurer l'impact", "Animer un réseau"]


async def test_cached_matches_follow_a_coach_who_changes_their_offer(
    client: Client, actors: Actors
) -> None:
    coach = await actors.create("coach", capacity=3, offers_text=[DATA_OFFER])
    await actors.create("coach", capacity=3, offers_text=[DATA_OFFER + " et budget"])
    alice = await actors.create(needs_text=[HYBRID_NEED])
    url = f"/api/members/{alice.member_id}/matches?kind=mentor"
    before = (await client.get(url, headers=alice.headers)).json()["results"]
    assert not any("Management hybride" in r for m in before for r in m["reasons"])
    profile = (await client.get(f"/api/members/{coach.member_id}", headers=coach.headers)).json()
    changed = await client.patch(
        f"/api/members/{coach.member_id}",
        headers=coach.headers,
        json={"offers": [HYBRID_OFFER], "version": profile["version"]},
    )
    assert changed.status_code == 200, changed.text
    after = (await client.get(url, headers=alice.headers)).json()["results"]
    assert after[0]["member_id"] == coach.member_id
    assert any("Management hybride" in reason for reason in after[0]["reasons"])
