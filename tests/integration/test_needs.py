"""Needs: each a row with a status history, private to its member and animators."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.integration.actors import Actors

Client = AsyncTestClient[Any]


async def test_a_member_adds_a_need_and_marks_it_met(client: Client, actors: Actors) -> None:
    alice = await actors.create()
    created = await client.post(
        f"/api/members/{alice.member_id}/needs",
        headers=alice.headers,
        json={"text": "Mes agents décrochent depuis qu'on alterne présentiel et télétravail"},
    )
    assert created.status_code == 201
    need = created.json()
    assert need["status"] == "open"
    met = await client.patch(
        f"/api/needs/{need['id']}", headers=alice.headers, json={"status": "met"}
    )
    assert met.status_code == 200
    assert met.json()["status"] == "met"
    assert met.json()["status_changed_at"] >= need["status_changed_at"]
    profile = await client.get(f"/api/members/{alice.member_id}", headers=alice.headers)
    assert profile.json()["needs"] == []
    only_met = await client.get(
        f"/api/members/{alice.member_id}/needs?status=met", headers=alice.headers
    )
    assert only_met.json()["total"] == 1


async def test_needs_of_another_member_are_neither_readable_nor_writable(
    client: Client, actors: Actors
) -> None:
    alice = await actors.create()
    bob = await actors.create()
    need = (
        await client.post(
            f"/api/members/{bob.member_id}/needs", headers=bob.headers, json={"text": "Un besoin"}
        )
    ).json()
    assert (
        await client.get(f"/api/members/{bob.member_id}/needs", headers=alice.headers)
    ).status_code == 403
    add = await client.post(
        f"/api/members/{bob.member_id}/needs", headers=alice.headers, json={"text": "Intrus"}
    )
    assert add.status_code == 403
    change = await client.patch(
        f"/api/needs/{need['id']}", headers=alice.headers, json={"status": "met"}
    )
    assert change.status_code == 404


async def test_invalid_status_names_the_field(client: Client, actors: Actors) -> None:
    alice = await actors.create()
    need = (
        await client.post(
            f"/api/members/{alice.member_id}/needs",
            headers=alice.headers,
            json={"text": "Un besoin"},
        )
    ).json()
    response = await client.patch(
        f"/api/needs/{need['id']}", headers=alice.headers, json={"status": "fini"}
    )
    assert response.status_code == 400
    assert response.json()["extra"][0]["key"] == "status"


async def test_at_most_ten_open_needs(client: Client, actors: Actors) -> None:
    alice = await actors.create()
    url = f"/api/members/{alice.member_id}/needs"
    for i in range(10):
        assert (
            await client.post(url, headers=alice.headers, json={"text": f"besoin {i}"})
        ).status_code == 201
    eleventh = await client.post(url, headers=alice.headers, json={"text": "de trop"})
    assert eleventh.status_code == 422
    assert eleventh.json()["extra"][0]["key"] == "text"
