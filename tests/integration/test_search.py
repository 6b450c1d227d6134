"""Search ignores accents and case on every database, and takes `%` and `_` literally."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.integration.actors import Actors

Client = AsyncTestClient[Any]


async def _names(client: Client, headers: dict[str, str], q: str) -> list[str]:
    response = await client.get("/api/members", headers=headers, params={"q": q, "limit": 200})
    assert response.status_code == 200, response.text
    return sorted(item["display_name"] for item in response.json()["items"])


async def test_member_search_ignores_accents_and_case(client: Client, actors: Actors) -> None:
    viewer = await actors.create(display_name="Observatrice")
    await actors.create(display_name="Émilie Lefèvre")
    await actors.create(display_name="Noël Œuvray")
    await actors.create(display_name="Bob")
    for q in ("Émilie", "émilie", "emilie", "EMILIE", "lefevre", "LEFÈVRE"):
        assert await _names(client, viewer.headers, q) == ["Émilie Lefèvre"], q
    assert await _names(client, viewer.headers, "oeuvray") == ["Noël Œuvray"]
    assert await _names(client, viewer.headers, "noel") == ["Noël Œuvray"]


async def test_member_search_takes_wildcards_literally(client: Client, actors: Actors) -> None:
    viewer = await actors.create(display_name="Observatrice")
    await actors.create(display_name="Agence 100% locale")
    await actors.create(display_name="Jean_Paul")
    await actors.create(display_name="Jean-Paul")
    assert await _names(client, viewer.headers, "%") == ["Agence 100% locale"]
    assert await _names(client, viewer.headers, "_") == ["Jean_Paul"]
    assert await _names(client, viewer.headers, "n_p") == ["Jean_Paul"]


async def test_catalogue_search_ignores_accents_and_case(client: Client, actors: Actors) -> None:
    trainer = await actors.create("trainer")
    module = {
        "id": "ecrire-clair",
        "title": "Écrire en langage clair",
        "summary": "Rédiger des courriers que les usagers comprennent.",
        "objectives": ["Réécrire un courrier administratif"],
        "format": "presentiel",
        "duration_hours": 3,
        "audience": ["agents"],
        "topics": ["langage clair"],
    }
    created = await client.post("/api/catalogue/modules", headers=trainer.headers, json=module)
    assert created.status_code == 201, created.text
    for q in ("écrire", "ECRIRE", "ecrire en langage", "rediger", "USAGERS"):
        found = await client.get("/api/catalogue/modules", headers=trainer.headers, params={"q": q})
        assert [m["id"] for m in found.json()["items"]] == ["ecrire-clair"], q
    none = await client.get("/api/catalogue/modules", headers=trainer.headers, params={"q": "%"})
    assert none.json()["items"] == []
