"""The questionnaire as members meet it: pre-filled from the profile, tool usage only for the
tools ticked, no need twice, and one capacity range everywhere."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient

from service.members.schemas import MemberUpdate
from service.questionnaire.models import Questionnaire
from service.questionnaire.services import questions_of, validate_answers
from service.reference import CAPACITY_MAX, CAPACITY_MIN
from tests.integration.actors import Actors
from tests.integration.test_pages import post, sign_in

Client = AsyncTestClient[Any]
URL = "/api/questionnaires/1/responses"


@pytest.fixture(autouse=True)
def no_redirects(client: Client) -> None:
    client.follow_redirects = False


def _checked(html: str, name: str) -> set[str]:
    return set(re.findall(rf'name="{name}" value="([^"]+)" checked', html))


async def test_the_page_starts_from_what_the_profile_says(client: Client, actors: Actors) -> None:
    member = await actors.create(
        "member",
        region="Occitanie",
        organization_type="intercommunalite",
        network_level="regional",
        tools=["wiki"],
        capacity=3,
        needs_text=["Lancer un budget participatif"],
        offers_text=["Animation d'ateliers"],
    )
    await sign_in(client, member)
    page = (await client.get("/questionnaire")).text
    assert re.search(r'<option value="Occitanie" selected>', page)
    assert re.search(r'<option value="intercommunalite" selected>', page)
    assert _checked(page, "q_niveau_reseau") == {"regional"}
    assert _checked(page, "q_outils") == {"wiki"}
    assert 'name="q_capacite" type="number" value="3"' in page
    assert ">Lancer un budget participatif</textarea>" in page
    assert (
        ">Animation d&#39;ateliers</textarea>" in page or ">Animation d'ateliers</textarea>" in page
    )
    assert "pré-remplies" in page
    assert f'max="{CAPACITY_MAX}"' in page, re.findall(r"q_capacite[^>]*>", page)


async def test_sending_the_prefilled_page_keeps_the_profile_and_taking_a_need_out_withdraws_it(
    client: Client, actors: Actors
) -> None:
    member = await actors.create(
        "member",
        region="Bretagne",
        needs_text=["Lancer un budget participatif", "Former les élus au design"],
    )
    token = await sign_in(client, member)
    answered = await post(
        client,
        "/questionnaire",
        {
            "q_niveau_reseau": "local",
            "q_region": "Bretagne",
            "q_besoins": "Lancer un budget participatif\nLANCER UN BUDGET PARTICIPATIF !",
        },
        token,
    )
    assert answered.status_code == 303, answered.text
    profile = (await client.get(f"/api/members/{member.member_id}", headers=member.headers)).json()
    assert profile["needs"] == ["Lancer un budget participatif"]


async def test_usage_is_kept_only_for_the_tools_ticked(client: Client, actors: Actors) -> None:
    member = await actors.create("member")
    answers = {
        "niveau_reseau": "national",
        "outils": ["linkedin"],
        "usage_linkedin": ["veille"],
        "usage_wiki": ["partage"],
        "usage_autre": ["pas-un-choix"],  # not ticked: ignored, not even checked
        "besoins": "Trouver des financements",
    }
    created = await client.post(URL, headers=member.headers, json={"answers": answers})
    assert created.status_code == 201, created.text
    stored = created.json()["answers"]
    assert stored["usage_linkedin"] == ["veille"]
    assert "usage_wiki" not in stored and "usage_autre" not in stored

    token = await sign_in(client, member)
    page = (await client.get("/questionnaire")).text
    assert 'data-usage-of="wiki"' in page and "/static/questionnaire.js" in page
    edited = await post(
        client,
        "/questionnaire",
        {
            "q_niveau_reseau": "national",
            "q_outils": ["wiki"],
            "q_usage_wiki": ["partage"],
            "q_usage_linkedin": ["veille"],
            "q_besoins": "Trouver des financements",
        },
        token,
    )
    assert edited.status_code == 303, edited.text
    mine = (await client.get(f"{URL}/mine", headers=member.headers)).json()["answers"]
    assert mine["usage_wiki"] == ["partage"] and "usage_linkedin" not in mine
    script = await client.get("/static/questionnaire.js")
    assert script.status_code == 200 and "data-usage-of" in script.text


async def test_a_need_already_on_the_profile_is_never_added_again(
    client: Client, actors: Actors
) -> None:
    member = await actors.create("member", needs_text=["Évaluer notre budget participatif"])
    answers = {
        "niveau_reseau": "local",
        "besoins": "evaluer notre budget PARTICIPATIF\nÉvaluer  notre budget participatif.\n"
        "Mobiliser les habitants",
        "apports": "Animation d'ateliers\nanimation d’ateliers",
    }
    created = await client.post(URL, headers=member.headers, json={"answers": answers})
    assert created.status_code == 201, created.text
    profile = (await client.get(f"/api/members/{member.member_id}", headers=member.headers)).json()
    assert profile["needs"] == ["Évaluer notre budget participatif", "Mobiliser les habitants"]
    assert profile["offers"] == ["Animation d'ateliers"]


async def test_an_import_never_adds_a_need_already_on_the_profile(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    member = await actors.create("member", needs_text=["Évaluer notre budget participatif"])
    row = {
        "email": member.email,
        "answers": {
            "niveau_reseau": "local",
            "besoins": "EVALUER NOTRE BUDGET PARTICIPATIF\nMobiliser les habitants",
        },
    }
    new = {
        "email": "nouvelle@example.fr",
        "answers": {"niveau_reseau": "local", "besoins": "Former les élus\nformer les elus"},
    }
    imported = await client.post(
        "/api/import/responses", headers=animator.headers, json={"rows": [row, new]}
    )
    assert imported.status_code == 200, imported.text
    profile = (await client.get(f"/api/members/{member.member_id}", headers=member.headers)).json()
    assert profile["needs"] == ["Évaluer notre budget participatif", "Mobiliser les habitants"]
    found = await client.get("/api/members?q=nouvelle", headers=animator.headers)
    assert [m["needs"] for m in found.json()["items"]] == [["Former les élus"]]


async def test_capacity_has_the_profiles_range_in_the_questionnaire(
    client: Client, actors: Actors
) -> None:
    member = await actors.create("member")
    current = (await client.get("/api/questionnaires/current", headers=member.headers)).json()
    (capacity,) = [q for q in current["questions"] if q["maps_to"] == "capacity"]
    assert (capacity["scale_min"], capacity["scale_max"]) == (CAPACITY_MIN, CAPACITY_MAX)
    answers = {"niveau_reseau": "local", "besoins": "Trouver des pairs", "capacite": CAPACITY_MAX}
    created = await client.post(URL, headers=member.headers, json={"answers": answers})
    assert created.status_code == 201, created.text
    profile = (await client.get(f"/api/members/{member.member_id}", headers=member.headers)).json()
    assert profile["capacity"] == CAPACITY_MAX
    too_many = {**answers, "capacite": CAPACITY_MAX + 1}
    refused = await client.put(f"{URL}/mine", headers=member.headers, json={"answers": too_many})
    assert refused.status_code == 422
    assert refused.json()["extra"][0]["key"] == "answers.capacite"


@settings(max_examples=200)
@given(value=st.integers(min_value=-100, max_value=100), written_max=st.integers(1, 20))
def test_a_capacity_the_questionnaire_takes_is_one_the_profile_takes(
    value: int, written_max: int
) -> None:
    """Whatever bounds a stored version was written with (the first ones said 0 to 5), the
    questionnaire accepts exactly the capacities the profile's schema accepts."""
    stored = Questionnaire(
        version=1,
        title="t",
        questions=[
            {
                "key": "capacite",
                "label": "Capacité",
                "kind": "scale",
                "maps_to": "capacity",
                "scale_min": 0,
                "scale_max": written_max,
            }
        ],
    )
    _, errors = validate_answers(questions_of(stored), {"capacite": value})
    try:
        msgspec.convert({"capacity": value}, MemberUpdate)
    except msgspec.ValidationError:
        profile_takes = False
    else:
        profile_takes = True
    assert (not errors) == profile_takes
