"""Library pages and the public page, in French, through the real forms."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.integration.actors import Actors
from tests.integration.test_pages import csrf, sign_in

Client = AsyncTestClient[Any]


@pytest.fixture(autouse=True)
def no_redirects(client: Client) -> None:
    """Redirects are asserted, not followed."""
    client.follow_redirects = False


EXPORT = Path(__file__).parents[1] / "data" / "wiki" / "mediawiki_export.xml"


async def test_a_coach_writes_a_sheet_a_member_suggests_and_the_coach_accepts(
    client: Client, actors: Actors
) -> None:
    coach = await actors.create("coach", display_name="Hélène Coach")
    member = await actors.create("member", display_name="Marc Membre")
    await sign_in(client, coach)
    token = await csrf(client, "/bibliotheque/nouvelle")
    refused = await client.post(
        "/bibliotheque/nouvelle", data={"_csrf_token": token, "title": "", "steps": ""}
    )
    assert refused.status_code == 400 and 'aria-invalid="true"' in refused.text
    created = await client.post(
        "/bibliotheque/nouvelle",
        data={
            "_csrf_token": token,
            "title": "Écrire en langage clair",
            "summary": "Un courrier compréhensible du premier coup.",
            "steps": "Lire à voix haute\nRemplacer le jargon",
            "duration_minutes": "45",
            "status": "published",
            "licence": "CC BY-SA 4.0",
        },
    )
    assert created.status_code == 303, created.text
    url = created.headers["location"].split("?")[0]
    page = await client.get(url)
    assert "Remplacer le jargon" in page.text and "Hélène Coach" in page.text

    await sign_in(client, member)
    found = await client.get("/bibliotheque", params={"q": "ECRIRE"})
    assert "Écrire en langage clair" in found.text
    edit = await client.get(f"{url}/modifier")
    assert "Proposer cette modification" in edit.text
    token = await csrf(client, f"{url}/modifier")
    sent = await client.post(
        f"{url}/modifier",
        data={
            "_csrf_token": token,
            "title": "Écrire en langage clair",
            "summary": "Un courrier compréhensible du premier coup.",
            "steps": "Lire à voix haute\nRemplacer le jargon\nTester avec un usager",
            "duration_minutes": "45",
            "status": "published",
            "licence": "CC BY-SA 4.0",
            "comment": "Une étape de plus",
        },
    )
    assert sent.status_code == 303, sent.text

    await sign_in(client, coach)
    page = await client.get(url)
    assert "Suggestions en attente" in page.text and "Marc Membre" in page.text
    action = re.search(r'action="(/bibliotheque/fiche/\d+/suggestions/\d+/accepter)"', page.text)
    assert action
    token = await csrf(client, url)
    accepted = await client.post(action.group(1), data={"_csrf_token": token})
    assert accepted.status_code == 303
    page = await client.get(url)
    assert "Tester avec un usager" in page.text and "version 2" in page.text


async def test_an_animator_previews_a_wiki_import_then_applies_it(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    await sign_in(client, animator)
    token = await csrf(client, "/bibliotheque/import")
    preview = await client.post(
        "/bibliotheque/import",
        data={"_csrf_token": token},
        files={"file": ("export.xml", EXPORT.read_bytes(), "application/xml")},
    )
    assert preview.status_code == 200, preview.text
    assert "Idées en vrac" in preview.text and "aucune étape" in preview.text
    assert "durée illisible" in preview.text
    payload = re.search(r'name="payload" value="([^"]+)"', preview.text)
    assert payload
    applied = await client.post(
        "/bibliotheque/import/appliquer", data={"_csrf_token": token, "payload": payload.group(1)}
    )
    assert applied.status_code == 200 and "Import appliqué" in applied.text
    library = await client.get("/bibliotheque")
    assert "World café" in library.text


async def test_the_public_page_needs_no_sign_in(client: Client, actors: Actors) -> None:
    await actors.create("member")
    client.cookies.clear()
    page = await client.get("/communaute")
    assert page.status_code == 200
    assert "La communauté en chiffres" in page.text and "Licence Ouverte" in page.text
    assert "&lt;5" in page.text
