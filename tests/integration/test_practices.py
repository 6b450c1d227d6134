"""The library of tool sheets: writing, reading, search, history, suggestions, permissions."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.integration.actors import Actors

Client = AsyncTestClient[Any]

CLEAR = {
    "title": "Écrire en langage clair",
    "summary": "Rendre un courrier administratif compréhensible du premier coup.",
    "when_to_use": "Avant d'envoyer un courrier ou un formulaire aux usagers.",
    "steps": ["Lire le texte à voix haute", "Remplacer le jargon", "Tester avec un usager"],
    "duration_minutes": 60,
    "group_size": "2 à 6",
    "materials": "Le courrier imprimé, des surligneurs",
    "audience": ["agents"],
    "status": "published",
}
WORKSHOP = {
    "title": "Animer un atelier de créativité",
    "summary": "Faire émerger des idées avec une équipe en une demi-journée.",
    "steps": ["Poser la question", "Produire des idées seul puis à plusieurs", "Voter"],
    "status": "published",
}
RETRO = {
    "title": "Rétrospective d'équipe",
    "summary": "Un temps régulier pour regarder ensemble ce qui a marché.",
    "steps": ["Météo d'équipe", "Ce qui a marché", "L'animation de la suite par un volontaire"],
    "status": "published",
}


async def _write(client: Client, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/practices", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_coach_writes_a_sheet_and_every_member_reads_it(
    client: Client, actors: Actors
) -> None:
    coach = await actors.create("coach", display_name="Hélène Coach")
    member = await actors.create("member")
    sheet = await _write(client, coach.headers, CLEAR)
    assert sheet["licence"] == "CC BY-SA 4.0"
    assert sheet["version"] == 1
    assert sheet["author"] == "Hélène Coach"
    assert sheet["themes"], "themes are suggested by the theme model when not given"
    assert "langage_clair" in sheet["themes"]
    read = await client.get(f"/api/practices/{sheet['id']}", headers=member.headers)
    assert read.status_code == 200
    assert read.json()["steps"] == CLEAR["steps"]
    refused = await client.post("/api/practices", headers=member.headers, json=WORKSHOP)
    assert refused.status_code == 403


async def test_drafts_are_seen_by_their_author_and_animators_only(
    client: Client, actors: Actors
) -> None:
    coach = await actors.create("coach")
    other_coach = await actors.create("coach")
    member = await actors.create("member")
    animator = await actors.create("animator")
    draft = await _write(client, coach.headers, {**CLEAR, "status": "draft"})
    url = f"/api/practices/{draft['id']}"
    assert (await client.get(url, headers=coach.headers)).status_code == 200
    assert (await client.get(url, headers=animator.headers)).status_code == 200
    assert (await client.get(url, headers=member.headers)).status_code == 404
    assert (await client.get(url, headers=other_coach.headers)).status_code == 404
    listed = await client.get("/api/practices", headers=member.headers)
    assert listed.json()["total"] == 0
    published = await client.patch(
        url, headers=coach.headers, json={"status": "published", "version": 1}
    )
    assert published.status_code == 200, published.text
    assert (await client.get(url, headers=member.headers)).status_code == 200


async def test_search_ignores_accents_and_case_and_stems_french(
    client: Client, actors: Actors
) -> None:
    coach = await actors.create("coach")
    member = await actors.create("member")
    clear = await _write(client, coach.headers, CLEAR)
    workshop = await _write(client, coach.headers, WORKSHOP)
    retro = await _write(client, coach.headers, RETRO)

    async def search(q: str) -> list[int]:
        response = await client.get("/api/practices", headers=member.headers, params={"q": q})
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await search("ecrire") == [clear["id"]]
    assert await search("ÉCRIRE LANGAGE") == [clear["id"]]
    assert await search("courriers") == [clear["id"]]  # plural, in the summary
    # « animation » finds « Animer » (title) first, then « animation » in a step
    assert await search("animation") == [workshop["id"], retro["id"]]
    assert await search("le la les") == []
    assert await search("zyzomys") == []


async def test_search_ranks_the_title_above_the_steps(client: Client, actors: Actors) -> None:
    coach = await actors.create("coach")
    member = await actors.create("member")
    in_steps = await _write(
        client,
        coach.headers,
        {
            "title": "Un séminaire d'équipe",
            "summary": "Deux jours.",
            "status": "published",
            "steps": ["Présenter la cartographie des acteurs"],
        },
    )
    in_title = await _write(
        client,
        coach.headers,
        {"title": "Cartographie des acteurs", "summary": "Qui fait quoi.", "status": "published"},
    )
    response = await client.get(
        "/api/practices", headers=member.headers, params={"q": "CARTOGRAPHIE"}
    )
    assert [item["id"] for item in response.json()["items"]] == [in_title["id"], in_steps["id"]]


async def test_search_follows_edits_in_the_same_transaction(client: Client, actors: Actors) -> None:
    coach = await actors.create("coach")
    sheet = await _write(client, coach.headers, CLEAR)
    changed = await client.patch(
        f"/api/practices/{sheet['id']}",
        headers=coach.headers,
        json={"title": "Simplifier les formulaires", "version": 1},
    )
    assert changed.status_code == 200
    found = await client.get("/api/practices", headers=coach.headers, params={"q": "écrire"})
    assert found.json()["items"] == []
    found = await client.get(
        "/api/practices", headers=coach.headers, params={"q": "simplifier formulaire"}
    )
    assert [item["id"] for item in found.json()["items"]] == [sheet["id"]]


async def test_filters_by_theme_and_audience(client: Client, actors: Actors) -> None:
    coach = await actors.create("coach")
    clear = await _write(client, coach.headers, {**CLEAR, "themes": ["langage_clair"]})
    await _write(client, coach.headers, {**WORKSHOP, "themes": ["facilitation"]})
    by_theme = await client.get(
        "/api/practices", headers=coach.headers, params={"theme": "langage_clair"}
    )
    assert [i["id"] for i in by_theme.json()["items"]] == [clear["id"]]
    by_audience = await client.get(
        "/api/practices", headers=coach.headers, params={"audience": "agents"}
    )
    assert [i["id"] for i in by_audience.json()["items"]] == [clear["id"]]
    bad = await client.get("/api/practices", headers=coach.headers, params={"theme": "nope"})
    assert bad.status_code == 400


async def test_every_edit_is_kept_with_who_when_and_what(client: Client, actors: Actors) -> None:
    coach = await actors.create("coach", display_name="Hélène Coach")
    animator = await actors.create("animator", display_name="Claire Animatrice")
    sheet = await _write(client, coach.headers, CLEAR)
    url = f"/api/practices/{sheet['id']}"
    first = await client.patch(
        url, headers=coach.headers, json={"duration_minutes": 90, "version": 1, "comment": "Plus"}
    )
    assert first.json()["version"] == 2
    second = await client.patch(
        url, headers=animator.headers, json={"steps": ["Lire", "Réécrire"], "version": 2}
    )
    assert second.status_code == 200
    stale = await client.patch(url, headers=coach.headers, json={"title": "Autre", "version": 2})
    assert stale.status_code == 409
    history = (await client.get(f"{url}/history", headers=coach.headers)).json()
    assert history["total"] == 3
    latest, middle, creation = history["items"]
    assert latest["version"] == 3 and latest["author"] == "Claire Animatrice"
    assert latest["changes"]["steps"] == [CLEAR["steps"], ["Lire", "Réécrire"]]
    assert middle["changes"] == {"duration_minutes": [60, 90]} and middle["comment"] == "Plus"
    assert creation["version"] == 1 and creation["author"] == "Hélène Coach"
    assert creation["changes"]["title"] == [None, CLEAR["title"]]


async def test_anyone_suggests_and_the_author_or_an_animator_decides(
    client: Client, actors: Actors
) -> None:
    coach = await actors.create("coach")
    other_coach = await actors.create("coach")
    member = await actors.create("member", display_name="Marc Membre")
    sheet = await _write(client, coach.headers, CLEAR)
    url = f"/api/practices/{sheet['id']}"
    assert (
        await client.patch(url, headers=member.headers, json={"title": "Moi", "version": 1})
    ).status_code == 403
    suggested = await client.post(
        f"{url}/suggestions",
        headers=member.headers,
        json={"materials": "Un courrier réel et un crayon", "comment": "Plus simple"},
    )
    assert suggested.status_code == 201, suggested.text
    suggestion = suggested.json()
    assert suggestion["status"] == "pending" and suggestion["version"] is None
    pending = await client.get(f"{url}/suggestions", headers=coach.headers)
    assert [s["id"] for s in pending.json()] == [suggestion["id"]]
    assert pending.json()[0]["changes"]["materials"][0] == CLEAR["materials"]
    mine = await client.get(f"{url}/suggestions", headers=other_coach.headers)
    assert mine.json() == []
    decide = f"{url}/suggestions/{suggestion['id']}"
    assert (await client.post(f"{decide}/accept", headers=member.headers)).status_code == 403
    assert (await client.post(f"{decide}/accept", headers=other_coach.headers)).status_code == 403
    accepted = await client.post(f"{decide}/accept", headers=coach.headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["version"] == 2
    again = await client.post(f"{decide}/reject", headers=coach.headers)
    assert again.status_code == 409
    read = (await client.get(url, headers=member.headers)).json()
    assert read["materials"] == "Un courrier réel et un crayon" and read["version"] == 2
    history = (await client.get(f"{url}/history", headers=member.headers)).json()
    assert history["items"][0]["author"] == "Marc Membre"
    assert history["items"][0]["status"] == "accepted"


async def test_a_refused_suggestion_changes_nothing(client: Client, actors: Actors) -> None:
    coach = await actors.create("coach")
    animator = await actors.create("animator")
    member = await actors.create("member")
    sheet = await _write(client, coach.headers, CLEAR)
    url = f"/api/practices/{sheet['id']}"
    suggestion = (
        await client.post(f"{url}/suggestions", headers=member.headers, json={"title": "Xyz abc"})
    ).json()
    refused = await client.post(
        f"{url}/suggestions/{suggestion['id']}/reject", headers=animator.headers
    )
    assert refused.status_code == 200 and refused.json()["status"] == "rejected"
    assert (await client.get(url, headers=member.headers)).json()["title"] == CLEAR["title"]
    assert (await client.get(f"{url}/history", headers=member.headers)).json()["total"] == 1


async def test_sheets_are_recommended_for_a_members_open_needs_with_reasons(
    client: Client, actors: Actors
) -> None:
    coach = await actors.create("coach")
    need = "Nos usagers abandonnent le formulaire en ligne d'inscription à la cantine"
    member = await actors.create("member", needs_text=[need])
    other = await actors.create("member")
    await _write(client, coach.headers, CLEAR)
    forms = await _write(
        client,
        coach.headers,
        {
            "title": "Tester un formulaire en ligne avec cinq usagers",
            "summary": "Observer des usagers remplir une démarche pour comprendre les abandons.",
            "steps": ["Recruter cinq usagers", "Les observer sans aider", "Corriger"],
            "status": "published",
        },
    )
    await _write(client, coach.headers, {**WORKSHOP, "status": "draft", "title": "Formulaire"})
    url = f"/api/members/{member.member_id}/practices"
    response = await client.get(url, headers=member.headers, params={"limit": 5})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert results[0]["practice_id"] == forms["id"]
    reason = results[0]["reasons"][0]
    assert reason.startswith("Pour commencer seul·e : « Tester un formulaire en ligne")
    assert f"répond à votre besoin « {need} »" in reason
    assert all(r["title"] != "Formulaire" for r in results), "drafts are never recommended"
    assert (await client.get(url, headers=other.headers)).status_code == 403
