"""Animator pages: the import's expected columns and template, the cohort, the dashboard."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from service.demo.loader import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from tests.integration.actors import Actor, Actors
from tests.integration.test_pages import csrf, post, sign_in

Client = AsyncTestClient[Any]


@pytest.fixture(autouse=True)
def no_redirects(client: Client) -> None:
    client.follow_redirects = False


async def test_the_import_page_lists_the_columns_and_its_template_imports(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    token = await sign_in(client, animator)
    page = (await client.get("/animation/import")).text
    assert "Colonnes attendues" in page and 'href="/animation/import/modele.csv"' in page
    assert "Adresse e-mail" in page and "Vos besoins" in page
    template = await client.get("/animation/import/modele.csv")
    assert template.status_code == 200
    assert template.headers["content-type"].startswith("text/csv")
    assert "attachment" in template.headers["content-disposition"]
    text = template.content.decode("utf-8-sig")
    (header,) = list(csv.reader(io.StringIO(text), delimiter=";"))
    for name in header:  # every column of the template is described on the page
        assert f"<dt>{name}" in page.replace("&#39;", "'"), name
    assert {"Adresse e-mail", "Région", "Vos besoins", "Outils utilisés"} <= set(header)

    values = {
        "Adresse e-mail": ["lea.morel@ville-brest.fr", "samir.haddad@cd31.fr"],
        "Nom et prénom": ["Léa Morel", "Samir Haddad"],
        "Structure": ["Ville de Brest", "Département de la Haute-Garonne"],
        "Fonction": ["Cheffe de projet innovation", "Directeur adjoint"],
        "J'accepte d'apparaître dans l'annuaire des membres": ["Oui", "Non"],
        "Échelle d'échange souhaitée": ["Régional", "National"],
        "Région": ["Bretagne", "Occitanie"],
        "Type de structure": ["Commune", "Département"],
        "Outils utilisés": ["LinkedIn; Wiki de la communauté", "e-Communautés"],
        "Usages de LinkedIn": ["Faire de la veille", ""],
        "Vos besoins": ["Animer un atelier de co-design", "Évaluer une politique sociale"],
        "Nombre de personnes que vous pourriez accompagner": ["2", "12"],
    }
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    for i in range(2):
        writer.writerow([values.get(name, ["", ""])[i] for name in header])
    filled = ("\ufeff" + out.getvalue()).encode("utf-8")
    preview = await client.post(
        "/animation/import",
        data={"_csrf_token": token},
        files={"file": ("modele.csv", filled, "text/csv")},
    )
    assert preview.status_code == 200, preview.text
    assert "aucune erreur" in preview.text
    payload = re.search(r'name="payload" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    applied = await post(client, "/animation/import/appliquer", {"payload": payload}, token)
    assert applied.status_code == 200 and "import est appliqué." in applied.text
    found = await client.get("/api/members?q=samir", headers=animator.headers)
    (samir,) = found.json()["items"]
    assert (samir["region"], samir["capacity"]) == ("Occitanie", 12)
    assert samir["needs"] == ["Évaluer une politique sociale"]


async def test_the_cohort_page_explains_each_pair_and_sends_only_the_kept_ones(
    client: Client, actors: Actors
) -> None:
    hybrid_need = "Mes agents décrochent depuis qu'on alterne présentiel et télétravail"
    animator = await actors.create(
        "animator", display_name="Claire Animatrice", needs_text=[hybrid_need]
    )
    await actors.create(
        "coach",
        display_name="Hugo Coach",
        capacity=3,
        offers_text=["Management hybride, rituels d'équipe à distance"],
    )
    kept = await actors.create("member", display_name="Alice Gardée", needs_text=[hybrid_need])
    dropped = await actors.create("member", display_name="Bruno Écarté", needs_text=[hybrid_need])
    met = await actors.create("member", display_name="Chloé Comblée", needs_text=[hybrid_need])
    await actors.create("member", display_name="Denis Sans Besoin")
    needs = await client.get(f"/api/members/{met.member_id}/needs", headers=met.headers)
    need_id = needs.json()["items"][0]["id"]
    closed = await client.patch(
        f"/api/needs/{need_id}", headers=met.headers, json={"status": "met"}
    )
    assert closed.status_code == 200, closed.text

    token = await sign_in(client, animator)
    plan = await post(client, "/animation/cohorte", {"action": "simulation"}, token)
    assert plan.status_code == 200, plan.text
    page = plan.text
    assert "Alice Gardée" in page and "Bruno Écarté" in page
    for absent in ("Claire Animatrice", "Chloé Comblée", "Denis Sans Besoin"):
        assert absent not in page, absent
    assert "gloutonne" not in page and "Sans optimisation, on obtiendrait" in page
    rows = re.findall(r'<input type="checkbox" name="binome" value="(\d+)-(\d+)"', page)
    assert {int(m) for m, _ in rows} == {kept.member_id, dropped.member_id}
    for row in page.split('name="binome"')[1:]:
        reasons = row.split("</tr>", 1)[0]
        assert '<ul class="reasons"><li>' in reasons  # the engine's reason, per pair

    keep = next(f"{m}-{c}" for m, c in rows if int(m) == kept.member_id)
    sent = await post(
        client, "/animation/cohorte", {"action": "confirmer", "binome": [keep]}, token
    )
    assert sent.status_code == 200
    assert "1 proposition envoyée." in sent.text
    listing = (await client.get("/api/match-requests", headers=animator.headers)).json()
    assert [item["mentee_id"] for item in listing["items"]] == [kept.member_id]

    api = await client.post("/api/cohorts/assign", headers=animator.headers, json={"dry_run": True})
    body = api.json()
    assert [a["mentee_id"] for a in body["assignments"]] == [dropped.member_id]
    assert body["assignments"][0]["reasons"]


async def test_the_demo_dashboard_shows_figures_and_says_when_a_group_is_too_small(
    client: Client, database_url: str
) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    async with async_sessionmaker(engine)() as session:
        result = await load_demo(session)
        await session.commit()
    await engine.dispose()
    assert result.responses >= 25  # most demo members answered
    animator = Actor(0, DEMO_LOGINS["animator"], {})
    client.cookies.clear()
    token = await csrf(client)
    signed = await client.post(
        "/connexion",
        data={"_csrf_token": token, "email": animator.email, "password": DEMO_PASSWORD},
    )
    assert signed.status_code == 303
    page = (await client.get("/animation/tableau-de-bord")).text
    assert f"<strong>{result.responses}</strong> répondant·e·s" in page
    for heading in ("titre-niveau", "titre-outils", "titre-besoins"):
        section = page.split(f'id="{heading}"', 1)[1].split("</section>", 1)[0]
        assert '<svg class="chart"' in section, heading
        assert not re.search(r"<td class=\"num\">&lt;5</td>", section), heading
    assert "pour protéger l&#39;anonymat" in page or "pour protéger l'anonymat" in page
    assert "Thèmes des besoins" in page and "mots les plus fréquents" not in page
    regions = page.split('id="titre-niveau-region"', 1)[1]
    assert "&lt;5" not in regions.split("</section>", 1)[0]
