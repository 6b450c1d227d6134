"""Themes in the service: the taxonomy, honest reasons, « hors thèmes », animators' corrections,
the refit guard, readable demand labels and incubator proposals adopted once."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from catalogue.modules import load_catalogue, module_to_dict
from matching.taxonomy import load_taxonomy
from service.db.models import ThemeExample, TrainingModule
from tests.integration.actors import Actor, Actors

Client = AsyncTestClient[Any]

HYBRID_NEED = "Mes agents décrochent depuis qu'on alterne présentiel et télétravail"
HYBRID_OFFER = "Management hybride, rituels d'équipe à distance"
OFF_TOPIC_NEED = "Quelqu'un a une bonne recette de gâteau au chocolat pour le pot de départ ?"
PROCUREMENT_NEEDS = [
    "Nos marchés publics attirent toujours les mêmes grosses entreprises, jamais les PME du coin",
    "Comment rencontrer des entreprises innovantes avant de lancer une consultation ?",
    "Je voudrais écrire un cahier des charges qui décrit le besoin et pas la solution technique",
    "Les acheteurs et les services prescripteurs ne se parlent qu'au moment de signer",
    "On voudrait des clauses sociales et environnementales dans nos appels d'offres",
]
THEME_NAMES = {t.id: t.name for t in load_taxonomy().themes}


async def _catalogue(client: Client, actors: Actors) -> Actor:
    trainer = await actors.create("trainer")
    rows = [module_to_dict(m) for m in load_catalogue()]
    response = await client.post("/api/import/modules", headers=trainer.headers, json=rows)
    assert response.status_code == 200, response.text
    return trainer


async def _clusters(client: Client, who: Actor) -> list[dict[str, Any]]:
    response = await client.get("/api/demand/clusters?include=needs", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()["clusters"]


def _cluster_of(clusters: list[dict[str, Any]], need_text: str) -> dict[str, Any]:
    return next(c for c in clusters if any(n["text"] == need_text for n in c["needs"] or []))


async def test_the_taxonomy_is_served_in_french(client: Client, actors: Actors) -> None:
    member = await actors.create()
    response = await client.get("/api/themes", headers=member.headers)
    assert response.status_code == 200
    themes = response.json()
    assert len(themes) >= 24
    hybrid = next(t for t in themes if t["id"] == "management_hybride")
    assert hybrid["name"] == "Management hybride et travail à distance"
    assert 3 <= len(hybrid["objectives"]) <= 5
    assert all(t["family_name"] and t["description"] for t in themes)


async def test_reasons_name_the_shared_theme_and_quote_both_sides_whole(
    client: Client, actors: Actors
) -> None:
    offer = (
        "J'accompagne les encadrants dont l'équipe est en partie en télétravail : charte, "
        "rituels d'équipe à distance, réunions hybrides où chacun a sa place, suivi de la charge"
    )
    coach = await actors.create(
        "coach",
        capacity=3,
        job_title="Consultante en organisation",
        bio="Vingt ans en collectivité. J'ai dirigé un service de 40 agents.",
        offers_text=[offer],
    )
    alice = await actors.create(needs_text=[HYBRID_NEED])
    response = await client.get(f"/api/members/{alice.member_id}/matches", headers=alice.headers)
    assert response.status_code == 200
    result = next(r for r in response.json()["results"] if r["member_id"] == coach.member_id)
    reason = result["reasons"][0]
    assert reason.startswith(f"Thème commun : {THEME_NAMES['management_hybride']} — ")
    quoted = re.findall(r"« (.+?) »", reason)
    assert quoted[0] == HYBRID_NEED
    cut = quoted[1].removesuffix("…")
    assert offer.startswith(cut) and (cut == offer or offer[len(cut)] == " ")
    assert "Consultante" not in reason  # the job title is never glued to an offer or a bio


async def test_an_off_topic_need_is_hors_themes_and_forms_no_theme(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    await actors.create(needs_text=[OFF_TOPIC_NEED])
    await actors.create(needs_text=[HYBRID_NEED])
    cluster = _cluster_of(await _clusters(client, animator), OFF_TOPIC_NEED)
    assert cluster["kind"] == "emerging" and cluster["theme"] is None
    need = next(n for n in cluster["needs"] if n["text"] == OFF_TOPIC_NEED)
    assert need["theme"] is None and need["theme_corrected"] is False
    hybrid = _cluster_of(await _clusters(client, animator), HYBRID_NEED)
    assert hybrid["kind"] == "theme" and hybrid["label"] == THEME_NAMES["management_hybride"]


async def test_an_animator_corrects_a_need_theme_and_it_counts_at_once(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    member = await actors.create(needs_text=[OFF_TOPIC_NEED])
    cluster = _cluster_of(await _clusters(client, animator), OFF_TOPIC_NEED)
    need_id = next(n["id"] for n in cluster["needs"] if n["text"] == OFF_TOPIC_NEED)

    denied = await client.put(
        f"/api/needs/{need_id}/theme", headers=member.headers, json={"theme": "facilitation"}
    )
    assert denied.status_code == 403
    unknown = await client.put(
        f"/api/needs/{need_id}/theme", headers=animator.headers, json={"theme": "astrologie"}
    )
    assert unknown.status_code == 400
    assert unknown.json()["extra"][0]["key"] == "theme"

    done = await client.put(
        f"/api/needs/{need_id}/theme",
        headers=animator.headers,
        json={"theme": "qualite_vie_travail"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["theme_name"] == THEME_NAMES["qualite_vie_travail"]
    cluster = _cluster_of(await _clusters(client, animator), OFF_TOPIC_NEED)
    assert cluster["theme"] == "qualite_vie_travail"
    need = next(n for n in cluster["needs"] if n["id"] == need_id)
    assert need["theme_corrected"] is True

    cleared = await client.put(
        f"/api/needs/{need_id}/theme", headers=animator.headers, json={"theme": None}
    )
    assert cleared.status_code == 200 and cleared.json()["corrected"] is False
    assert _cluster_of(await _clusters(client, animator), OFF_TOPIC_NEED)["theme"] is None


async def test_a_refit_with_good_examples_is_accepted_and_versioned(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    member = await actors.create(
        needs_text=["Le broyage des déchets verts du village : on mutualise ?"]
    )
    health = (await client.get("/api/health")).json()
    assert health["theme_model"] == "corpus"
    clusters = await _clusters(client, animator)
    need_id = next(n["id"] for c in clusters for n in c["needs"] or [] if "broyage" in n["text"])
    await client.put(
        f"/api/needs/{need_id}/theme",
        headers=animator.headers,
        json={"theme": "cooperation_territoriale"},
    )
    refit = await client.post("/api/themes/model/refit", headers=animator.headers)
    assert refit.status_code == 201, refit.text
    body = refit.json()
    assert body["last_refit"]["accepted"] is True
    assert body["last_refit"]["examples"] == 1
    assert body["version"].startswith("refit-")
    assert (await client.get("/api/health")).json()["theme_model"] == body["version"]
    assert member.member_id  # the corrected need stays the member's


async def test_a_refit_that_does_worse_on_the_guard_split_is_rejected(
    client: Client, actors: Actors, database_url: str
) -> None:
    animator = await actors.create("animator")
    sessionmaker = async_sessionmaker(create_async_engine(database_url, poolclass=NullPool))
    wrong = [  # hybrid-work situations, every one labelled as innovative procurement
        f"{start} {end}"
        for start in (
            "Depuis le télétravail",
            "Avec l'équipe à moitié à distance",
            "Entre présentiel et distanciel",
            "En mode hybride",
            "Les jours de télétravail",
            "Avec les visios",
        )
        for end in (
            "je ne vois plus mes agents",
            "la cohésion d'équipe s'effrite",
            "personne ne sait qui est au bureau",
            "les réunions mixtes sont pénibles",
            "les agents se sentent isolés",
            "je ne sais pas suivre la charge",
            "on a perdu nos rituels d'équipe",
            "le lien se délite",
        )
    ]
    async with sessionmaker() as session:
        await session.execute(
            insert(ThemeExample),
            [{"text": t, "theme": "achats_innovants", "source": "correction"} for t in wrong],
        )
        await session.commit()
    refit = await client.post("/api/themes/model/refit", headers=animator.headers)
    assert refit.status_code == 201, refit.text
    body = refit.json()
    assert body["last_refit"]["accepted"] is False
    assert body["last_refit"]["guard_accuracy"] < body["last_refit"]["reference_accuracy"]
    assert body["version"] == "corpus"
    again = (await client.post("/api/themes/model/refit", headers=animator.headers)).json()
    assert again["last_refit"]["run_id"] == body["last_refit"]["run_id"]  # decided once


async def test_demand_labels_are_theme_names_and_proposals_come_from_the_taxonomy(
    client: Client, actors: Actors
) -> None:
    trainer = await _catalogue(client, actors)
    await actors.create(
        "coach", offers_text=["Sourcing et dialogue avec les entreprises avant un marché public"]
    )
    for text in PROCUREMENT_NEEDS:
        await actors.create(needs_text=[text])
    clusters = (await client.get("/api/demand/clusters", headers=trainer.headers)).json()[
        "clusters"
    ]
    named = [c for c in clusters if c["kind"] == "theme" and c["members"] >= 5]
    assert named and all(c["label"] in THEME_NAMES.values() for c in named)
    procurement = next(c for c in clusters if c["theme"] == "achats_innovants")
    assert procurement["covered"] is False
    proposals = (await client.get("/api/incubator/proposals", headers=trainer.headers)).json()
    proposal = next(p for p in proposals["items"] if p["theme"] == "achats_innovants")
    theme = load_taxonomy().theme("achats_innovants")
    assert proposal["title"].startswith(theme.name)
    assert proposal["objectives"] == list(theme.objectives[:5])
    assert [c["role"] for c in proposal["contributors"]] == ["coach"]
    covered = {p["theme"] for p in proposals["items"]} & {"management_hybride", "facilitation"}
    assert not covered  # themes with a published module get no proposal


async def test_a_proposal_adopted_twice_at_once_makes_one_draft(
    client: Client, actors: Actors, database_url: str
) -> None:
    trainer = await _catalogue(client, actors)
    for text in PROCUREMENT_NEEDS:
        await actors.create(needs_text=[text])
    proposals = (await client.get("/api/incubator/proposals", headers=trainer.headers)).json()
    proposal_id = next(p["id"] for p in proposals["items"] if p["theme"] == "achats_innovants")
    url = f"/api/incubator/proposals/{proposal_id}/adopt"
    first, second = await asyncio.gather(
        client.post(url, headers=trainer.headers), client.post(url, headers=trainer.headers)
    )
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    later = await client.post(url, headers=trainer.headers)
    assert later.status_code == 409
    assert "déjà adoptée" in later.json()["detail"]
    sessionmaker = async_sessionmaker(create_async_engine(database_url, poolclass=NullPool))
    async with sessionmaker() as session:
        drafts = await session.scalar(
            select(func.count()).where(TrainingModule.source == "incubator")
        )
    assert drafts == 1


async def test_a_pair_closed_as_a_good_fit_teaches_the_model(
    client: Client, actors: Actors, database_url: str
) -> None:
    coach = await actors.create("coach", capacity=2, offers_text=[HYBRID_OFFER])
    alice = await actors.create(needs_text=[HYBRID_NEED])
    needs = await client.get(f"/api/members/{alice.member_id}/needs", headers=alice.headers)
    need_id = needs.json()["items"][0]["id"]
    created = await client.post(
        "/api/match-requests",
        headers=alice.headers,
        json={"mentee_id": alice.member_id, "coach_id": coach.member_id, "need_id": need_id},
    )
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    assert (
        await client.post(f"/api/match-requests/{request_id}/accept", headers=coach.headers)
    ).status_code == 200
    closed = await client.post(
        f"/api/match-requests/{request_id}/close",
        headers=alice.headers,
        json={"outcome": "completed_on_time", "rating": 5},
    )
    assert closed.status_code == 200, closed.text
    sessionmaker = async_sessionmaker(create_async_engine(database_url, poolclass=NullPool))
    async with sessionmaker() as session:
        examples = list(await session.scalars(select(ThemeExample)))
    assert [(e.source, e.theme, e.need_id) for e in examples] == [
        ("pair", "management_hybride", need_id)
    ]
