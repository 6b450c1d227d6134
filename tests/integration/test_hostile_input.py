"""Hostile and broken input: a clear 4xx or a correct store-and-display, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.integration.actors import Actors

Client = AsyncTestClient[Any]

STORED_AS_IS = [
    "Robert'); DROP TABLE members;--",
    "{{ 7*7 }} {% raw %}${7*7}",
    "<script>alert('x')</script>",
    "Équipe 🚀 هذا نص عربي ‮RTL‮ עברית",
    "x" * 500,
]


@pytest.mark.parametrize("text", STORED_AS_IS)
async def test_injection_and_unicode_text_is_stored_and_returned_unchanged(
    client: Client, actors: Actors, text: str
) -> None:
    alice = await actors.create()
    created = await client.post(
        f"/api/members/{alice.member_id}/needs", headers=alice.headers, json={"text": text}
    )
    assert created.status_code == 201, created.text
    assert created.json()["text"] == text.strip()
    profile = await client.get(f"/api/members/{alice.member_id}", headers=alice.headers)
    assert profile.json()["needs"] == [text.strip()]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"bio": "avant\x00après"}, "bio"),
        ({"display_name": "Nul\x00"}, "display_name"),
        ({"bio": "x" * 100_000}, "bio"),
        ({"needs": ["x"] * 1000}, "needs"),
    ],
)
async def test_nul_bytes_and_huge_fields_are_refused_by_name(
    client: Client, actors: Actors, payload: dict[str, Any], field: str
) -> None:
    alice = await actors.create()
    response = await client.patch(
        f"/api/members/{alice.member_id}", headers=alice.headers, json=payload
    )
    assert response.status_code == 400, response.text
    assert response.json()["extra"][0]["key"].split("[")[0] == field
    assert "Traceback" not in response.text


async def test_broken_bodies_are_400_never_500(client: Client, actors: Actors) -> None:
    alice = await actors.create()
    url = f"/api/members/{alice.member_id}"
    headers = {**alice.headers, "Content-Type": "application/json"}
    nested = "[" * 10_000 + "]" * 10_000
    for body in (b"\xff\xfe\xfa not utf-8", b"{not json", nested.encode(), b"", b"null"):
        response = await client.patch(url, headers=headers, content=body)
        assert 400 <= response.status_code < 500, (body[:20], response.status_code)
        assert "Traceback" not in response.text


async def test_an_oversized_body_is_refused_before_reading_it_all(
    client: Client, actors: Actors
) -> None:
    alice = await actors.create()
    huge = b'{"bio": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    response = await client.patch(
        f"/api/members/{alice.member_id}",
        headers={**alice.headers, "Content-Type": "application/json"},
        content=huge,
    )
    assert response.status_code == 413


async def test_huge_ids_and_offsets_are_400_not_500(client: Client, actors: Actors) -> None:
    alice = await actors.create()
    for path in (
        "/api/members/99999999999999999999999",
        "/api/members?offset=99999999999999999999",
        f"/api/members/{alice.member_id}/needs?offset=4924324536188947922944",
    ):
        response = await client.get(path, headers=alice.headers)
        assert response.status_code in (400, 404), (path, response.status_code)


async def test_a_nul_character_in_an_email_is_refused_not_a_server_error(
    client: AsyncTestClient[Any],
) -> None:
    """PostgreSQL text cannot hold NUL: registration and sign-in refuse it with a 4xx."""
    register = await client.post(
        "/api/auth/register",
        json={"email": "a\u0000b@exemple.fr", "password": "0123456789ab", "display_name": "A"},
    )
    assert register.status_code in (400, 422) and "email" in register.text
    token = await client.post(
        "/api/auth/token", json={"email": "a\u0000b@exemple.fr", "password": "0123456789ab"}
    )
    assert token.status_code in (400, 422) and "email" in token.text


async def test_an_unknown_proposal_status_is_refused_not_a_server_error(
    client: AsyncTestClient[Any], actors: Actors
) -> None:
    """A filter value PostgreSQL cannot hold (NUL) or does not know is a 400 naming it."""
    trainer = await actors.create("trainer")
    for status in ("ouvert", "op\u0000en"):
        response = await client.get(
            "/api/incubator/proposals", params={"status": status}, headers=trainer.headers
        )
        assert response.status_code == 400 and "status" in response.text
    ok = await client.get(
        "/api/incubator/proposals", params={"status": "adopted"}, headers=trainer.headers
    )
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/members?q=a%00b",
        "/api/members?region=%00",
        "/api/catalogue/modules?q=%00",
        "/api/catalogue/modules?region=a%00",
        "/api/catalogue/modules/abc%00def",
        "/api/members?q=ligne%0Dsuivante",
    ],
)
async def test_control_characters_in_parameters_are_400_naming_them(
    client: Client, actors: Actors, path: str
) -> None:
    alice = await actors.create()
    response = await client.get(path, headers=alice.headers)
    assert response.status_code == 400, response.text
    name = path.split("?")[1].split("=")[0] if "?" in path else "module_id"
    assert response.json()["extra"][0]["key"] == name


async def test_control_characters_in_page_filters_get_a_french_page(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    for path in ("/formation/catalogue?q=a%00b", "/animation/membres?q=%00"):
        response = await client.get(path, headers=animator.headers)
        assert response.status_code == 400, response.text
        assert "text/html" in response.headers["content-type"]
        assert "La requête n" in response.text


@pytest.mark.parametrize(
    "payload",
    [{"capacity": "3"}, {"paused": "false"}, {"consent": 1}, {"peer_exchange": "yes"}],
)
async def test_wrong_json_types_are_400_not_coerced(
    client: Client, actors: Actors, payload: dict[str, Any]
) -> None:
    alice = await actors.create()
    response = await client.patch(
        f"/api/members/{alice.member_id}", headers=alice.headers, json=payload
    )
    assert response.status_code == 400, response.text
    assert response.json()["extra"][0]["key"] == next(iter(payload))


async def test_a_cohort_dry_run_flag_must_be_a_boolean(client: Client, actors: Actors) -> None:
    animator = await actors.create("animator")
    for value in (0, "false", None):
        response = await client.post(
            "/api/cohorts/assign", headers=animator.headers, json={"dry_run": value}
        )
        assert response.status_code == 400, (value, response.text)
        assert response.json()["extra"][0]["key"] == "dry_run"


async def test_nul_in_any_json_body_field_is_400_naming_it(client: Client, actors: Actors) -> None:
    """Found by a 5-minute schemathesis run on PostgreSQL: a NUL in `module_id` was a 500."""
    alice = await actors.create()
    response = await client.post(
        f"/api/members/{alice.member_id}/training/followed",
        headers=alice.headers,
        json={"module_id": "a\u0000b"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["extra"][0]["key"] == "module_id"
    imported = await client.post(
        "/api/import/responses",
        headers=(await actors.create("animator")).headers,
        json={"rows": [{"email": "ok@ville.fr", "answers": {"besoins": "x\u0000"}}]},
    )
    assert imported.status_code == 400, imported.text
    assert imported.json()["extra"][0]["key"] == "rows[0].answers.besoins"
