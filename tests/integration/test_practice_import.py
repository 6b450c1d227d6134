"""Bringing the wiki in: a real-shaped MediaWiki export and a zip of Markdown files."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from tests.integration.actors import Actors

Client = AsyncTestClient[Any]
EXPORT = Path(__file__).parents[1] / "data" / "wiki" / "mediawiki_export.xml"
MARKUP = re.compile(
    r"\{\{|\}\}|\[\[|\]\]|'''|''|<ref|</|__[A-Z]+__|Catégorie:|thumb\||\{\||^[#*=]", re.M
)
XML = {"Content-Type": "application/xml"}

CLEAN_MD = """---
title: Météo d'équipe
duration_minutes: 10
group_size: 3 à 12
audience: [managers, agents]
themes: [management_hybride]
---
Un tour de table rapide pour dire comment chacun arrive.

## Quand l'utiliser
Au début de chaque réunion d'équipe, surtout **à distance**.

## Déroulé
1. Chacun choisit une météo (soleil, nuages, orage)
2. Chacun dit en une phrase pourquoi
   - sans débat
3. L'animateur remercie et enchaîne

## Matériel
Des [cartes météo](https://example.org/cartes.pdf) imprimées.
"""
HEADINGS_MD = """---
id: carte-empathie
licence: CC BY 4.0
---
# Carte d'empathie

Se mettre à la place d'un usager avant de concevoir un service.

## Dire

Ce que l'usager dit de sa démarche.

## Penser

Ce qu'il pense sans le dire.

## Ressentir

Ses inquiétudes et ses frustrations.
"""
BAD_YAML_MD = """---
title: [pas fermé
---
## Déroulé
- une étape
"""
BAD_AUDIENCE_MD = """---
title: Atelier pour les usagers
audience: citoyens
---
## Étapes
- Inviter
"""
NO_STEPS_MD = """---
title: Une idée sans déroulé
---
Rien de plus.
"""


def markdown_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


async def _sheets(client: Client, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get("/api/practices", headers=headers, params={"limit": 200})
    return response.json()["items"]


async def test_a_wiki_export_with_errors_imports_nothing_by_default(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    response = await client.post(
        "/api/import/practices", headers={**animator.headers, **XML}, content=EXPORT.read_bytes()
    )
    assert response.status_code == 422, response.text
    errors = {item["key"]: item["message"] for item in response.json()["extra"]}
    assert set(errors) == {"Idées en vrac", "Forum ouvert"}
    assert "aucune étape" in errors["Idées en vrac"]
    assert "durée illisible" in errors["Forum ouvert"]
    assert await _sheets(client, animator.headers) == []


async def test_a_wiki_export_imports_clean_sheets_and_again_changes_nothing(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    member = await actors.create("member")
    url = "/api/import/practices?partial=true"
    data = EXPORT.read_bytes()
    dry = await client.post(
        f"{url}&dry_run=true", headers={**animator.headers, **XML}, content=data
    )
    assert dry.status_code == 200 and dry.json()["created"] == 2
    assert await _sheets(client, animator.headers) == []

    first = await client.post(url, headers={**animator.headers, **XML}, content=data)
    assert first.status_code == 200, first.text
    report = first.json()
    assert report["format"] == "mediawiki"
    assert (report["created"], report["updated"], report["unchanged"]) == (2, 0, 0)
    assert (report["skipped"], report["errors"]) == (2, 2)
    outcomes = {page["title"]: page["outcome"] for page in report["pages"]}
    assert outcomes == {
        "World café": "created",
        "Écrire en langage clair": "created",
        "Brainstorming": "skipped",
        "Discussion:World café": "skipped",
        "Idées en vrac": "error",
        "Forum ouvert": "error",
    }
    sheets = {s["title"]: s for s in await _sheets(client, member.headers)}
    cafe = sheets["World café"]
    assert cafe["status"] == "published" and cafe["author"] == "Wiki de la communauté"
    assert cafe["duration_minutes"] == 90 and cafe["group_size"] == "12 à 60"
    assert cafe["audience"] == ["agents", "managers"]
    assert cafe["steps"][0] == "Installer des tables de 4 à 6 personnes avec une nappe en papier"
    assert len(cafe["steps"]) == 4 and "Un hôte reste à la table" in cafe["steps"][1]
    assert cafe["summary"].startswith("Le world café permet de faire réfléchir ensemble")
    assert cafe["themes"], "suggested by the theme model"
    clear = sheets["Écrire en langage clair"]
    assert clear["duration_minutes"] == 45
    assert clear["steps"][1].startswith("Remplacer le jargon : Chaque sigle")
    for sheet in sheets.values():
        for text in [sheet["summary"], sheet["when_to_use"], sheet["materials"], *sheet["steps"]]:
            assert not MARKUP.search(text), text

    again = await client.post(url, headers={**animator.headers, **XML}, content=data)
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 2)

    edited = data.replace(b"Faire tourner les participants", b"Faire changer de table")
    third = await client.post(url, headers={**animator.headers, **XML}, content=edited)
    assert (third.json()["updated"], third.json()["unchanged"]) == (1, 1)
    history = await client.get(f"/api/practices/{cafe['id']}/history", headers=member.headers)
    latest = history.json()["items"][0]
    assert latest["version"] == 2 and "steps" in latest["changes"]
    found = await client.get("/api/practices", headers=member.headers, params={"q": "cafe"})
    assert [s["id"] for s in found.json()["items"]] == [cafe["id"]]


async def test_a_markdown_zip_with_errors_is_reported_page_by_page(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    data = markdown_zip(
        {
            "fiches/meteo.md": CLEAN_MD,
            "fiches/empathie.md": HEADINGS_MD,
            "fiches/casse.md": BAD_YAML_MD,
            "fiches/public.md": BAD_AUDIENCE_MD,
            "fiches/vide.md": NO_STEPS_MD,
            "fiches/image.png": "PNG",
            "__MACOSX/fiches/._meteo.md": "junk",
        }
    )
    zipped = {**animator.headers, "Content-Type": "application/zip"}
    refused = await client.post("/api/import/practices", headers=zipped, content=data)
    assert refused.status_code == 422
    errors = {item["key"]: item["message"] for item in refused.json()["extra"]}
    assert "en-tête YAML illisible" in errors["casse"]
    assert "public inconnu" in errors["Atelier pour les usagers"]
    assert "aucune étape" in errors["Une idée sans déroulé"]
    assert await _sheets(client, animator.headers) == []

    upload = await client.post(
        "/api/import/practices?partial=true",
        headers=animator.headers,
        files={"file": ("fiches.zip", data, "application/zip")},
    )
    assert upload.status_code == 200, upload.text
    report = upload.json()
    assert (report["format"], report["created"], report["errors"], report["skipped"]) == (
        "markdown",
        2,
        3,
        1,
    )
    sheets = {s["title"]: s for s in await _sheets(client, animator.headers)}
    meteo = sheets["Météo d'équipe"]
    assert meteo["steps"] == [
        "Chacun choisit une météo (soleil, nuages, orage)",
        "Chacun dit en une phrase pourquoi — sans débat",
        "L'animateur remercie et enchaîne",
    ]
    assert meteo["when_to_use"] == "Au début de chaque réunion d'équipe, surtout à distance."
    assert meteo["materials"] == "Des cartes météo imprimées."
    assert meteo["themes"] == ["management_hybride"] and meteo["audience"] == ["managers", "agents"]
    empathy = sheets["Carte d'empathie"]
    assert empathy["licence"] == "CC BY 4.0"
    assert empathy["steps"] == [
        "Dire : Ce que l'usager dit de sa démarche.",
        "Penser : Ce qu'il pense sans le dire.",
        "Ressentir : Ses inquiétudes et ses frustrations.",
    ]
    again = await client.post("/api/import/practices?partial=true", headers=zipped, content=data)
    assert again.json()["unchanged"] == 2 and again.json()["created"] == 0


async def test_only_animators_import_and_unreadable_files_are_refused(
    client: Client, actors: Actors
) -> None:
    coach = await actors.create("coach")
    animator = await actors.create("animator")
    denied = await client.post(
        "/api/import/practices", headers={**coach.headers, **XML}, content=b"<a/>"
    )
    assert denied.status_code == 403
    for body in (b"<html><body>pas un export</body></html>", b"plain text", b"<mediawiki><page>"):
        response = await client.post(
            "/api/import/practices", headers={**animator.headers, **XML}, content=body
        )
        assert response.status_code == 422, body
        assert response.json()["extra"][0]["key"] == "file"
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><mediawiki>&a;</mediawiki>'
    response = await client.post(
        "/api/import/practices", headers={**animator.headers, **XML}, content=bomb
    )
    assert response.status_code == 422
