"""Bulk import: upsert on email, all-or-nothing, every error reported with index and field."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.integration.actors import Actors

Client = AsyncTestClient[Any]


def _row(i: int, **fields: Any) -> dict[str, Any]:
    row = {
        "email": f"agent{i}@agglo.fr",
        "display_name": f"Agent {i}",
        "region": "Hauts-de-France",
        "organization_type": "intercommunalite",
        "needs": ["Faire travailler ensemble des services qui ne se parlent pas"],
        "consent": True,
    }
    row.update(fields)
    return row


async def _count(client: Client, headers: dict[str, str]) -> int:
    return (await client.get("/api/members", headers=headers)).json()["total"]


async def test_import_creates_then_updates_then_changes_nothing(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    rows = [_row(i) for i in range(20)]
    first = await client.post("/api/import/members", headers=animator.headers, json=rows)
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["updated"]) == (20, 0)
    assert await _count(client, animator.headers) == 21

    rows[3]["bio"] = "Nouvelle bio"
    second = await client.post("/api/import/members", headers=animator.headers, json=rows)
    assert (second.json()["created"], second.json()["updated"], second.json()["unchanged"]) == (
        0,
        1,
        19,
    )
    third = await client.post("/api/import/members", headers=animator.headers, json=rows)
    assert (third.json()["updated"], third.json()["unchanged"]) == (0, 20)


async def test_one_invalid_row_rejects_the_whole_batch_with_every_error(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    rows = [_row(i) for i in range(6)]
    rows[1]["email"] = "pas-un-email"
    rows[4]["capacity"] = 99
    rows[5]["email"] = rows[0]["email"]
    response = await client.post("/api/import/members", headers=animator.headers, json=rows)
    assert response.status_code == 422
    errors = response.json()["extra"]
    assert [(error["index"], error["field"]) for error in errors] == [
        (1, "email"),
        (4, "capacity"),
        (5, "email"),
    ]
    assert await _count(client, animator.headers) == 1


async def test_partial_import_writes_the_valid_rows_and_reports_the_rest(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    rows = [_row(i) for i in range(3)]
    rows[2]["region"] = "Atlantide"
    response = await client.post(
        "/api/import/members?partial=true", headers=animator.headers, json=rows
    )
    assert response.status_code == 200
    body = response.json()
    assert body["created"] == 2
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(2, "region")]


async def test_only_animators_import(client: Client, actors: Actors) -> None:
    member = await actors.create()
    response = await client.post("/api/import/members", headers=member.headers, json=[_row(1)])
    assert response.status_code == 403


async def test_a_body_that_is_not_a_list_is_a_clear_400(client: Client, actors: Actors) -> None:
    animator = await actors.create("animator")
    response = await client.post("/api/import/members", headers=animator.headers, json={"a": 1})
    assert response.status_code == 400
