"""The expectations dashboard against hand-computed figures; small cells masked as "<5"."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar.testing import AsyncTestClient

from tests.integration.actors import Actor, Actors

Client = AsyncTestClient[Any]
M = "<5"

# 12 respondents (hand-computed figures below):
#   6 in Bretagne, communes: 5 regional + 1 local, LinkedIn + wiki, ready to coach one person
#   4 in Occitanie, regions: national, LinkedIn only, not coaching
#   2 in Grand Est, communes: national, e-Communautés only, not coaching
BRETAGNE_NEED = "Animer des ateliers de co-design avec les habitants"
OCCITANIE_NEED = "Animer le réseau des agents"
GRAND_EST_NEED = "Évaluer nos politiques"


def _answers(
    level: str, region: str, structure: str, tools: list[str], need: str, capacity: int
) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "niveau_reseau": level,
        "region": region,
        "type_structure": structure,
        "outils": tools,
        "besoins": need,
        "capacite": capacity,
    }
    if "linkedin" in tools:
        answers["usage_linkedin"] = ["veille", "entraide"] if "wiki" in tools else ["veille"]
    return answers


async def _respond(client: Client, actors: Actors, answers: dict[str, Any]) -> Actor:
    member = await actors.create("member")
    response = await client.post(
        "/api/questionnaires/1/responses", headers=member.headers, json={"answers": answers}
    )
    assert response.status_code == 201, response.text
    return member


async def _community(client: Client, actors: Actors) -> None:
    for i in range(6):
        level = "local" if i == 0 else "regional"
        answers = _answers(level, "Bretagne", "commune", ["linkedin", "wiki"], BRETAGNE_NEED, 1)
        await _respond(client, actors, answers)
    for _ in range(4):
        answers = _answers("national", "Occitanie", "region", ["linkedin"], OCCITANIE_NEED, 0)
        await _respond(client, actors, answers)
    for _ in range(2):
        answers = _answers("national", "Grand Est", "commune", ["e_communautes"], GRAND_EST_NEED, 0)
        await _respond(client, actors, answers)
    await actors.create("member", needs_text=["Ne répond pas au questionnaire"])


async def test_expectations_match_hand_computed_figures(client: Client, actors: Actors) -> None:
    await _community(client, actors)
    animator = await actors.create("animator")
    response = await client.get("/api/community/expectations", headers=animator.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["version"], body["respondents"]) == (1, 12)

    levels = body["network_level"]
    assert levels["overall"] == {
        "group": None,
        "n": 12,
        "counts": {"local": M, "regional": 5, "national": 6},
    }
    assert levels["by_region"] == [
        {"group": "Bretagne", "n": 6, "counts": {"local": M, "regional": 5, "national": M}},
        {"group": "Grand Est", "n": M, "counts": {"local": M, "regional": M, "national": M}},
        {"group": "Occitanie", "n": M, "counts": {"local": M, "regional": M, "national": M}},
    ]
    assert levels["by_organization_type"] == [
        {"group": "commune", "n": 8, "counts": {"local": M, "regional": 5, "national": M}},
        {"group": "region", "n": M, "counts": {"local": M, "regional": M, "national": M}},
    ]

    tools = body["tools"]
    assert tools["usage"] == [
        {"tool": "e_communautes", "n": M, "share": None},
        {"tool": "linkedin", "n": 10, "share": 0.833},
        {"tool": "wiki", "n": 6, "share": 0.5},
        {"tool": "autre", "n": M, "share": None},
    ]
    assert tools["co_usage"]["tools"] == ["e_communautes", "linkedin", "wiki", "autre"]
    assert tools["co_usage"]["counts"] == [
        [M, M, M, M],
        [M, 10, 6, M],
        [M, 6, 6, M],
        [M, M, M, M],
    ]
    linkedin = next(item for item in tools["purposes"] if item["group"] == "linkedin")
    assert linkedin["n"] == 10
    assert linkedin["counts"] == {
        "veille": 10,
        "entraide": 6,
        "partage": M,
        "evenements": M,
        "visibilite": M,
    }

    needs = body["needs"]
    assert needs["n"] == 12 and needs["source"] == "clusters"
    assert needs["top_terms"][0] == {"term": "animer", "n": 10}
    assert {term["term"]: term["n"] for term in needs["top_terms"][1:]} == {
        "ateliers": 6,
        "design": 6,
        "habitants": 6,
    }

    coaches = body["coaches"]
    assert (coaches["n"], coaches["willing"]) == (12, 6)
    assert coaches["by_region"] == [
        {"group": "Bretagne", "n": 6, "counts": {"willing": 6}},
        {"group": "Grand Est", "n": M, "counts": {"willing": M}},
        {"group": "Occitanie", "n": M, "counts": {"willing": M}},
    ]


async def test_the_csv_report_carries_the_same_figures(client: Client, actors: Actors) -> None:
    await _community(client, actors)
    trainer = await actors.create("trainer")
    response = await client.get("/api/community/expectations.csv", headers=trainer.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["indicateur", "ventilation", "groupe", "catégorie", "effectif", "base"]
    keyed = await client.get(
        "/api/community/expectations.csv?headers=keys", headers=trainer.headers
    )
    assert keyed.text.splitlines()[0] == "figure,breakdown,group,category,count,n"
    refused = await client.get(
        "/api/community/expectations.csv?headers=klingon", headers=trainer.headers
    )
    assert refused.status_code == 400
    assert ["network_level", "overall", "", "regional", "5", "12"] in rows
    assert ["network_level", "region", "Occitanie", "national", M, M] in rows
    assert ["tool_co_usage", "tool", "linkedin", "wiki", "6", "12"] in rows
    assert ["needs_term", "overall", "", "animer", "10", "12"] in rows
    assert ["willing_to_coach", "region", "Bretagne", "willing", "6", "6"] in rows


async def test_members_may_not_see_the_figures_and_tiny_communities_are_all_masked(
    client: Client, actors: Actors
) -> None:
    member = await _respond(
        client, actors, _answers("local", "Corse", "commune", ["wiki"], GRAND_EST_NEED, 2)
    )
    denied = await client.get("/api/community/expectations", headers=member.headers)
    assert denied.status_code == 403
    animator = await actors.create("animator")
    body = (await client.get("/api/community/expectations", headers=animator.headers)).json()
    assert body["respondents"] == M
    assert body["coaches"]["willing"] == M
    assert body["needs"]["top_terms"] == []


async def test_needs_are_grouped_by_demand_theme(client: Client, actors: Actors) -> None:
    await _community(client, actors)
    animator = await actors.create("animator")
    figures = (await client.get("/api/community/expectations", headers=animator.headers)).json()[
        "needs"
    ]
    assert figures["source"] == "clusters"
    themes = figures["themes"]
    assert themes
    # Twelve respondents with needs: each falls in one theme; small counts are masked.
    assert all(theme["n"] == "<5" or theme["n"] >= 5 for theme in themes)
    assert sum(theme["n"] for theme in themes if isinstance(theme["n"], int)) <= 12
    csv_report = (
        await client.get("/api/community/expectations.csv", headers=animator.headers)
    ).text
    assert "needs_theme" in csv_report
