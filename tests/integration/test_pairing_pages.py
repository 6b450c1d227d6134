"""The pages after the match: the pair's page, questions and answers, the coach's screens."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.integration.actors import Actor, Actors
from tests.integration.test_pages import error_of, post, sign_in

Client = AsyncTestClient[Any]
NEED = "Animer un atelier de design de services avec les habitants"
OFFER = "Animer des ateliers de design de services publics avec les habitants"


@pytest.fixture(autouse=True)
def no_redirects(client: Client) -> None:
    """Redirects are asserted, not followed."""
    client.follow_redirects = False


async def _request(client: Client, member: Actor, coach: Actor, message: str = "") -> int:
    needs = await client.get(f"/api/members/{member.member_id}/needs", headers=member.headers)
    sent = await client.post(
        "/api/match-requests",
        headers=member.headers,
        json={
            "mentee_id": member.member_id,
            "coach_id": coach.member_id,
            "need_id": needs.json()["items"][0]["id"],
            "message": message,
        },
    )
    assert sent.status_code == 201, sent.text
    return int(sent.json()["id"])


async def _people(actors: Actors) -> tuple[Actor, Actor]:
    coach = await actors.create(
        "coach", display_name="Camille Coach", capacity=2, offers_text=[OFFER], phone="0611223344"
    )
    member = await actors.create(
        "member",
        display_name="Dominique Membre",
        job_title="Chargée de mission innovation",
        organization="Mairie de Redon",
        region="Bretagne",
        needs_text=[NEED],
    )
    return member, coach


async def test_the_coach_sees_who_asks_once_and_the_pause_is_its_own_action(
    client: Client, actors: Actors
) -> None:
    member, coach = await _people(actors)
    request_id = await _request(client, member, coach, "Bonjour, votre aide me serait utile.")
    token = await sign_in(client, coach)
    page = (await client.get("/accompagnement/demandes")).text
    for detail in ("Chargée de mission innovation", "Mairie de Redon", "Bretagne", NEED):
        assert page.count(detail) == 1, detail
    assert "Bonjour, votre aide me serait utile." in page
    assert 'name="pause"' not in page  # no checkbox between Accepter and Refuser
    declined_form = re.search(
        rf'action="/accompagnement/demandes/{request_id}/refuser">(.*?)</form>', page, re.S
    )
    assert declined_form and "Suspendre" not in declined_form.group(1)

    paused = await post(client, "/accompagnement/pause", {"paused": "oui"}, token)
    assert paused.status_code == 303
    page = (await client.get("/accompagnement/demandes")).text
    assert "Reprendre les nouvelles demandes" in page
    me = await client.get(f"/api/members/{coach.member_id}", headers=coach.headers)
    assert me.json()["paused"] is True
    await post(client, "/accompagnement/pause", {"paused": "non"}, token)
    me = await client.get(f"/api/members/{coach.member_id}", headers=coach.headers)
    assert me.json()["paused"] is False


async def test_the_coach_asks_from_the_page_and_the_member_answers_on_demandes(
    client: Client, actors: Actors
) -> None:
    member, coach = await _people(actors)
    request_id = await _request(client, member, coach)
    token = await sign_in(client, coach)
    field = f"question-{request_id}"
    empty = await post(client, f"/accompagnement/demandes/{request_id}/precisions", {}, token)
    assert empty.status_code == 400 and "Écrivez votre question" in error_of(empty.text, field)
    asked = await post(
        client,
        f"/accompagnement/demandes/{request_id}/precisions",
        {field: "Combien d'agents sont concernés ?"},
        token,
    )
    assert asked.status_code == 303
    assert "En attente de sa réponse" in (await client.get("/accompagnement/demandes")).text

    token = await sign_in(client, member)
    page = (await client.get("/demandes")).text
    assert "Combien d&#39;agents sont concernés ?" in page
    assert f"/demandes/{request_id}/repondre" in page
    answer = f"answer-{request_id}"
    blank = await post(client, f"/demandes/{request_id}/repondre", {answer: "  "}, token)
    assert blank.status_code == 400 and error_of(blank.text, answer)
    replied = await post(
        client, f"/demandes/{request_id}/repondre", {answer: "Une douzaine."}, token
    )
    assert replied.status_code == 303
    assert "en attente de réponse" in (await client.get("/demandes")).text

    await sign_in(client, coach)
    page = (await client.get("/accompagnement/demandes")).text
    assert "Une douzaine." in page and f"{request_id}/accepter" in page


async def test_both_sides_see_the_contact_write_and_close_with_a_shared_lesson(
    client: Client, actors: Actors
) -> None:
    member, coach = await _people(actors)
    request_id = await _request(client, member, coach)
    token = await sign_in(client, coach)
    await post(client, f"/accompagnement/demandes/{request_id}/accepter", {}, token)
    page = (await client.get(f"/binomes/{request_id}")).text
    assert member.email in page and "Pas de numéro partagé" in page
    sent = await post(client, f"/binomes/{request_id}/messages", {"text": "Bonjour !"}, token)
    assert sent.status_code == 303

    token = await sign_in(client, member)
    requests_page = (await client.get("/demandes")).text
    assert f'href="/binomes/{request_id}"' in requests_page and "Voir le binôme" in requests_page
    assert coach.email in requests_page and "06 11 22 33 44" in requests_page
    assert "<td>—</td>" not in requests_page and '<td class="actions"></td>' not in requests_page
    page = (await client.get(f"/binomes/{request_id}")).text
    assert "Bonjour !" in page and coach.email in page and 'href="tel:0611223344"' in page
    empty = await post(client, f"/binomes/{request_id}/messages", {"text": "  "}, token)
    assert empty.status_code == 400 and error_of(empty.text, "text")
    await post(client, f"/binomes/{request_id}/messages", {"text": "Merci, à mardi."}, token)

    no_outcome = await post(client, f"/binomes/{request_id}/cloturer", {"lesson": "x"}, token)
    assert no_outcome.status_code == 400 and error_of(no_outcome.text, "outcome")
    closed = await post(
        client,
        f"/binomes/{request_id}/cloturer",
        {
            "outcome": "completed_on_time",
            "rating": "5",
            "lesson": "Prototyper tôt avec les habitants évite les malentendus.",
            "share_lesson": "on",
        },
        token,
    )
    assert closed.status_code == 303
    page = (await client.get(f"/binomes/{request_id}")).text
    assert "clôturé" in page and "bibliothèque" in page and coach.email not in page
    lessons = await client.get("/api/lessons", headers=member.headers)
    assert any("Prototyper tôt" in item["text"] for item in lessons.json())

    token = await sign_in(client, coach)
    page = (await client.get(f"/binomes/{request_id}")).text
    assert "Envoyer mon retour" in page and "Merci, à mardi." in page
    given = await post(client, f"/binomes/{request_id}/retour", {"rating": "4"}, token)
    assert given.status_code == 303
    read = await client.get(f"/api/match-requests/{request_id}", headers=coach.headers)
    assert read.json()["coach_rating"] == 4 and read.json()["mentee_rating"] == 5
    assert "Envoyer mon retour" not in (await client.get(f"/binomes/{request_id}")).text


async def test_others_cannot_open_a_pairs_page(client: Client, actors: Actors) -> None:
    member, coach = await _people(actors)
    request_id = await _request(client, member, coach)
    stranger = await actors.create("member")
    await sign_in(client, stranger)
    assert (await client.get(f"/binomes/{request_id}")).status_code == 404
    animator = await actors.create("animator")
    await sign_in(client, animator)
    assert (await client.get(f"/binomes/{request_id}")).status_code == 403


async def test_the_coach_offers_to_accompany_and_the_member_accepts_in_one_click(
    client: Client, actors: Actors
) -> None:
    member, coach = await _people(actors)
    token = await sign_in(client, coach)
    page = (await client.get("/accompagnement")).text
    assert "Dominique Membre" in page and page.count(NEED) == 1
    need_id = re.search(r'name="need_id" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    offered = await post(
        client, f"/accompagnement/proposer/{member.member_id}", {"need_id": need_id}, token
    )
    assert offered.status_code == 303
    page = (await client.get("/accompagnement")).text
    assert "Proposition envoyée" in page
    again = await post(client, f"/accompagnement/proposer/{member.member_id}", {}, token)
    assert again.status_code == 409 and "déjà proposé" in again.text

    token = await sign_in(client, member)
    page = (await client.get("/demandes")).text
    assert "Camille Coach" in page and "Accepter la proposition" in page
    offer_id = re.search(r"/demandes/propositions/(\d+)/accepter", page).group(1)  # type: ignore[union-attr]
    accepted = await post(client, f"/demandes/propositions/{offer_id}/accepter", {}, token)
    assert accepted.status_code == 303 and "/binomes/" in accepted.headers["location"]
    [item] = (await client.get("/api/match-requests", headers=member.headers)).json()["items"]
    assert item["status"] == "accepted" and item["coach_id"] == coach.member_id
    assert item["need_text"] == NEED and item["contact"]["email"] == coach.email
    twice = await post(client, f"/demandes/propositions/{offer_id}/accepter", {}, token)
    assert twice.status_code == 409
