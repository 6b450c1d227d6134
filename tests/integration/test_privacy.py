"""RGPD: a member sees everything held about them, and erasure leaves no trace of them."""

from __future__ import annotations

import json
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from service.db import Base
from tests.integration.actors import Actor, Actors

Client = AsyncTestClient[Any]

NAME = "Zoé Introuvable-Quintal"
EMAIL = "zoe.introuvable@ville-exemple.fr"
NEED = "Mes agents décrochent depuis qu'on alterne présentiel et télétravail"
OFFER = "Management hybride, rituels d'équipe à distance"


async def _paired_member(client: Client, actors: Actors) -> tuple[Actor, Actor, int]:
    coach = await actors.create("coach", capacity=3, offers_text=[OFFER])
    zoe = await actors.create(
        display_name=NAME, email=EMAIL, needs_text=[NEED], offers_text=[OFFER], capacity=2
    )
    created = await client.post(
        "/api/match-requests",
        headers=zoe.headers,
        json={"mentee_id": zoe.member_id, "coach_id": coach.member_id, "message": "Bonjour"},
    )
    request_id = created.json()["id"]
    await client.post(f"/api/match-requests/{request_id}/accept", headers=coach.headers)
    await client.post(
        f"/api/match-requests/{request_id}/close",
        headers=zoe.headers,
        json={
            "outcome": "completed_on_time",
            "rating": 4,
            "lesson": "Un rituel court chaque lundi recrée du lien.",
            "share_lesson": True,
        },
    )
    await client.post(
        f"/api/match-requests/{request_id}/feedback",
        headers=zoe.headers,
        json={"lesson": "Note privée sur mon service.", "share_lesson": False},
    )
    return zoe, coach, request_id


async def test_export_holds_everything_about_me(client: Client, actors: Actors) -> None:
    zoe, _, request_id = await _paired_member(client, actors)
    response = await client.get("/api/me/export", headers=zoe.headers)
    assert response.status_code == 200
    export = response.json()
    assert export["account"]["email"] == EMAIL
    assert export["profile"]["display_name"] == NAME
    assert [need["text"] for need in export["needs"]] == [NEED]
    assert [request["id"] for request in export["match_requests"]] == [request_id]
    assert {lesson["text"] for lesson in export["lessons"]} == {
        "Un rituel court chaque lundi recrée du lien.",
        "Note privée sur mon service.",
    }
    assert "token_hash" not in json.dumps(export)
    assert (await client.get("/api/me/export")).status_code == 401


async def test_erasure_leaves_no_trace_in_any_table_or_answer(
    client: Client, actors: Actors, database_url: str
) -> None:
    zoe, coach, _ = await _paired_member(client, actors)
    peer = await actors.create(needs_text=[NEED], capacity=2)
    animator = await actors.create("animator")
    peers = await client.get(
        f"/api/members/{peer.member_id}/matches?kind=peer", headers=peer.headers
    )
    assert zoe.member_id in [r["member_id"] for r in peers.json()["results"]]

    assert (await client.delete("/api/me", headers=zoe.headers)).status_code == 204

    assert (await client.get("/api/me", headers=zoe.headers)).status_code == 401
    engine = create_async_engine(database_url, poolclass=NullPool)
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = (await connection.execute(select(table))).all()
            dumped = json.dumps([list(map(str, row)) for row in rows], ensure_ascii=False)
            assert EMAIL not in dumped, table.name
            assert NAME not in dumped, table.name
            assert "Note privée" not in dumped, table.name
    await engine.dispose()

    peers = await client.get(
        f"/api/members/{peer.member_id}/matches?kind=peer", headers=peer.headers
    )
    assert zoe.member_id not in [r["member_id"] for r in peers.json()["results"]]
    clusters = await client.get("/api/demand/clusters?include=needs", headers=animator.headers)
    members = {n["member_id"] for c in clusters.json()["clusters"] for n in c["needs"]}
    assert zoe.member_id not in members
    lessons = [lesson for c in clusters.json()["clusters"] for lesson in c["lessons"]]
    assert [lesson["text"] for lesson in lessons] == [
        "Un rituel court chaque lundi recrée du lien."
    ]
    assert (
        await client.get(f"/api/members/{coach.member_id}", headers=coach.headers)
    ).status_code == 200


async def test_an_animator_erases_a_member_on_request(client: Client, actors: Actors) -> None:
    animator = await actors.create("animator")
    zoe = await actors.create(display_name=NAME, email=EMAIL)
    response = await client.delete(f"/api/members/{zoe.member_id}", headers=animator.headers)
    assert response.status_code == 204
    assert (
        await client.get(f"/api/members/{zoe.member_id}", headers=animator.headers)
    ).status_code == 404


