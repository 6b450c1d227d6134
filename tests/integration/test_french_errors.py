"""Every refusal a person sees is French: form errors name the field, error pages keep the
layout, and no schema text (types, regular expressions, `$.field` paths) ever shows."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from litestar import Litestar, get

from service.pages.field_messages import FIELD_MESSAGES
from tests.integration.actors import Actors
from tests.integration.test_pages import Client, error_of, post, sign_in

SCHEMA_TEXT = re.compile(r"Expected `|\$\.|regex|must match|Invalid enum|Object missing|\(.*`")
HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture(autouse=True)
def no_redirects(client: Client) -> None:
    client.follow_redirects = False


def assert_french_error(html: str, field: str, expected: str) -> None:
    """`field` carries `expected` and the page shows no schema text."""
    message = unescape(error_of(html, field))
    assert expected in message, message
    assert not SCHEMA_TEXT.search(html), SCHEMA_TEXT.search(html)


async def test_profile_fields_are_refused_with_one_french_sentence_each(
    client: Client, actors: Actors
) -> None:
    member = await actors.create("member")
    token = await sign_in(client, member)
    base = {"display_name": "Nom", "organization_type": "commune", "network_level": "local"}
    cases = [
        ("department", "999", FIELD_MESSAGES["department"]),
        ("capacity", "99", "au plus 20"),
        ("capacity", "beaucoup", "nombre entier"),
        ("display_name", "", FIELD_MESSAGES["display_name"]),
        ("job_title", "x" * 201, "200 caractères"),
        ("organization_type", "galaxie", FIELD_MESSAGES["organization_type"]),
    ]
    for field, value, expected in cases:
        response = await post(client, "/profil", {**base, field: value}, token)
        assert response.status_code == 400, (field, response.text[:300])
        assert_french_error(response.text, field, expected)
    need = await post(client, "/profil/besoins", {"text": "x" * 501}, token)
    assert_french_error(need.text, "text", FIELD_MESSAGES["text"])


async def test_a_request_message_too_long_is_refused_in_french(
    client: Client, actors: Actors
) -> None:
    coach = await actors.create("coach", capacity=2, offers_text=["Animer un atelier"])
    member = await actors.create("member", needs_text=["Animer un atelier"])
    token = await sign_in(client, member)
    form = {"coach_id": str(coach.member_id), f"message-{coach.member_id}": "x" * 2001}
    response = await post(client, "/demandes", form, token)
    assert response.status_code == 400
    assert_french_error(response.text, f"message-{coach.member_id}", FIELD_MESSAGES["message"])


async def test_library_and_module_forms_answer_in_french(client: Client, actors: Actors) -> None:
    animator = await actors.create("animator")
    coach = await actors.create("coach")
    token = await sign_in(client, coach)
    sheet = {"title": "ab", "summary": "Un résumé", "duration_minutes": "deux heures"}
    refused = await post(client, "/bibliotheque/nouvelle", sheet, token)
    assert refused.status_code == 400
    field = "title" if 'id="erreur-title"' in refused.text else "duration_minutes"
    assert_french_error(refused.text, field, FIELD_MESSAGES[field])
    module = {
        "id": "atelier-fr",
        "title": "Atelier en français",
        "summary": "Un module pour vérifier les erreurs en français.",
        "objectives": ["Vérifier les erreurs"],
        "format": "distanciel",
        "duration_hours": 2,
        "audience": ["agents"],
    }
    created = await client.post("/api/catalogue/modules/", headers=animator.headers, json=module)
    assert created.status_code == 201, created.text
    trainer = await actors.create("trainer")
    token = await sign_in(client, trainer)
    form = {
        "title": "Atelier en français",
        "summary": module["summary"],
        "objectives": "abc",
        "format": "distanciel",
        "duration_hours": "2",
        "audience": "agents",
        "status": "published",
    }
    refused = await post(client, "/formation/catalogue/atelier-fr", form, token)
    assert refused.status_code == 400
    assert not SCHEMA_TEXT.search(refused.text)
    assert "objectif" in error_of(refused.text, "objectives").lower()


async def test_an_import_file_without_emails_is_refused_in_french(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    token = await sign_in(client, animator)
    response = await client.post(
        "/animation/import",
        data={"_csrf_token": token},
        files={"file": ("autre.csv", b"nom;ville\nDupont;Lyon\n", "text/csv")},
    )
    assert response.status_code == 400
    assert not SCHEMA_TEXT.search(response.text)
    assert "colonne" in unescape(error_of(response.text, "file")), response.text[-1500:]


async def test_a_refused_page_says_who_it_is_for_in_french(client: Client, actors: Actors) -> None:
    member = await actors.create("member")
    await sign_in(client, member)
    response = await client.get("/animation/tableau-de-bord", headers=HTML)
    assert response.status_code == 403
    assert "Accès refusé" in response.text
    assert "réservée aux animatrices et animateurs" in response.text
    assert "Reserved" not in response.text and "animator." not in response.text


async def test_an_unknown_url_is_a_french_page_for_a_browser_and_json_for_the_api(
    client: Client,
) -> None:
    page = await client.get("/nulle-part", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page introuvable" in page.text and '<html lang="fr">' in page.text
    assert 'class="site-footer"' in page.text
    assert "status_code" not in page.text
    api = await client.get("/api/nulle-part", headers=HTML)
    assert api.status_code == 404 and api.json()["status_code"] == 404
    asked_json = await client.get("/nulle-part", headers={"Accept": "application/json"})
    assert asked_json.status_code == 404 and asked_json.json()["status_code"] == 404


@get("/panne-de-test", include_in_schema=False)
async def _broken() -> str:
    raise RuntimeError("secret: /etc/passerelle password=hunter2")


@get("/api/panne-de-test", include_in_schema=False, opt={"public": True})
async def _broken_api() -> str:
    raise RuntimeError("secret: /etc/passerelle password=hunter2")


async def test_an_unexpected_failure_is_a_french_page_without_details(
    app: Litestar, client: Client
) -> None:
    app.register(_broken)
    app.register(_broken_api)
    page = await client.get("/panne-de-test", headers=HTML)
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert "Une erreur inattendue est survenue." in page.text
    assert "hunter2" not in page.text and "RuntimeError" not in page.text
    api = await client.get("/api/panne-de-test")
    assert api.status_code == 500 and "hunter2" not in api.text
    assert api.json()["status_code"] == 500


def test_every_field_sentence_is_french(client: Any) -> None:
    for field, sentence in FIELD_MESSAGES.items():
        assert sentence.endswith("."), field
        assert not SCHEMA_TEXT.search(sentence), field
