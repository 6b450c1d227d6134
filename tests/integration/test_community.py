"""Open governance: the public figures (aggregates, masked) and members' say in the incubator."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from litestar.testing import AsyncTestClient

from tests.integration.actors import Actors

Client = AsyncTestClient[Any]
PROCUREMENT = [
    "nos marchés publics sont tellement verrouillés qu'on ne peut jamais acheter du nouveau",
    "comment acheter une solution qui n'existe pas encore sur le marché",
    "travailler avec des start-up quand on est soumis au code de la commande publique",
    "le service des marchés refuse tout ce qui sort de l'ordinaire",
    "rédiger un cahier des charges qui laisse de la place à l'innovation des fournisseurs",
]
ENERGY = [
    "réduire la facture d'énergie de nos bâtiments scolaires cet hiver",
    "le plan de sobriété énergétique est arrivé d'en haut et les agents ne s'y retrouvent pas",
    "embarquer les services dans la réduction de notre empreinte carbone",
    "baisser le chauffage des gymnases sans provoquer une levée de boucliers",
    "isoler les écoles pour consommer moins d'énergie et de chauffage",
]


async def _community(actors: Actors, procurement: int = 3, energy: int = 0) -> list[int]:
    rows = [
        {"email": f"achat{i}@commune.fr", "display_name": f"Acheteuse {i}", "region": "Bretagne",
         "needs_text": [PROCUREMENT[i]], "tools": ["linkedin", "wiki"]}
        for i in range(procurement)
    ] + [
        {"email": f"energie{i}@commune.fr", "display_name": f"Énergéticien {i}",
         "region": "Occitanie", "needs_text": [ENERGY[i]], "tools": ["wiki"]}
        for i in range(energy)
    ]  # fmt: skip
    ids = await actors.bulk_members(rows)
    await actors.import_starter_catalogue()
    return ids


async def _proposals(client: Client, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get("/api/incubator/proposals", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_the_public_figures_need_no_sign_in_and_mask_small_counts(
    client: Client, actors: Actors
) -> None:
    await _community(actors, procurement=3, energy=5)
    response = await client.get("/api/public/community")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["licence"].startswith("Licence Ouverte")
    assert body["members"]["total"] == 8
    regions = {cell["key"]: cell["count"] for cell in body["members"]["by_region"]}
    assert regions == {"Occitanie": 5, "Bretagne": "<5"}
    tools = {cell["key"]: cell["count"] for cell in body["tools"]}
    assert tools == {"wiki": 8, "linkedin": "<5"}
    demand = {theme["theme"]: theme for theme in body["demand"]}
    assert demand["transition_ecologique"]["needs"] == 5
    assert demand["transition_ecologique"]["last_30_days"] == 5
    assert demand["transition_ecologique"]["trend"] == "hausse"
    assert demand["achats_innovants"]["needs"] == "<5"
    assert demand["achats_innovants"]["trend"] is None
    assert body["catalogue"]["published_modules"] == 28
    assert {p["theme_name"] for p in body["proposals"]} >= {"Achats publics innovants"}
    for proposal in body["proposals"]:
        assert proposal["status"] == "open" and proposal["interest"] == "<5"
    text = json.dumps(body, ensure_ascii=False)
    for secret in [*PROCUREMENT, *ENERGY, "Acheteuse", "Énergéticien", "@commune.fr"]:
        assert secret not in text
    as_csv = await client.get("/api/public/community.csv")
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["indicateur", "groupe", "catégorie", "effectif"]
    keyed = await client.get("/api/public/community.csv?headers=keys")
    assert keyed.text.splitlines()[0] == "figure,group,category,count"
    assert keyed.text.splitlines()[1:] == as_csv.text.splitlines()[1:]
    assert rows[1][0] == "licence" and "Licence Ouverte" in rows[1][2]
    assert ["members", "region", "Bretagne", "<5"] in rows
    assert not any(secret in as_csv.text for secret in PROCUREMENT)


async def test_a_member_says_it_interests_them_once_and_trainers_read_comments_unnamed(
    client: Client, actors: Actors
) -> None:
    await _community(actors, procurement=3)
    trainer = await actors.create("trainer")
    member = await actors.create("member", display_name="Marie Curieuse")
    [proposal] = [
        p for p in await _proposals(client, trainer.headers) if p["theme"] == "achats_innovants"
    ]
    assert proposal["interest"] == 0
    url = f"/api/incubator/proposals/{proposal['id']}/interest"
    first = await client.post(url, headers=member.headers, json={"comment": "Pour nos achats"})
    assert first.status_code == 200, first.text
    assert first.json() == {
        "proposal_id": proposal["id"],
        "interest": 1,
        "mine": True,
        "comment": "Pour nos achats",
    }
    again = await client.post(url, headers=member.headers, json={"comment": "Vraiment utile"})
    assert again.json()["interest"] == 1
    assert (await client.post(url, headers=member.headers)).json()["interest"] == 1
    await client.post(url, headers=member.headers, json={"comment": "Vraiment utile"})
    seen = next(p for p in await _proposals(client, trainer.headers) if p["id"] == proposal["id"])
    assert seen["interest"] == 1
    assert [c["comment"] for c in seen["comments"]] == ["Vraiment utile"]
    assert "Marie" not in json.dumps(seen) and "member_id" not in seen["comments"][0]
    mine = await client.get("/api/public/community", headers=member.headers)
    assert next(p for p in mine.json()["proposals"] if p["id"] == proposal["id"])["mine"] is True
    assert (await client.delete(url, headers=member.headers)).status_code == 204
    seen = next(p for p in await _proposals(client, trainer.headers) if p["id"] == proposal["id"])
    assert seen["interest"] == 0
    too_long = await client.post(url, headers=member.headers, json={"comment": "x" * 501})
    assert too_long.status_code == 400
    missing = await client.post(
        "/api/incubator/proposals/999999/interest", headers=member.headers, json={}
    )
    assert missing.status_code == 404
    assert (await client.post(url, json={})).status_code == 401


async def test_interest_weighs_in_the_order_of_proposals(client: Client, actors: Actors) -> None:
    await _community(actors, procurement=3, energy=3)
    trainer = await actors.create("trainer")
    listed = await _proposals(client, trainer.headers)
    assert len(listed) == 2
    second = listed[1]
    for _ in range(2):
        fan = await actors.create("member")
        await client.post(
            f"/api/incubator/proposals/{second['id']}/interest", headers=fan.headers, json={}
        )
    reordered = await _proposals(client, trainer.headers)
    assert [p["id"] for p in reordered] == [second["id"], listed[0]["id"]]
    assert reordered[0]["interest"] == 2