async def test_logs_hold_no_emails_need_texts_or_tokens(
    client: Client, actors: Actors, caplog: Any
) -> None:
    caplog.set_level("DEBUG")
    zoe, _coach, _ = await _paired_member(client, actors)
    await client.get(f"/api/members/{zoe.member_id}/matches", headers=zoe.headers)
    await client.post("/api/auth/token", json={"email": EMAIL, "password": "wrong-password"})
    await client.post(
        "/api/import/members",
        headers=(await actors.create("animator")).headers,
        json=[{"email": EMAIL, "display_name": NAME, "needs": [NEED], "capacity": 99}],
    )
    token = zoe.headers["Authorization"].split()[1]
    logged = "\n".join(
        record.getMessage() + str(record.exc_info or "")
        for record in caplog.records
        if not record.name.startswith("httpx")  # the test client's own log of URLs
    )
    assert EMAIL not in logged
    assert NEED not in logged
    assert token not in logged


async def test_the_directory_never_shows_need_texts_of_others(
    client: Client, actors: Actors
) -> None:
    """Name, role, organisation, region, offers and topics: yes; need texts: self and animators."""
    zoe = await actors.create(display_name=NAME, needs_text=[NEED], offers_text=[OFFER])
    animator = await actors.create("animator")
    for role in ("member", "coach", "trainer"):
        viewer = await actors.create(role)
        listed = await client.get("/api/members?limit=200", headers=viewer.headers)
        seen = next(m for m in listed.json()["items"] if m["id"] == zoe.member_id)
        one = (await client.get(f"/api/members/{zoe.member_id}", headers=viewer.headers)).json()
        for profile in (seen, one):
            assert profile["needs"] is None, role
            assert profile["offers"] == [OFFER] and profile["display_name"] == NAME
        assert NEED not in listed.text, role
    for allowed in (zoe, animator):
        listed = await client.get("/api/members?limit=200", headers=allowed.headers)
        seen = next(m for m in listed.json()["items"] if m["id"] == zoe.member_id)
        one = (await client.get(f"/api/members/{zoe.member_id}", headers=allowed.headers)).json()
        assert seen["needs"] == one["needs"] == [NEED]


FORMULAS = ('=HYPERLINK("http://x.fr","clic")', "+cmd", "-2+3", "@SUM(1)", "\tcmd", "\rcmd")


async def test_a_questionnaire_refuses_choice_values_that_are_formulas(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    for value in FORMULAS:
        response = await client.post(
            "/api/questionnaires",
            headers=animator.headers,
            json={
                "title": "Piège",
                "questions": [
                    {
                        "key": "outil",
                        "label": "Outil",
                        "kind": "single",
                        "choices": [{"value": value, "label": "Formule"}],
                    }
                ],
            },
        )
        assert response.status_code == 422, value
        assert response.json()["extra"][0]["key"] == "questions.outil"


def test_every_csv_cell_that_looks_like_a_formula_is_neutralised() -> None:
    """Whatever reached the figures (older questionnaires), the CSV holds no formula."""
    import csv
    import io

    from service.questionnaire import dashboard
    from service.questionnaire.schemas import (
        Breakdown,
        CoachFigures,
        CoUsage,
        Expectations,
        NeedsFigures,
        NetworkLevelFigures,
        ToolFigures,
        ToolUsage,
    )

    nasty = {value: 5 for value in FORMULAS}
    figures = Expectations(
        version=1,
        respondents=12,
        network_level=NetworkLevelFigures(
            overall=Breakdown(group=None, n=12, counts=nasty), by_region=[], by_organization_type=[]
        ),
        tools=ToolFigures(
            n=12,
            usage=[ToolUsage(tool=value, n=5, share=0.4) for value in FORMULAS],
            co_usage=CoUsage(tools=[], counts=[]),
            purposes=[Breakdown(group=FORMULAS[0], n=12, counts=nasty)],
        ),
        needs=NeedsFigures(n=12, source="terms", top_terms=[]),
        coaches=CoachFigures(n=12, willing=5, by_region=[]),
    )
    rows = list(csv.reader(io.StringIO(dashboard.to_csv(figures))))
    cells = [cell for row in rows[1:] for cell in row]
    assert cells, "the figures produced rows"
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert "'-2+3" in cells and "'@SUM(1)" in cells
