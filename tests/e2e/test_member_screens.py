"""A member in the browser: the questionnaire starts from the profile (tool usage shown only for
the tools ticked), and « Ça m'intéresse » on a training card is recorded once."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import NEWCOMER_PASSWORD, newcomer, screenshot

NEED = "Lancer un budget participatif et mobiliser les habitants du quartier"


def _sign_in(page: Any, email: str) -> None:
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(NEWCOMER_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("load")
    assert "/connexion" not in page.url


def test_questionnaire_prefill_and_interest_in_a_training(new_page: Any, base_url: str) -> None:
    person = newcomer(
        base_url,
        "Inès Prérempli",
        region="Occitanie",
        organization_type="intercommunalite",
        tools=["linkedin"],
        needs=[NEED],
    )
    page = new_page()
    _sign_in(page, person.email)
    page.goto("/questionnaire")
    assert page.get_by_label("Dans quelle région travaillez-vous ?").input_value() == "Occitanie"
    structure = page.get_by_label("Dans quel type de structure travaillez-vous ?")
    assert structure.input_value() == "intercommunalite"
    assert page.get_by_role("checkbox", name="LinkedIn").is_checked()
    assert (
        NEED
        in page.get_by_label("Sur quoi aimeriez-vous être accompagné·e", exact=False).input_value()
    )
    linkedin_usage = page.locator('[data-usage-of="linkedin"]')
    wiki_usage = page.locator('[data-usage-of="wiki"]')
    assert linkedin_usage.is_visible() and not wiki_usage.is_visible()
    page.get_by_role("checkbox", name="Wiki de la communauté").check()
    assert wiki_usage.is_visible()
    page.get_by_role("checkbox", name="Wiki de la communauté").uncheck()
    assert not wiki_usage.is_visible()
    screenshot(page, "membre-questionnaire-prerempli")
    page.get_by_role("radio", name="Régional").check()
    page.get_by_role("button", name="Envoyer mes réponses").click()
    assert "vos réponses sont enregistrées" in page.content()
    profile = httpx.get(f"{base_url}/api/members/{person.member_id}", headers=person.headers)
    assert profile.json()["needs"] == [NEED]  # sent back as it was: not added a second time

    page.goto("/formations")
    card = page.locator("ol.cards > li").first
    facts = card.locator("dl.facts").inner_text()
    for fact in ("Format", "Durée", "Région", "Prochaine session"):
        assert fact in facts
    card.get_by_role("button", name="Ça m'intéresse").click()
    assert "C'est noté" in page.get_by_role("status").first.inner_text()
    card = page.locator("ol.cards > li").first
    assert card.get_by_role("button", name="Retirer mon intérêt").is_visible()
    module_id = card.locator("form").get_attribute("action").split("/")[2]
    read = httpx.get(f"{base_url}/api/catalogue/modules/{module_id}", headers=person.headers)
    assert read.json()["interest"] >= 1
    mine = httpx.post(
        f"{base_url}/api/training/modules/{module_id}/interest", headers=person.headers
    )
    assert mine.json()["interest"] == read.json()["interest"]  # once per member
    screenshot(page, "membre-formations")
