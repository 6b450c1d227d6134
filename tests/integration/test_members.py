"""Profiles: who may read and write what, validation, filters and pagination."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.integration.actors import Actors

Client = AsyncTestClient[Any]


async def test_anonymous_callers_get_401(client: Client) -> None:
    for path in ("/api/members", "/api/members/1", "/api/members/1/needs"):
        assert (await client.get(path)).status_code == 401


async def test_a_member_reads_others_without_their_email(client: Client, actors: Actors) -> None:
    alice = await actors.create()
    bob = await actors.create()
    response = await client.get(f"/api/members/{bob.member_id}", headers=alice.headers)
    assert response.status_code == 200
    assert response.json()["email"] is None
    listing = await client.get("/api/members", headers=alice.headers)
    emails = {item["id"]: item["email"] for item in listing.json()["items"]}
    assert emails[alice.member_id] == alice.email
    assert emails[bob.member_id] is None


async def test_an_animator_reads_every_email(client: Client, actors: Actors) -> None:
    animator = await actors.create("animator")
    bob = await actors.create()
    response = await client.get(f"/api/members/{bob.member_id}", headers=animator.headers)
    assert response.json()["email"] == bob.email


async def test_a_member_cannot_modify_or_delete_another(client: Client, actors: Actors) -> None:
    alice = await actors.create()
    bob = await actors.create()
    patch = await client.patch(
        f"/api/members/{bob.member_id}", headers=alice.headers, json={"bio": "piraté"}
    )
    assert patch.status_code == 403
    delete = await client.delete(f"/api/members/{bob.member_id}", headers=alice.headers)
    assert delete.status_code == 403
    unchanged = await client.get(f"/api/members/{bob.member_id}", headers=bob.headers)
    assert unchanged.json()["bio"] == ""


async def test_an_animator_modifies_and_deletes_anyone(client: Client, actors: Actors) -> None:
    animator = await actors.create("animator")
    bob = await actors.create()
    patch = await client.patch(
        f"/api/members/{bob.member_id}",
        headers=animator.headers,
        json={"role": "coach", "capacity": 3},
    )
    assert patch.status_code == 200
    assert (patch.json()["role"], patch.json()["capacity"]) == ("coach", 3)
    delete = await client.delete(f"/api/members/{bob.member_id}", headers=animator.headers)
    assert delete.status_code == 204
    gone = await client.get(f"/api/members/{bob.member_id}", headers=animator.headers)
    assert gone.status_code == 404


async def test_a_member_cannot_promote_themself(client: Client, actors: Actors) -> None:
    alice = await actors.create()
    response = await client.patch(
        f"/api/members/{alice.member_id}", headers=alice.headers, json={"role": "animator"}
    )
    assert response.status_code == 403


async def test_members_without_consent_are_hidden_from_other_members(
    client: Client, actors: Actors
) -> None:
    alice = await actors.create()
    shy = await actors.create(consent=False)
    animator = await actors.create("animator")
    assert (
        await client.get(f"/api/members/{shy.member_id}", headers=alice.headers)
    ).status_code == 404
    listing = await client.get("/api/members", headers=alice.headers)
    assert shy.member_id not in {item["id"] for item in listing.json()["items"]}
    assert (
        await client.get(f"/api/members/{shy.member_id}", headers=shy.headers)
    ).status_code == 200
    seen = await client.get(f"/api/members/{shy.member_id}", headers=animator.headers)
    assert seen.status_code == 200


async def test_profile_update_normalises_region_and_syncs_needs(
    client: Client, actors: Actors
) -> None:
    alice = await actors.create()
    url = f"/api/members/{alice.member_id}"
    first = await client.patch(
        url,
        headers=alice.headers,
        json={
            "region": "PROVENCE alpes cote d'azur",
            "needs": ["Relancer la participation des habitants", "Animer un réseau"],
            "offers": ["Budget participatif"],
        },
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["region"] == "Provence-Alpes-Côte d'Azur"
    assert body["needs"] == ["Relancer la participation des habitants", "Animer un réseau"]
    second = await client.patch(url, headers=alice.headers, json={"needs": ["Animer un réseau"]})
    assert second.json()["needs"] == ["Animer un réseau"]
    needs = (await client.get(f"{url}/needs", headers=alice.headers)).json()["items"]
    statuses = {need["text"]: need["status"] for need in needs}
    assert statuses == {
        "Relancer la participation des habitants": "withdrawn",
        "Animer un réseau": "open",
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"region": "Atlantide"}, "region"),
        ({"capacity": 21}, "capacity"),
        ({"capacity": -1}, "capacity"),
        ({"bio": "x" * 2001}, "bio"),
        ({"offers": [f"offre {i}" for i in range(11)]}, "offers"),
        ({"needs": ["x" * 501]}, "needs"),
        ({"organization_type": "mairie"}, "organization_type"),
        ({"network_level": "mondial"}, "network_level"),
        ({"tools": ["facebook"]}, "tools"),
        ({"display_name": "   "}, "display_name"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"department": "99"}, "department"),
    ],
)
async def test_invalid_profile_fields_are_refused_by_name(
    client: Client, actors: Actors, payload: dict[str, Any], field: str
) -> None:
    alice = await actors.create()
    response = await client.patch(
        f"/api/members/{alice.member_id}", headers=alice.headers, json=payload
    )
    assert response.status_code == 400, response.text
    assert response.json()["extra"][0]["key"].split("[")[0] == field
    unchanged = await client.get(f"/api/members/{alice.member_id}", headers=alice.headers)
    assert unchanged.json()["version"] == 1


async def test_stale_version_is_a_conflict_not_a_lost_update(
    client: Client, actors: Actors
) -> None:
    alice = await actors.create()
    url = f"/api/members/{alice.member_id}"
    ok = await client.patch(url, headers=alice.headers, json={"bio": "un", "version": 1})
    assert ok.status_code == 200
    stale = await client.patch(url, headers=alice.headers, json={"bio": "deux", "version": 1})
    assert stale.status_code == 409
    assert (await client.get(url, headers=alice.headers)).json()["bio"] == "un"


async def test_list_filters_and_pagination(client: Client, actors: Actors) -> None:
    animator = await actors.create("animator")
    for i in range(5):
        await actors.create("coach", region="Occitanie", display_name=f"Coach Occitan {i}")
    await actors.create("member", region="Bretagne", organization_type="commune")
    coaches = await client.get(
        "/api/members?role=coach&region=occitanie&limit=2&offset=2", headers=animator.headers
    )
    body = coaches.json()
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 2)
    assert [item["display_name"] for item in body["items"]] == [
        "Coach Occitan 2",
        "Coach Occitan 3",
    ]
    communes = await client.get("/api/members?organization_type=commune", headers=animator.headers)
    assert communes.json()["total"] == 1
    named = await client.get("/api/members?q=occitan 4", headers=animator.headers)
    assert [item["display_name"] for item in named.json()["items"]] == ["Coach Occitan 4"]
    too_big = await client.get("/api/members?limit=201", headers=animator.headers)
    assert too_big.status_code == 400
    assert too_big.json()["extra"][0]["key"] == "limit"


async def test_unknown_member_is_404(client: Client, actors: Actors) -> None:
    animator = await actors.create("animator")
    assert (await client.get("/api/members/999999", headers=animator.headers)).status_code == 404


async def test_only_animators_create_members(client: Client, actors: Actors) -> None:
    alice = await actors.create()
    payload = {"email": "new@ville.fr", "display_name": "Nouveau"}
    assert (
        await client.post("/api/members", headers=alice.headers, json=payload)
    ).status_code == 403


async def test_a_deleted_member_id_is_never_given_again(client: Client, actors: Actors) -> None:
    """A token cached for a deleted account must never act as the next person who registers."""
    animator = await actors.create("animator")
    ids = []
    for number in range(2):
        created = await client.post(
            "/api/members",
            headers=animator.headers,
            json={"email": f"ephemere{number}@ville.fr", "display_name": "Éphémère"},
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
        deleted = await client.delete(f"/api/members/{ids[-1]}", headers=animator.headers)
        assert deleted.status_code == 204
    assert ids[1] != ids[0]
    registered = await client.post(
        "/api/auth/register",
        json={
            "email": "nouvelle@ville.fr",
            "password": "pluie-sur-le-quai-42",
            "display_name": "N",
        },
    )
    assert registered.json()["id"] not in ids
