"""Main journeys in a real browser: find a coach, accept, adopt, import, assign a cohort.

The tests share one running service but none depends on another having run: each creates
through the API the members and requests it needs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import DEMO_LOGINS, member_id_of, newcomer, screenshot, sign_in

FORMS = Path(__file__).parents[1] / "data" / "forms"
COACH_NAME = "Hélène Garnier"
NEED = (
    "Je prends un poste de manager : comment animer les rituels d'équipe à distance "
    "en management hybride ?"
)


def test_sign_in_refuses_a_wrong_password_and_keeps_the_email(new_page: Any) -> None:
    page = new_page()
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill("membre@demo.passerelle.fr")
    page.get_by_label("Mot de passe").fill("mauvais-mot-de-passe")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("alert").inner_text() == "Adresse e-mail ou mot de passe incorrect."
    assert page.get_by_label("Adresse e-mail").input_value() == "membre@demo.passerelle.fr"


def test_member_adds_a_need_finds_a_coach_and_sends_a_request(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "member")
    assert page.url.endswith("/profil")
    page.get_by_role("button", name="Ajouter ce besoin").click()
    need_field = page.get_by_label("Ajouter un besoin")
    assert need_field.get_attribute("aria-invalid") == "true"
    need_field.fill(NEED)
    page.get_by_role("button", name="Ajouter ce besoin").click()
    assert "Votre besoin est ajouté." in page.get_by_role("status").first.inner_text()

    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Trouver un coach"
    ).click()
    card = page.locator("ol.results > li").filter(has_text=COACH_NAME)
    assert card.locator(".score-text").inner_text().startswith("score")
    assert card.locator("ul.reasons li").count() >= 1
    screenshot(page, "membre-trouver-un-coach")
    card.get_by_text(f"Envoyer une demande à {COACH_NAME}").click()
    card.get_by_label("Besoin concerné").select_option(label=NEED)
    card.get_by_label("Votre message").fill("Bonjour, votre expérience m'aiderait beaucoup.")
    card.get_by_role("button", name=re.compile("Envoyer la demande")).click()
    assert page.url.split("?")[0].endswith("/demandes")
    row = page.locator("tr").filter(has_text=COACH_NAME)
    assert "en attente de réponse" in row.inner_text()


def test_coach_accepts_a_request(new_page: Any, base_url: str) -> None:
    mentee = newcomer(base_url, "Dominique Lenoir", needs=[NEED])
    coach_id = member_id_of(base_url, DEMO_LOGINS["coach"])
    needs = httpx.get(f"{base_url}/api/members/{mentee.member_id}/needs", headers=mentee.headers)
    sent = httpx.post(
        f"{base_url}/api/match-requests",
        headers=mentee.headers,
        json={
            "mentee_id": mentee.member_id,
            "coach_id": coach_id,
            "need_id": needs.json()["items"][0]["id"],
            "message": "Bonjour, votre expérience m'aiderait beaucoup.",
        },
    )
    assert sent.status_code == 201, sent.text
    page = new_page()
    sign_in(page, "coach")
    page.goto("/accompagnement/demandes")
    card = page.locator("ul.cards > li").filter(has_text=mentee.display_name)
    assert NEED in card.inner_text()
    assert "votre expérience m'aiderait beaucoup" in card.inner_text()
    before = page.get_by_text(re.compile(r"Places disponibles : \d+")).first.inner_text()
    page.get_by_role("button", name=f"Accepter la demande de {mentee.display_name}").click()
    assert "La demande est acceptée." in page.get_by_role("status").first.inner_text()
    after = page.get_by_text(re.compile(r"Places disponibles : \d+")).first.inner_text()
    assert int(after.split(":")[1]) == int(before.split(":")[1]) - 1
    assert page.get_by_role("heading", name=mentee.display_name).count() == 1
    screenshot(page, "coach-demandes")


def test_trainer_adopts_a_proposal(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "trainer")
    page.goto("/formation/incubateur")
    first = page.locator("ul.cards > li").first
    title = first.locator("h3").inner_text()
    first.get_by_role("button", name="Adopter cette proposition").click()
    assert "/formation/catalogue/" in page.url
    assert "un module brouillon est créé" in page.get_by_role("status").first.inner_text()
    assert page.get_by_label("Titre").input_value() == title
    assert page.get_by_label("Statut").input_value() == "draft"


def test_trainer_edit_errors_are_shown_next_to_the_field(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "trainer")
    page.goto("/formation/catalogue?statut=published")
    page.locator("tbody a").first.click()
    page.get_by_label("Titre").fill("Abc")
    page.get_by_role("button", name="Enregistrer le module").click()
    title = page.get_by_label("Titre")
    assert title.input_value() == "Abc"
    assert title.get_attribute("aria-invalid") == "true"
    assert page.locator("#erreur-title").is_visible()


def test_animator_imports_a_csv_with_an_error_fixes_it_and_imports(
    new_page: Any, tmp_path: Path
) -> None:
    messy = (FORMS / "messy_export.csv").read_bytes()
    fixed = messy.replace(b"bruno.martin@;", b"bruno.martin@redon.fr;").replace(
        "Européen".encode(), b"National"
    )
    page = new_page()
    sign_in(page, "animator")
    page.goto("/animation/import")
    page.get_by_label("Fichier CSV").set_input_files(
        files=[{"name": "export.csv", "mimeType": "text/csv", "buffer": messy}]
    )
    page.get_by_role("button", name="Prévisualiser l'import").click()
    assert "Rien n'a été importé" in page.get_by_role("alert").inner_text()
    errors = page.locator("table tbody tr")
    assert errors.count() == 2
    screenshot(page, "animation-import-erreurs")
    page.get_by_label("Déposer un autre fichier CSV").set_input_files(
        files=[{"name": "export-corrige.csv", "mimeType": "text/csv", "buffer": fixed}]
    )
    page.get_by_role("button", name="Prévisualiser l'import").click()
    assert "aucune erreur" in page.get_by_role("heading", level=2).first.inner_text()
    page.get_by_role("button", name="Confirmer l'import").click()
    assert "import est appliqué" in page.get_by_role("status").first.inner_text()
    page.goto("/animation/membres?q=alice")
    assert page.get_by_role("rowheader").filter(has_text="Alice Durand").count() == 1


def test_animator_runs_the_cohort_dry_run_then_confirms(new_page: Any, base_url: str) -> None:
    # A coach with free places whose offer answers a newcomer's need: the plan cannot be empty.
    newcomer(
        base_url,
        "Sacha Coach",
        role="coach",
        capacity=3,
        offers=["Management hybride, rituels d'équipe à distance"],
    )
    newcomer(base_url, "Alix Nouvelle", needs=[NEED])
    page = new_page()
    sign_in(page, "animator")
    page.goto("/animation/cohorte")
    page.get_by_role("button", name="Lancer la simulation").click()
    assert "Simulation" in page.get_by_role("heading", level=2).first.inner_text()
    confirm = page.get_by_role("button", name=re.compile("Confirmer et envoyer"))
    assert confirm.count() == 1, "the plan must propose at least one pair"
    confirm.click()
    assert "Propositions créées" in page.get_by_role("heading", level=2).first.inner_text()


def test_sign_out_ends_the_session(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "member")
    page.get_by_role("button", name="Se déconnecter").click()
    assert "/connexion" in page.url
    page.goto("/profil")
    assert "/connexion" in page.url


def test_member_searches_the_library_reads_a_sheet_and_suggests_an_edit(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "member")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Bibliothèque"
    ).click()
    page.get_by_label("Mots recherchés").fill("reunion hybride")
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("link", name="Météo d'équipe en réunion hybride").click()
    assert page.get_by_role("heading", name="Étapes").is_visible()
    screenshot(page, "membre-bibliotheque-fiche")
    page.get_by_role("link", name="Proposer une modification").click()
    page.get_by_label("Pourquoi cette modification ?").fill("Ajouter le tour des absents")
    page.get_by_label("Matériel").fill("Des cartes météo imprimées")
    page.get_by_role("button", name="Proposer cette modification").click()
    assert "votre suggestion est transmise" in page.get_by_role("status").first.inner_text()


def test_the_public_page_shows_the_community_and_a_member_says_it_interests_them(
    new_page: Any,
) -> None:
    page = new_page()
    page.goto("/communaute")
    assert page.get_by_role("heading", name="La communauté en chiffres").is_visible()
    assert page.get_by_text("Formations proposées par l'incubateur").is_visible()
    screenshot(page, "public-communaute")
    sign_in(page, "member")
    page.goto("/communaute")
    page.get_by_role("button", name="Ça m'intéresse").first.click()
    assert "votre intérêt compte" in page.get_by_role("status").first.inner_text()
    assert page.get_by_role("button", name="Retirer mon intérêt").first.is_visible()
