"""Trainer pages: an adopted proposal leaves the open list, the module form's errors at once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.integration.actors import Actors
from tests.integration.test_pages import post, sign_in
from tests.integration.test_training_api import (  # noqa: F401 (fixtures)
    _module,
    catalogue_loaded,
    community,
)

Client = AsyncTestClient[Any]
_ADOPT = re.compile(r'action="/formation/incubateur/(\d+)/adopter"')


@pytest.fixture(autouse=True)
def no_redirects(client: Client) -> None:
    client.follow_redirects = False


def _open_section(page: str) -> str:
    return page.split("Propositions ouvertes", 1)[1].split("Propositions adoptées", 1)[0]


async def test_an_adopted_proposal_leaves_the_open_list_and_a_second_adoption_is_refused(
    client: Client,
    actors: Actors,
    community: dict[str, Any],  # noqa: F811
) -> None:
    trainer = await actors.create("trainer")
    token = await sign_in(client, trainer)
    page = (await client.get("/formation/incubateur")).text
    ids = _ADOPT.findall(page)
    assert ids, page[:3000]
    first = ids[0]
    title = re.search(rf'<h3 id="proposition-{first}">([^<]+)</h3>', page).group(1)  # type: ignore[union-attr]

    adopted = await post(client, f"/formation/incubateur/{first}/adopter", {}, token)
    assert adopted.status_code == 303
    assert adopted.headers["location"].startswith("/formation/catalogue/")

    after = (await client.get("/formation/incubateur")).text
    assert f"/formation/incubateur/{first}/adopter" not in after
    assert title not in _open_section(after)  # not proposed again under a new number either
    adopted_part = after.split("Propositions adoptées", 1)[1]
    assert title in adopted_part and "déjà adoptée" in adopted_part

    again = await post(client, f"/formation/incubateur/{first}/adopter", {}, token)
    assert again.status_code == 409
    assert "déjà adoptée" in again.text
    api = await client.post(f"/api/incubator/proposals/{first}/adopt", headers=trainer.headers)
    assert api.status_code == 409
    listed = await client.get("/api/incubator/proposals", headers=trainer.headers)
    assert title not in {item["title"] for item in listed.json()["items"]}


async def test_the_module_form_shows_every_error_at_once(client: Client, actors: Actors) -> None:
    trainer = await actors.create("trainer")
    created = await client.post("/api/catalogue/modules", headers=trainer.headers, json=_module())
    assert created.status_code == 201, created.text
    token = await sign_in(client, trainer)
    refused = await post(
        client,
        "/formation/catalogue/animer-un-reseau",
        {
            "title": "Bof",
            "summary": "Trop court",
            "objectives": "Lancer un réseau",
            "format": "distanciel",
            "duration_hours": "beaucoup",
            "audience": [],
            "topics": "",
            "region": "",
            "status": "published",
        },
        token,
    )
    assert refused.status_code == 400
    for field in ("title", "summary", "duration_hours", "audience"):
        assert f'id="erreur-{field}"' in refused.text, field
    stored = await client.get("/api/catalogue/modules/animer-un-reseau", headers=trainer.headers)
    assert stored.json()["title"] == "Animer un réseau d'innovateurs"  # nothing half-written
