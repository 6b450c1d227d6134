"""« Formations pour moi » as cards (format, duration, region, next session) with « Ça
m'intéresse », counted once per member; trainers see the count and set the next session."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.integration.actors import Actor, Actors
from tests.integration.test_pages import post, sign_in
from tests.integration.test_training_api import _module, catalogue_loaded  # noqa: F401

Client = AsyncTestClient[Any]
NEED = "Lancer un budget participatif et mobiliser les habitants du quartier"


@pytest.fixture(autouse=True)
def no_redirects(client: Client) -> None:
    client.follow_redirects = False


async def test_a_module_has_an_optional_next_session(client: Client, actors: Actors) -> None:
    trainer = await actors.create("trainer")
    created = await client.post(
        "/api/catalogue/modules",
        headers=trainer.headers,
        json=_module(next_session="2099-03-15"),
    )
    assert created.status_code == 201, created.text
    assert created.json()["next_session"] == "2099-03-15" and created.json()["interest"] == 0
    url = "/api/catalogue/modules/animer-un-reseau"
    cleared = await client.patch(url, headers=trainer.headers, json={"next_session": None})
    assert cleared.status_code == 200 and cleared.json()["next_session"] is None
    refused = await client.patch(url, headers=trainer.headers, json={"next_session": "demain"})
    assert refused.status_code == 400
    assert refused.json()["extra"][0]["key"] == "next_session"

    token = await sign_in(client, trainer)
    form = (await client.get("/formation/catalogue/animer-un-reseau")).text
    assert 'name="next_session" type="date"' in form
    values = {
        "title": "Animer un réseau d'innovateurs",
        "summary": "Faire vivre une communauté de pratique entre collectivités, pas à pas.",
        "objectives": "Lancer un réseau\nFaire vivre les échanges",
        "format": "hybride",
        "duration_hours": "7",
        "audience": ["agents"],
        "status": "published",
    }
    bad = await post(
        client,
        "/formation/catalogue/animer-un-reseau",
        {**values, "next_session": "bientôt"},
        token,
    )
    assert bad.status_code == 400 and 'id="erreur-next_session"' in bad.text
    saved = await post(
        client,
        "/formation/catalogue/animer-un-reseau",
        {**values, "next_session": "15/03/2099"},
        token,
    )
    assert saved.status_code == 303, saved.text
    read = await client.get(url, headers=trainer.headers)
    assert read.json()["next_session"] == "2099-03-15"


async def _first_card(client: Client, member: Actor) -> tuple[str, str]:
    page = (await client.get("/formations")).text
    found = re.search(r'action="/formations/([a-z0-9-]+)/interet"', page)
    assert found, page[:3000]
    return found.group(1), page


async def test_training_cards_say_what_to_know_and_interest_counts_once(
    client: Client,
    actors: Actors,
    catalogue_loaded: Actor,  # noqa: F811
) -> None:
    member = await actors.create("member", region="Bretagne", needs_text=[NEED])
    token = await sign_in(client, member)
    module_id, page = await _first_card(client, member)
    module = (
        await client.get(f"/api/catalogue/modules/{module_id}", headers=member.headers)
    ).json()
    for fact in ("Format", "Durée", "Région", "Prochaine session", "Ça m&#39;intéresse"):
        assert fact in page.replace("Ça m'intéresse", "Ça m&#39;intéresse"), fact
    assert f"{module['duration_hours']:g}".replace(".", ",") + " h" in page

    for _ in range(2):  # a second click changes nothing
        clicked = await post(client, f"/formations/{module_id}/interet", {}, token)
        assert clicked.status_code == 303
    again = (await client.get("/formations")).text
    assert "Retirer mon intérêt" in again
    read = await client.get(f"/api/catalogue/modules/{module_id}", headers=member.headers)
    assert read.json()["interest"] == 1
    api = await client.post(f"/api/training/modules/{module_id}/interest", headers=member.headers)
    assert api.json() == {"module_id": module_id, "interest": 1, "mine": True}

    trainer = await actors.create("trainer")
    await sign_in(client, trainer)
    demand = (await client.get("/formation/demande")).text
    section = demand.split('id="titre-interet"', 1)[1]
    assert module["title"].replace("'", "&#39;") in section or module["title"] in section
    assert re.search(r'<td class="num">1</td>', section)

    await sign_in(client, member)
    export = (await client.get("/api/me/export", headers=member.headers)).json()
    assert [item["module_id"] for item in export["module_interests"]] == [module_id]
    taken = await client.delete(
        f"/api/training/modules/{module_id}/interest", headers=member.headers
    )
    assert taken.json() == {"module_id": module_id, "interest": 0, "mine": False}
    missing = await client.post(
        "/api/training/modules/pas-un-module/interest", headers=member.headers
    )
    assert missing.status_code == 404
