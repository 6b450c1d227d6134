"""The questionnaire through the API: versions, validated answers, profile and matches updated."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.integration.actors import Actors

Client = AsyncTestClient[Any]

HYBRID_NEED = "Mes agents décrochent depuis qu'on alterne présentiel et télétravail"
HYBRID_OFFER = "Management hybride, rituels d'équipe à distance"
DATA_OFFER = "Open data et tableaux de bord pour piloter les politiques publiques"


def _answers(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "niveau_reseau": "regional",
        "region": "Bretagne",
        "type_structure": "commune",
        "outils": ["linkedin", "wiki"],
        "usage_linkedin": ["veille", "visibilite"],
        "besoins": "Animer un premier atelier de co-design",
        "capacite": 2,
    }
    answers.update(overrides)
    return answers


async def test_the_default_questionnaire_is_version_one(client: Client, actors: Actors) -> None:
    member = await actors.create("member")
    response = await client.get("/api/questionnaires/current", headers=member.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == 1 and body["closed_at"] is None
    questions = {question["key"]: question for question in body["questions"]}
    assert questions["niveau_reseau"]["maps_to"] == "network_level"
    assert questions["besoins"]["required"] is True
    assert {choice["value"] for choice in questions["outils"]["choices"]} == {
        "e_communautes",
        "linkedin",
        "wiki",
        "autre",
    }
    again = await client.get("/api/questionnaires/current", headers=member.headers)
    assert again.json()["version"] == 1


async def test_an_answer_updates_the_profile_and_can_be_edited_until_closed(
    client: Client, actors: Actors
) -> None:
    member = await actors.create("member", needs_text=["Trouver des financements"])
    url = "/api/questionnaires/1/responses"
    created = await client.post(url, headers=member.headers, json={"answers": _answers()})
    assert created.status_code == 201, created.text
    profile = (await client.get(f"/api/members/{member.member_id}", headers=member.headers)).json()
    assert profile["network_level"] == "regional"
    assert profile["region"] == "Bretagne"
    assert profile["organization_type"] == "commune"
    assert profile["tools"] == ["linkedin", "wiki"]
    assert profile["capacity"] == 2
    assert profile["needs"] == [
        "Trouver des financements",
        "Animer un premier atelier de co-design",
    ]

    twice = await client.post(url, headers=member.headers, json={"answers": _answers()})
    assert twice.status_code == 409

    edited = await client.put(
        f"{url}/mine",
        headers=member.headers,
        json={"answers": _answers(besoins="Évaluer une démarche participative")},
    )
    assert edited.status_code == 200, edited.text
    profile = (await client.get(f"/api/members/{member.member_id}", headers=member.headers)).json()
    assert profile["needs"] == ["Trouver des financements", "Évaluer une démarche participative"]
    mine = await client.get(f"{url}/mine", headers=member.headers)
    assert mine.json()["answers"]["besoins"] == "Évaluer une démarche participative"


async def test_invalid_answers_are_refused_naming_each_question(
    client: Client, actors: Actors
) -> None:
    member = await actors.create("member")
    answers = _answers(niveau_reseau="mondial", couleur="bleu")
    del answers["besoins"]
    response = await client.post(
        "/api/questionnaires/1/responses", headers=member.headers, json={"answers": answers}
    )
    assert response.status_code == 422
    problems = {item["key"]: item["message"] for item in response.json()["extra"]}
    assert set(problems) == {"answers.couleur", "answers.niveau_reseau", "answers.besoins"}
    assert "unknown question" in problems["answers.couleur"]
    assert "mondial" in problems["answers.niveau_reseau"]
    assert "required" in problems["answers.besoins"]
    assert (
        await client.get("/api/questionnaires/1/responses/mine", headers=member.headers)
    ).status_code == 404


async def test_a_need_given_in_the_questionnaire_brings_the_right_coach(
    client: Client, actors: Actors
) -> None:
    hybrid = await actors.create("coach", capacity=3, offers_text=[HYBRID_OFFER])
    await actors.create("coach", capacity=3, offers_text=[DATA_OFFER])
    member = await actors.create("member")
    url = f"/api/members/{member.member_id}/matches?kind=mentor"
    before = await client.get(url, headers=member.headers)
    assert before.status_code == 200, before.text
    before_ids = [result["member_id"] for result in before.json()["results"]]

    answered = await client.post(
        "/api/questionnaires/1/responses",
        headers=member.headers,
        json={"answers": _answers(besoins=HYBRID_NEED)},
    )
    assert answered.status_code == 201, answered.text
    after = (await client.get(url, headers=member.headers)).json()
    after_ids = [result["member_id"] for result in after["results"]]
    assert after_ids and after_ids[0] == hybrid.member_id
    assert after_ids != before_ids


async def test_animators_open_and_close_versions_without_touching_old_answers(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    member = await actors.create("member")
    await client.post(
        "/api/questionnaires/1/responses", headers=member.headers, json={"answers": _answers()}
    )
    definition = {
        "title": "Bilan de l'année",
        "questions": [
            {
                "key": "niveau",
                "label": "À quelle échelle souhaitez-vous échanger ?",
                "kind": "single",
                "required": True,
                "maps_to": "network_level",
                "choices": [
                    {"value": "local", "label": "Local"},
                    {"value": "national", "label": "National"},
                ],
            },
            {"key": "mot", "label": "Un mot pour l'année ?", "kind": "text"},
        ],
    }
    refused = await client.post("/api/questionnaires", headers=member.headers, json=definition)
    assert refused.status_code == 403
    created = await client.post("/api/questionnaires", headers=animator.headers, json=definition)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 2
    current = await client.get("/api/questionnaires/current", headers=member.headers)
    assert current.json()["version"] == 2
    old = await client.get("/api/questionnaires/1/responses/mine", headers=member.headers)
    assert old.json()["answers"]["niveau_reseau"] == "regional"

    closed = await client.post("/api/questionnaires/2/close", headers=animator.headers)
    assert closed.status_code == 200 and closed.json()["closed_at"] is not None
    late = await client.post(
        "/api/questionnaires/2/responses",
        headers=member.headers,
        json={"answers": {"niveau": "local"}},
    )
    assert late.status_code == 409
    assert (await client.get("/api/questionnaires/current", headers=member.headers)).json()[
        "version"
    ] == 1


async def test_a_version_mapping_choices_a_profile_cannot_take_is_refused(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    definition = {
        "title": "Essai",
        "questions": [
            {
                "key": "niveau",
                "label": "Échelle ?",
                "kind": "single",
                "maps_to": "network_level",
                "choices": [{"value": "europeen", "label": "Européen"}],
            }
        ],
    }
    response = await client.post("/api/questionnaires", headers=animator.headers, json=definition)
    assert response.status_code == 422
    assert response.json()["extra"][0]["key"] == "questions.niveau"
