"""Catalogue, training recommendations, demand clusters and the incubator through the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from catalogue.modules import load_catalogue, module_to_dict
from tests.integration.actors import Actor, Actors

Client = AsyncTestClient[Any]
DEVSET = Path(__file__).resolve().parents[1] / "data" / "devset_catalogue.json"
HYBRID_NEED = "Mes agents décrochent depuis qu'on alterne présentiel et télétravail"


def _module(**fields: Any) -> dict[str, Any]:
    module = {
        "id": "animer-un-reseau",
        "title": "Animer un réseau d'innovateurs",
        "summary": "Faire vivre une communauté de pratique entre collectivités, pas à pas.",
        "objectives": ["Lancer un réseau", "Faire vivre les échanges"],
        "format": "hybride",
        "duration_hours": 7,
        "audience": ["agents", "managers"],
    }
    module.update(fields)
    return module


@pytest.fixture
async def catalogue_loaded(client: Client, actors: Actors) -> Actor:
    """The starter catalogue, imported by a trainer (returned)."""
    trainer = await actors.create("trainer")
    rows = [module_to_dict(module) for module in load_catalogue()]
    response = await client.post("/api/import/modules", headers=trainer.headers, json=rows)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == len(rows)
    return trainer


@pytest.fixture
async def community(actors: Actors, catalogue_loaded: Actor) -> dict[str, Any]:
    """Members with needs from the catalogue dev set (tune split) and its coaches."""
    devset = json.loads(DEVSET.read_text(encoding="utf-8"))
    await actors.bulk_members(
        [
            {
                "email": f"m{need['id']}@devset.fr",
                "role": "member",
                "region": need.get("region"),
                "needs_text": [need["text"]],
            }
            for need in devset["needs"]
            if need["split"] == "tune"
        ]
        + [
            {
                "email": f"coach{coach['member_id']}@devset.fr",
                "display_name": coach["display_name"],
                "role": coach["role"],
                "capacity": 3,
                "offers_text": coach["offers"],
            }
            for coach in devset["coaches"]
        ]
    )
    return devset


async def test_members_read_published_modules_and_trainers_write(
    client: Client, actors: Actors
) -> None:
    trainer = await actors.create("trainer")
    member = await actors.create()
    created = await client.post("/api/catalogue/modules", headers=trainer.headers, json=_module())
    assert created.status_code == 201, created.text
    assert (created.json()["status"], created.json()["source"]) == ("published", "catalogue")
    refused = await client.post(
        "/api/catalogue/modules", headers=member.headers, json=_module(id="autre-module")
    )
    assert refused.status_code == 403
    duplicate = await client.post("/api/catalogue/modules", headers=trainer.headers, json=_module())
    assert duplicate.status_code == 409

    archived = await client.patch(
        "/api/catalogue/modules/animer-un-reseau",
        headers=trainer.headers,
        json={"status": "archived"},
    )
    assert archived.json()["status"] == "archived"
    listing = await client.get("/api/catalogue/modules", headers=member.headers)
    assert listing.json()["total"] == 0
    hidden = await client.get("/api/catalogue/modules/animer-un-reseau", headers=member.headers)
    assert hidden.status_code == 404
    seen = await client.get("/api/catalogue/modules", headers=trainer.headers)
    assert seen.json()["total"] == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"format": "webinaire"}, "format"),
        ({"audience": ["tout le monde"]}, "audience"),
        ({"duration_hours": 0}, "duration_hours"),
        ({"objectives": []}, "objectives"),
        ({"region": "Atlantide", "format": "presentiel"}, "region"),
        ({"region": "Bretagne", "format": "distanciel"}, "region"),
        ({"id": "Pas Un Slug"}, "id"),
    ],
)
async def test_invalid_modules_are_refused_by_field(
    client: Client, actors: Actors, fields: dict[str, Any], field: str
) -> None:
    trainer = await actors.create("trainer")
    response = await client.post(
        "/api/catalogue/modules", headers=trainer.headers, json=_module(**fields)
    )
    assert response.status_code == 422, response.text
    assert response.json()["extra"][0]["key"] == field


async def test_module_import_is_all_or_nothing(client: Client, actors: Actors) -> None:
    trainer = await actors.create("trainer")
    rows = [_module(id=f"module-{i}") for i in range(4)]
    rows[2]["format"] = "webinaire"
    rejected = await client.post("/api/import/modules", headers=trainer.headers, json=rows)
    assert rejected.status_code == 422
    assert [(e["index"], e["field"]) for e in rejected.json()["extra"]] == [(2, "format")]
    assert (await client.get("/api/catalogue/modules", headers=trainer.headers)).json()[
        "total"
    ] == 0
    partial = await client.post(
        "/api/import/modules?partial=true", headers=trainer.headers, json=rows
    )
    assert partial.json()["created"] == 3
    again = await client.post(
        "/api/import/modules?partial=true", headers=trainer.headers, json=rows
    )
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 3)


async def test_training_answers_the_needs_with_reasons(
    client: Client, actors: Actors, catalogue_loaded: Actor
) -> None:
    alice = await actors.create(needs_text=[HYBRID_NEED], job_title="Cheffe de service")
    response = await client.get(f"/api/members/{alice.member_id}/training", headers=alice.headers)
    assert response.status_code == 200
    results = response.json()["results"]
    assert results and len(results) <= 5
    assert results[0]["module_id"] == "manager-equipe-hybride"
    assert any(HYBRID_NEED in reason for reason in results[0]["reasons"])
    bob = await actors.create()
    forbidden = await client.get(f"/api/members/{alice.member_id}/training", headers=bob.headers)
    assert forbidden.status_code == 403


async def test_followed_archived_and_other_regions_modules_are_left_out(
    client: Client, actors: Actors, catalogue_loaded: Actor
) -> None:
    trainer = catalogue_loaded
    regional = next(m for m in load_catalogue() if m.region is not None)
    need = regional.objectives[0]
    elsewhere = next(r for r in ("Bretagne", "Corse") if r != regional.region)
    inside = await actors.create(needs_text=[need], region=regional.region)
    outside = await actors.create(needs_text=[need], region=elsewhere)

    def ids(response: Any) -> list[str]:
        return [r["module_id"] for r in response.json()["results"]]

    url = "/api/members/{}/training?limit=10"
    assert regional.id in ids(
        await client.get(url.format(inside.member_id), headers=inside.headers)
    )
    assert regional.id not in ids(
        await client.get(url.format(outside.member_id), headers=outside.headers)
    )
    followed = await client.post(
        f"/api/members/{inside.member_id}/training/followed",
        headers=inside.headers,
        json={"module_id": regional.id},
    )
    assert followed.status_code == 201
    assert regional.id not in ids(
        await client.get(url.format(inside.member_id), headers=inside.headers)
    )
    facilitator = await actors.create(
        needs_text=["Animer un atelier où chacun prend la parole et où le groupe décide ensemble"]
    )
    first = ids(await client.get(url.format(facilitator.member_id), headers=facilitator.headers))[0]
    await client.patch(
        f"/api/catalogue/modules/{first}", headers=trainer.headers, json={"status": "archived"}
    )
    assert first not in ids(
        await client.get(url.format(facilitator.member_id), headers=facilitator.headers)
    )


async def test_a_dgs_gets_direction_modules_first(
    client: Client, actors: Actors, catalogue_loaded: Actor
) -> None:
    need = "Je dois conduire la transformation de mes services sans braquer les équipes"
    dgs = await actors.create(needs_text=[need], job_title="DGS")
    agent = await actors.create(needs_text=[need], job_title="Agent d'accueil")
    catalogue = {m.id: m for m in load_catalogue()}
    dgs_first = (
        await client.get(f"/api/members/{dgs.member_id}/training", headers=dgs.headers)
    ).json()["results"][0]
    assert "direction" in catalogue[dgs_first["module_id"]].audience
    agent_results = (
        await client.get(f"/api/members/{agent.member_id}/training?limit=20", headers=agent.headers)
    ).json()["results"]
    if "agents" not in catalogue[dgs_first["module_id"]].audience:
        # The same module weighs less for someone outside its audience.
        agent_score = {r["module_id"]: r["score"] for r in agent_results}
        assert agent_score.get(dgs_first["module_id"], 0.0) < dgs_first["score"]


async def test_trainers_see_clusters_without_identities(
    client: Client, actors: Actors, community: dict[str, Any]
) -> None:
    trainer = await actors.create("trainer")
    response = await client.get("/api/demand/clusters", headers=trainer.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["clusters"]
    texts = [need["text"] for need in community["needs"]]
    dumped = json.dumps(body, ensure_ascii=False)
    assert "@devset.fr" not in dumped
    assert not any(text in dumped for text in texts)
    for cluster in body["clusters"]:
        assert cluster["needs"] is None
        if cluster["members"] < 5:
            assert cluster["top_terms"] == [] and cluster["regions"] == {}
        else:
            assert cluster["label"] and cluster["top_terms"]
            assert sum(cluster["regions"].values()) == cluster["size"]
    assert any(cluster["covered"] for cluster in body["clusters"])
    assert sum(cluster["size"] for cluster in body["clusters"]) == sum(
        1 for need in community["needs"] if need["split"] == "tune"
    )


async def test_animators_may_see_needs_and_members_may_not_see_clusters(
    client: Client, actors: Actors, community: dict[str, Any]
) -> None:
    animator = await actors.create("animator")
    member = await actors.create()
    full = await client.get("/api/demand/clusters?include=needs", headers=animator.headers)
    needs = [need for cluster in full.json()["clusters"] for need in cluster["needs"]]
    assert {need["text"] for need in needs} >= {HYBRID_NEED.lower()} or needs
    assert (await client.get("/api/demand/clusters", headers=member.headers)).status_code == 403


async def test_cluster_ids_stay_stable_after_one_new_need(
    client: Client, actors: Actors, community: dict[str, Any]
) -> None:
    trainer = await actors.create("trainer")
    before = (await client.get("/api/demand/clusters", headers=trainer.headers)).json()
    await actors.create(needs_text=["Comment animer un budget participatif avec les habitants ?"])
    after = (await client.get("/api/demand/clusters", headers=trainer.headers)).json()
    assert after["generated_at"] >= before["generated_at"]
    size_before = {c["id"]: c["size"] for c in before["clusters"]}
    size_after = {c["id"]: c["size"] for c in after["clusters"]}
    assert set(size_after) == set(size_before)
    assert sum(size_after.values()) - sum(size_before.values()) == 1
    assert sorted(abs(size_after[i] - size_before[i]) for i in size_before)[-2:] == [0, 1]
    for cluster in after["clusters"]:
        if cluster["id"] in size_before:
            assert cluster["previous_size"] == size_before[cluster["id"]]
            assert cluster["size_change"] == cluster["size"] - size_before[cluster["id"]]


async def test_uncovered_demand_gets_a_proposal_that_a_trainer_adopts(
    client: Client, actors: Actors, community: dict[str, Any]
) -> None:
    trainer = await actors.create("trainer")
    proposals = await client.get("/api/incubator/proposals", headers=trainer.headers)
    assert proposals.status_code == 200, proposals.text
    items = proposals.json()["items"]
    assert items, "themes without any module should produce proposals"
    proposal = items[0]
    assert proposal["objectives"] and proposal["demand"]["members"] >= 3
    assert all(c["role"] in ("coach", "trainer") for c in proposal["contributors"])

    adopted = await client.post(
        f"/api/incubator/proposals/{proposal['id']}/adopt", headers=trainer.headers
    )
    assert adopted.status_code == 201, adopted.text
    module = adopted.json()
    assert (module["status"], module["source"]) == ("draft", "incubator")
    again = await client.post(
        f"/api/incubator/proposals/{proposal['id']}/adopt", headers=trainer.headers
    )
    assert again.status_code == 409
    member = await actors.create()
    assert (await client.get("/api/incubator/proposals", headers=member.headers)).status_code == 403


async def test_shared_lessons_reach_the_cluster_without_names(
    client: Client, actors: Actors, community: dict[str, Any]
) -> None:
    coach = await actors.create("coach", capacity=2, offers_text=["Management hybride à distance"])
    alice = await actors.create(needs_text=[HYBRID_NEED], display_name="Alice Secret")
    newcomer = await actors.create(
        needs_text=["Depuis le télétravail mon équipe ne se parle plus"], display_name="Nouveau"
    )
    needs = await client.get(f"/api/members/{alice.member_id}/needs", headers=alice.headers)
    created = await client.post(
        "/api/match-requests",
        headers=alice.headers,
        json={
            "mentee_id": alice.member_id,
            "coach_id": coach.member_id,
            "need_id": needs.json()["items"][0]["id"],
        },
    )
    request_url = f"/api/match-requests/{created.json()['id']}"
    assert (await client.post(f"{request_url}/accept", headers=coach.headers)).status_code == 200
    lesson = "Un point météo de dix minutes chaque matin a recréé du lien."
    private = "Ne pas le dire : le chef de service était le problème."
    closed = await client.post(
        f"{request_url}/close",
        headers=alice.headers,
        json={"outcome": "completed_early", "lesson": lesson, "share_lesson": True},
    )
    assert closed.status_code == 200
    await client.post(
        f"{request_url}/feedback",
        headers=coach.headers,
        json={"lesson": private, "share_lesson": False},
    )

    trainer = await actors.create("trainer")
    body = (await client.get("/api/demand/clusters", headers=trainer.headers)).json()
    shown = [item for cluster in body["clusters"] for item in cluster["lessons"]]
    assert [item["text"] for item in shown] == [lesson]
    dumped = json.dumps(body, ensure_ascii=False)
    assert "Alice Secret" not in dumped and private not in dumped

    mine = await client.get(f"/api/members/{newcomer.member_id}/lessons", headers=newcomer.headers)
    assert mine.status_code == 200
    assert [item["text"] for item in mine.json()] == [lesson]
    other = await client.get(f"/api/members/{alice.member_id}/lessons", headers=newcomer.headers)
    assert other.status_code == 403
