"""The French pages through the HTTP client: who may see what, forms, CSRF, the journeys."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.integration.actors import PASSWORD, Actor, Actors

Client = AsyncTestClient[Any]
FORMS = Path(__file__).parents[1] / "data" / "forms"
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')

MEMBER_PAGES = [
    "/profil",
    "/questionnaire",
    "/trouver-un-coach",
    "/trouver-un-pair",
    "/demandes",
    "/formations",
    "/accompagnement/demandes",
]
COACH_PAGES = ["/accompagnement"]
TRAINER_PAGES = ["/formation/demande", "/formation/incubateur", "/formation/catalogue"]
ANIMATOR_PAGES = [
    "/animation/tableau-de-bord",
    "/animation/membres",
    "/animation/import",
    "/animation/cohorte",
    "/animation/besoins",
]


@pytest.fixture(autouse=True)
def no_redirects(client: Client) -> None:
    """Redirects are asserted, not followed."""
    client.follow_redirects = False


async def csrf(client: Client, path: str = "/connexion") -> str:
    """The CSRF token of the form on `path` (the cookie is kept by the client)."""
    response = await client.get(path)
    match = _CSRF.search(response.text)
    assert match, response.text[:500]
    return match.group(1)


async def sign_in(client: Client, actor: Actor) -> str:
    """Sign `actor` in through the page; returns a CSRF token for further posts."""
    client.cookies.clear()
    token = await csrf(client)
    response = await client.post(
        "/connexion", data={"_csrf_token": token, "email": actor.email, "password": PASSWORD}
    )
    assert response.status_code == 303, response.text
    return token


async def post(client: Client, path: str, data: dict[str, Any], token: str) -> Any:
    """Post a form with the CSRF token."""
    return await client.post(path, data={"_csrf_token": token, **data})


def error_of(html: str, field: str) -> str:
    """The error message tied to `field`, checking the input points to it."""
    assert f'id="erreur-{field}"' in html, f"no error for {field}"
    assert re.search(rf'id="champ-{field}"[^>]*aria-describedby="[^"]*erreur-{field}', html)
    return re.search(rf'id="erreur-{field}">([^<]+)<', html).group(1)  # type: ignore[union-attr]


# --- sign-in, sign-out, first login ------------------------------------------------------------


async def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    for path in [*MEMBER_PAGES, TRAINER_PAGES[0], ANIMATOR_PAGES[0]]:
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/connexion?suivant=")


async def test_sign_in_page_is_french_with_labels(client: Client) -> None:
    response = await client.get("/connexion")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="fr">' in html and "<title>Se connecter — Passerelle</title>" in html
    for landmark in ("<header", "<main", "<footer", 'href="#contenu"'):
        assert landmark in html
    assert '<label for="champ-email">' in html and '<label for="champ-password">' in html


async def test_wrong_password_is_refused_and_the_email_kept(client: Client, actors: Actors) -> None:
    member = await actors.create("member")
    token = await csrf(client)
    response = await client.post(
        "/connexion", data={"_csrf_token": token, "email": member.email, "password": "nope"}
    )
    assert response.status_code == 400
    assert "Adresse e-mail ou mot de passe incorrect." in response.text
    assert f'value="{member.email}"' in response.text


async def test_empty_fields_are_flagged_next_to_each_field(client: Client) -> None:
    token = await csrf(client)
    response = await client.post("/connexion", data={"_csrf_token": token})
    assert response.status_code == 400
    assert error_of(response.text, "email") == "Saisissez votre adresse e-mail."
    assert error_of(response.text, "password") == "Saisissez votre mot de passe."


async def test_a_post_without_csrf_token_is_refused(client: Client, actors: Actors) -> None:
    member = await actors.create("member")
    await client.get("/connexion")
    response = await client.post("/connexion", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 403
    token = await sign_in(client, member)
    refused = await client.post("/profil/besoins", data={"text": "Sans jeton"})
    assert refused.status_code == 403
    assert (await post(client, "/profil/besoins", {"text": "Avec jeton"}, token)).status_code == 303


async def test_sign_in_goes_back_to_the_asked_page_and_never_elsewhere(
    client: Client, actors: Actors
) -> None:
    member = await actors.create("member")
    token = await csrf(client)
    data = {"_csrf_token": token, "email": member.email, "password": PASSWORD}
    response = await client.post("/connexion", data={**data, "suivant": "/formations"})
    assert response.headers["location"] == "/formations"
    for target in ("//evil.example", "/\t/evil.example", "https://evil.example"):
        response = await client.post("/connexion", data={**data, "suivant": target})
        assert response.headers["location"] == "/profil"


async def test_sign_out_revokes_the_session(client: Client, actors: Actors) -> None:
    member = await actors.create("member")
    token = await sign_in(client, member)
    cookie = client.cookies.get("passerelle_session")
    assert (await client.get("/profil")).status_code == 200
    response = await post(client, "/deconnexion", {}, token)
    assert response.status_code == 303
    client.cookies.set("passerelle_session", cookie or "")
    assert (await client.get("/profil")).status_code == 303


async def test_first_login_sets_the_password_from_the_invitation(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    created = await client.post(
        "/api/members",
        headers=animator.headers,
        json={"email": "importee@example.fr", "display_name": "Importée", "consent": True},
    )
    assert created.status_code == 201, created.text
    member_id = created.json()["id"]
    invitation = await client.post(f"/api/members/{member_id}/invitation", headers=animator.headers)
    invite = invitation.json()["token"]
    token = await csrf(client, f"/premiere-connexion?jeton={invite}")
    short = await client.post(
        "/premiere-connexion",
        data={"_csrf_token": token, "jeton": invite, "password": "court", "confirmation": "court"},
    )
    assert short.status_code == 400
    assert "au moins 12 caractères" in error_of(short.text, "password")
    assert f'value="{invite}"' in short.text
    done = await client.post(
        "/premiere-connexion",
        data={
            "_csrf_token": token,
            "jeton": invite,
            "password": "un-mot-de-passe-long",
            "confirmation": "un-mot-de-passe-long",
        },
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/profil")
    assert "Importée" in (await client.get("/profil")).text
    again = await client.post(
        "/premiere-connexion",
        data={
            "_csrf_token": token,
            "jeton": invite,
            "password": "un-mot-de-passe-long",
            "confirmation": "un-mot-de-passe-long",
        },
    )
    assert "inconnue, expirée ou déjà utilisée" in error_of(again.text, "jeton")


# --- who sees what -----------------------------------------------------------------------------

ROLE_PAGES = {
    "member": MEMBER_PAGES,
    "coach": MEMBER_PAGES + COACH_PAGES,
    "trainer": MEMBER_PAGES + COACH_PAGES + TRAINER_PAGES,
    "animator": MEMBER_PAGES + TRAINER_PAGES + ANIMATOR_PAGES,
}
ALL_PAGES = MEMBER_PAGES + COACH_PAGES + TRAINER_PAGES + ANIMATOR_PAGES


@pytest.mark.parametrize("role", list(ROLE_PAGES))
async def test_each_role_sees_its_pages_and_is_refused_the_others(
    client: Client, actors: Actors, role: str
) -> None:
    actor = await actors.create(
        role, needs_text=["Animer un atelier de design avec les habitants"], capacity=2
    )
    await sign_in(client, actor)
    for path in ALL_PAGES:
        response = await client.get(path)
        if path in ROLE_PAGES[role]:
            assert response.status_code == 200, (path, response.text[:800])
            assert "<title>" in response.text and "<h1>" in response.text
        else:
            assert response.status_code == 403, path
            assert "Accès refusé" in response.text


async def test_a_member_cannot_post_to_trainer_or_animator_forms(
    client: Client, actors: Actors
) -> None:
    member = await actors.create("member")
    token = await sign_in(client, member)
    for path in ("/formation/incubateur/1/adopter", "/animation/cohorte"):
        response = await post(client, path, {"action": "confirmer"}, token)
        assert response.status_code == 403, path


# --- member forms ------------------------------------------------------------------------------


async def test_needs_are_added_checked_and_marked_met(client: Client, actors: Actors) -> None:
    member = await actors.create("member")
    token = await sign_in(client, member)
    too_long = "x" * 501
    refused = await post(client, "/profil/besoins", {"text": too_long}, token)
    assert refused.status_code == 400
    assert "500" in error_of(refused.text, "text")
    assert too_long in refused.text
    added = await post(
        client, "/profil/besoins", {"text": "Évaluer notre budget participatif"}, token
    )
    assert added.status_code == 303
    page = (await client.get("/profil?message=besoin-ajoute")).text
    assert "Votre besoin est ajouté." in page and "Évaluer notre budget participatif" in page
    need_id = re.search(r"/profil/besoins/(\d+)/satisfait", page).group(1)  # type: ignore[union-attr]
    met = await post(client, f"/profil/besoins/{need_id}/satisfait", {}, token)
    assert met.status_code == 303
    assert "Besoins satisfaits" in (await client.get("/profil")).text


async def test_profile_errors_show_next_to_the_field_and_keep_the_input(
    client: Client, actors: Actors
) -> None:
    member = await actors.create("member")
    token = await sign_in(client, member)
    response = await post(
        client,
        "/profil",
        {
            "display_name": "Nouveau Nom",
            "capacity": "99",
            "organization_type": "commune",
            "network_level": "local",
        },
        token,
    )
    assert response.status_code == 400
    assert "au plus 20" in error_of(response.text, "capacity")
    assert 'value="Nouveau Nom"' in response.text and 'value="99"' in response.text
    saved = await post(
        client,
        "/profil",
        {
            "display_name": "Nouveau Nom",
            "capacity": "2",
            "organization_type": "commune",
            "network_level": "regional",
            "region": "Bretagne",
            "consent": "on",
        },
        token,
    )
    assert saved.status_code == 303
    assert 'value="Nouveau Nom"' in (await client.get("/profil")).text


async def test_member_finds_a_coach_sends_a_request_and_the_coach_accepts(
    client: Client, actors: Actors
) -> None:
    coach = await actors.create(
        "coach",
        display_name="Camille Coach",
        capacity=1,
        offers_text=["Animer des ateliers de design de services publics avec les habitants"],
    )
    member = await actors.create(
        "member", needs_text=["Animer un atelier de design de services avec les habitants"]
    )
    token = await sign_in(client, member)
    page = (await client.get("/trouver-un-coach")).text
    assert "Camille Coach" in page and "score" in page
    too_long = await post(
        client,
        "/demandes",
        {
            "coach_id": str(coach.member_id),
            "kind": "mentor",
            f"message-{coach.member_id}": "m" * 2001,
        },
        token,
    )
    assert too_long.status_code == 400
    assert error_of(too_long.text, f"message-{coach.member_id}")
    sent = await post(
        client,
        "/demandes",
        {
            "coach_id": str(coach.member_id),
            "kind": "mentor",
            f"message-{coach.member_id}": "Bonjour, pouvez-vous m'aider ?",
        },
        token,
    )
    assert sent.status_code == 303
    assert "en attente de réponse" in (await client.get("/demandes")).text
    twice = await post(
        client, "/demandes", {"coach_id": str(coach.member_id), "kind": "mentor"}, token
    )
    assert "déjà une demande" in twice.text

    token = await sign_in(client, coach)
    incoming = (await client.get("/accompagnement/demandes")).text
    assert "Bonjour, pouvez-vous m&#39;aider ?" in incoming
    request_id = re.search(r"/accompagnement/demandes/(\d+)/accepter", incoming).group(1)  # type: ignore[union-attr]
    accepted = await post(client, f"/accompagnement/demandes/{request_id}/accepter", {}, token)
    assert accepted.status_code == 303
    page = (await client.get("/accompagnement/demandes")).text
    assert "Places disponibles : 0" in page and "Accompagnements en cours" in page
    bad_close = await post(client, f"/binomes/{request_id}/cloturer", {"outcome": ""}, token)
    assert bad_close.status_code == 400
    assert error_of(bad_close.text, "outcome")
    closed = await post(
        client,
        f"/binomes/{request_id}/cloturer",
        {"outcome": "completed_on_time", "rating": "5"},
        token,
    )
    assert closed.status_code == 303


# --- trainer and animator ----------------------------------------------------------------------


async def test_trainer_edits_a_module_with_errors_kept_next_to_fields(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    trainer = await actors.create("trainer")
    module = {
        "id": "atelier-test",
        "title": "Atelier de test",
        "summary": "Un module pour vérifier l'édition depuis les pages.",
        "objectives": ["Vérifier l'édition"],
        "format": "distanciel",
        "duration_hours": 2,
        "audience": ["agents"],
    }
    created = await client.post("/api/catalogue/modules/", headers=animator.headers, json=module)
    assert created.status_code == 201, created.text
    token = await sign_in(client, trainer)
    listing = (await client.get("/formation/catalogue?format=distanciel")).text
    assert "Atelier de test" in listing
    form = {
        "title": "Ab",
        "summary": module["summary"],
        "objectives": "Vérifier l'édition",
        "format": "distanciel",
        "duration_hours": "2,5",
        "audience": "agents",
        "status": "published",
    }
    refused = await post(client, "/formation/catalogue/atelier-test", form, token)
    assert refused.status_code == 400
    assert error_of(refused.text, "title")
    assert 'value="Ab"' in refused.text and 'value="2,5"' in refused.text
    saved = await post(
        client, "/formation/catalogue/atelier-test", {**form, "title": "Atelier modifié"}, token
    )
    assert saved.status_code == 303
    assert 'value="Atelier modifié"' in (await client.get("/formation/catalogue/atelier-test")).text


async def test_animator_previews_an_import_with_errors_then_applies_the_fixed_file(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    token = await sign_in(client, animator)
    messy = (FORMS / "messy_export.csv").read_bytes()
    preview = await client.post(
        "/animation/import",
        data={"_csrf_token": token},
        files={"file": ("export.csv", messy, "text/csv")},
    )
    assert preview.status_code == 400
    assert "Rien n'a été importé" in preview.text and "Européen" in preview.text
    fixed = messy.replace(b"bruno.martin@;", b"bruno.martin@redon.fr;").replace(
        "Européen".encode(), b"National"
    )
    preview = await client.post(
        "/animation/import",
        data={"_csrf_token": token},
        files={"file": ("export.csv", fixed, "text/csv")},
    )
    assert preview.status_code == 200, preview.text
    assert "aucune erreur" in preview.text
    members = (await client.get("/animation/membres?q=alice")).text
    assert "Alice Durand" not in members
    payload = re.search(r'name="payload" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    applied = await post(client, "/animation/import/appliquer", {"payload": payload}, token)
    assert applied.status_code == 200
    assert "import est appliqué." in applied.text
    assert "Alice Durand" in (await client.get("/animation/membres?q=alice")).text
    dashboard = (await client.get("/animation/tableau-de-bord")).text
    assert "<strong>5</strong> répondant·e·s" in dashboard
    assert "ne sont pas détaillés" in dashboard  # groups under 5: a sentence, not « <5 »
    assert '<td class="num">&lt;5</td>' not in dashboard.split("titre-cousage")[0]
    csv = await client.get("/animation/tableau-de-bord.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("indicateur,ventilation,groupe,catégorie,effectif,base\r\n")
    keyed = await client.get("/animation/tableau-de-bord.csv?headers=keys")
    assert keyed.text.startswith("figure,breakdown,group,category,count,n\r\n")


async def test_animator_runs_a_cohort_dry_run_then_confirms(client: Client, actors: Actors) -> None:
    animator = await actors.create("animator")
    await actors.create(
        "coach",
        capacity=2,
        offers_text=["Évaluation des politiques publiques et indicateurs d'impact"],
    )
    await actors.create(
        "member", needs_text=["Évaluer l'impact de notre politique publique avec des indicateurs"]
    )
    token = await sign_in(client, animator)
    dry = await post(client, "/animation/cohorte", {"action": "simulation"}, token)
    assert dry.status_code == 200 and "Simulation" in dry.text
    assert "Confirmer et envoyer" in dry.text
    pairs = re.findall(r'name="binome" value="([0-9-]+)" id="[^"]+" checked', dry.text)
    assert pairs
    done = await post(client, "/animation/cohorte", {"action": "confirmer", "binome": pairs}, token)
    assert "Propositions créées" in done.text and "1 proposition envoyée." in done.text


async def test_animator_corrects_the_theme_of_a_need_from_the_page(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    need = "Qui a une bonne adresse de traiteur pour le repas des anciens ?"
    await actors.create("member", needs_text=[need])
    token = await sign_in(client, animator)
    page = await client.get("/animation/besoins")
    assert page.status_code == 200 and need in page.text
    need_id = int(re.search(r'action="/animation/besoins/(\d+)/theme"', page.text).group(1))
    assert "Besoins isolés, hors des thèmes connus" in page.text or "besoin émergent" in page.text
    done = await post(
        client, f"/animation/besoins/{need_id}/theme", {"theme": "solidarites_aller_vers"}, token
    )
    assert done.status_code == 303 and "theme-corrige" in done.headers["location"]
    page = (await client.get("/animation/besoins?message=theme-corrige")).text
    assert "Le thème du besoin est enregistré" in page
    assert "Aller vers les publics et solidarités" in page.split(need)[0]  # now under that theme
    assert "choisi par un·e animateur·rice" in page
    refused = await post(
        client, f"/animation/besoins/{need_id}/theme", {"theme": "astrologie"}, token
    )
    assert "theme-invalide" in refused.headers["location"]


async def test_questionnaire_errors_are_next_to_each_question_and_answers_kept(
    client: Client, actors: Actors
) -> None:
    member = await actors.create("member")
    token = await sign_in(client, member)
    page = await client.get("/questionnaire")
    assert page.status_code == 200 and "Envoyer mes réponses" in page.text
    refused = await post(
        client,
        "/questionnaire",
        {"q_apports": "Partager nos ateliers", "q_capacite": "beaucoup"},
        token,
    )
    assert refused.status_code == 400
    assert error_of(refused.text, "q_capacite") == "Saisissez un nombre entier."
    assert 'value="beaucoup"' in refused.text
    missing = await post(client, "/questionnaire", {"q_apports": "Partager nos ateliers"}, token)
    assert missing.status_code == 400
    assert "Partager nos ateliers" in missing.text
    assert 'id="erreur-q_besoins"' in missing.text
    answered = await post(
        client,
        "/questionnaire",
        {
            "q_niveau_reseau": "regional",
            "q_besoins": "Évaluer notre budget participatif",
            "q_outils": ["linkedin", "wiki"],
            "q_capacite": "2",
        },
        token,
    )
    assert answered.status_code == 303
    profile = (await client.get("/profil")).text
    assert "Évaluer notre budget participatif" in profile
    again = (await client.get("/questionnaire")).text
    assert "Mettre à jour mes réponses" in again


async def test_demand_charts_are_svg_labelled_by_their_heading_with_a_table(
    client: Client, actors: Actors
) -> None:
    trainer = await actors.create("trainer")
    await actors.bulk_members(
        [
            {
                "email": f"agent{i}@example.fr",
                "region": "Bretagne",
                "needs_text": [f"Animer un budget participatif avec les habitants du quartier {i}"],
            }
            for i in range(8)
        ]
    )
    await sign_in(client, trainer)
    page = (await client.get("/formation/demande")).text
    charts = re.findall(r'<svg class="chart" role="img" aria-labelledby="([^"]+)"', page)
    assert charts, page[:2000]
    for heading in charts:
        assert f'id="{heading}"' in page
    assert "<table" in page and "<caption>" in page
    assert "Première mesure" in page  # a first run: no evolution yet, said in words
    assert "Bretagne" in page
    assert "<script" not in page and " style=" not in page
