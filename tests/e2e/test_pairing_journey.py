"""After the match, in a real browser: contact, messages, closing with a lesson, questions.

Each test creates its own coach and member through the API (see `newcomer`).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.e2e.conftest import (
    NEWCOMER_PASSWORD,
    PHONE,
    Newcomer,
    newcomer,
    screenshot,
    serious_violations,
)

NEED = "Comment animer les rituels d'équipe à distance en management hybride ?"
OFFER = "Management hybride, rituels d'équipe à distance"
LESSON = "Un rituel court et régulier vaut mieux qu'une longue réunion mensuelle."


def sign_in_as(page: Any, person: Newcomer) -> None:
    """Sign in through the form as a member created for the test."""
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(person.email)
    page.get_by_label("Mot de passe").fill(NEWCOMER_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("load")
    assert "/connexion" not in page.url, page.content()[:2000]


def _request(base_url: str, mentee: Newcomer, coach: Newcomer) -> int:
    needs = httpx.get(f"{base_url}/api/members/{mentee.member_id}/needs", headers=mentee.headers)
    sent = httpx.post(
        f"{base_url}/api/match-requests",
        headers=mentee.headers,
        json={
            "mentee_id": mentee.member_id,
            "coach_id": coach.member_id,
            "need_id": needs.json()["items"][0]["id"],
            "message": "Bonjour, votre expérience m'aiderait beaucoup.",
        },
    )
    assert sent.status_code == 201, sent.text
    return int(sent.json()["id"])


def _pair(base_url: str, tag: str) -> tuple[Newcomer, Newcomer]:
    coach = newcomer(
        base_url, f"Sacha Coach {tag}", role="coach", capacity=2, offers=[OFFER], region="Bretagne"
    )
    mentee = newcomer(
        base_url,
        f"Lou Membre {tag}",
        needs=[NEED],
        job_title="Directrice générale des services",
        organization="Commune de Vitré",
        region="Bretagne",
    )
    return coach, mentee


def test_accept_contact_messages_and_close_with_a_lesson(new_page: Any, base_url: str) -> None:
    coach, mentee = _pair(base_url, "A")
    request_id = _request(base_url, mentee, coach)

    coach_page = new_page()
    sign_in_as(coach_page, coach)
    coach_page.goto("/profil")
    coach_page.get_by_label("Téléphone (facultatif)").fill("06 12 34 56 78")
    coach_page.get_by_role("button", name="Enregistrer mon profil").click()
    assert "Votre profil est enregistré." in coach_page.get_by_role("status").first.inner_text()
    coach_page.goto("/accompagnement/demandes")
    card = coach_page.locator("ul.cards > li").filter(has_text=mentee.display_name)
    for detail in ("Directrice générale des services", "Commune de Vitré", "Bretagne", NEED):
        assert detail in card.inner_text()
    card.get_by_role("button", name=f"Accepter la demande de {mentee.display_name}").click()
    coach_page.get_by_role("link", name=f"Ouvrir le binôme avec {mentee.display_name}").click()
    assert mentee.email in coach_page.get_by_role("main").inner_text()
    coach_page.get_by_label(f"Votre message à {mentee.display_name}").fill(
        "Bonjour ! Je vous propose un appel mardi à 10 h."
    )
    coach_page.get_by_role("button", name="Envoyer le message").click()
    assert "Votre message est envoyé." in coach_page.get_by_role("status").first.inner_text()

    member_page = new_page()
    sign_in_as(member_page, mentee)
    member_page.goto("/demandes")
    pairs = member_page.locator("ul.pairs > li").filter(has_text=coach.display_name)
    assert coach.email in pairs.inner_text() and "06 12 34 56 78" in pairs.inner_text()
    row = member_page.locator("tr").filter(has_text=coach.display_name)
    assert "acceptée" in row.inner_text()
    row.get_by_role("link", name=re.compile("Voir le binôme")).click()
    assert member_page.url.endswith(f"/binomes/{request_id}")
    main = member_page.get_by_role("main")
    assert "Je vous propose un appel mardi" in main.inner_text()
    assert "Prochaine étape" in main.inner_text()
    member_page.get_by_label(f"Votre message à {coach.display_name}").fill("Parfait, à mardi !")
    member_page.get_by_role("button", name="Envoyer le message").click()
    screenshot(member_page, "membre-binome")
    member_page.get_by_label("Comment s'est-il terminé ?").select_option("completed_on_time")
    member_page.get_by_label("Votre appréciation du binôme").select_option("5")
    member_page.get_by_label("Ce que vous en retenez").fill(LESSON)
    member_page.get_by_label(re.compile("Partager ce retour")).check()
    member_page.get_by_role("button", name="Clôturer le binôme").click()
    assert "clôturé" in member_page.get_by_role("status").first.inner_text()
    assert "bibliothèque" in member_page.get_by_role("main").inner_text()

    coach_page.goto(f"/binomes/{request_id}")
    assert "Parfait, à mardi !" in coach_page.get_by_role("main").inner_text()
    coach_page.get_by_label("Votre appréciation du binôme").select_option("4")
    coach_page.get_by_role("button", name="Envoyer mon retour").click()
    assert "votre retour est enregistré" in coach_page.get_by_role("status").first.inner_text()
    lessons = httpx.get(f"{base_url}/api/lessons", headers=coach.headers).json()
    assert any(item["text"] == LESSON for item in lessons)


def test_the_coach_asks_for_details_and_the_member_answers(new_page: Any, base_url: str) -> None:
    coach, mentee = _pair(base_url, "B")
    _request(base_url, mentee, coach)
    coach_page = new_page()
    sign_in_as(coach_page, coach)
    coach_page.goto("/accompagnement/demandes")
    coach_page.get_by_label(f"Votre question à {mentee.display_name}").fill(
        "Combien de personnes compte votre équipe ?"
    )
    coach_page.get_by_role(
        "button", name=f"Demander des précisions à {mentee.display_name}"
    ).click()
    assert "Votre question est envoyée" in coach_page.get_by_role("status").first.inner_text()

    member_page = new_page()
    sign_in_as(member_page, mentee)
    member_page.goto("/demandes")
    member_page.get_by_role("link", name=re.compile("Répondre à la question")).click()
    question = member_page.locator("ul.questions > li")
    assert "Combien de personnes compte votre équipe ?" in question.inner_text()
    question.get_by_label(f"Votre réponse à {coach.display_name}").fill("Huit agents.")
    question.get_by_role("button", name=re.compile("Envoyer ma réponse")).click()
    assert "Votre réponse est envoyée" in member_page.get_by_role("status").first.inner_text()

    coach_page.reload()
    card = coach_page.locator("ul.cards > li").filter(has_text=mentee.display_name)
    assert "Huit agents." in card.inner_text()
    card.get_by_role("button", name=f"Accepter la demande de {mentee.display_name}").click()
    assert "La demande est acceptée." in coach_page.get_by_role("status").first.inner_text()


def test_the_pair_pages_are_accessible_and_fit_360_pixels(new_page: Any, base_url: str) -> None:
    coach, mentee = _pair(base_url, "C")
    request_id = _request(base_url, mentee, coach)
    httpx.post(
        f"{base_url}/api/match-requests/{request_id}/accept", headers=coach.headers
    ).raise_for_status()
    httpx.post(
        f"{base_url}/api/match-requests/{request_id}/messages",
        headers=coach.headers,
        json={"text": "Bonjour ! " + "Un message un peu long pour voir le retour à la ligne. " * 4},
    ).raise_for_status()
    for person, paths in (
        (mentee, [f"/binomes/{request_id}", "/demandes"]),
        (coach, [f"/binomes/{request_id}", "/accompagnement/demandes"]),
    ):
        page = new_page(PHONE, bypass_csp=True)
        sign_in_as(page, person)
        for path in paths:
            page.goto(path)
            assert serious_violations(page) == [], path
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            wide = page.evaluate(
                """() => [...document.querySelectorAll('body *')].filter(e =>
                    e.getBoundingClientRect().right > 362).slice(0, 8).map(e => e.tagName +
                    '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
            )
            assert overflow <= 1, (path, overflow, wide)
