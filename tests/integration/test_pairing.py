"""After the match: the other side's contact, the phone, the pair's messages (API)."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import update

from service.db.models import MatchRequest
from tests.integration.actors import Actor, Actors

Client = AsyncTestClient[Any]


async def _pair(client: Client, actors: Actors, accept: bool = True) -> tuple[Actor, Actor, int]:
    """A member asks a coach (who accepts unless told otherwise): (member, coach, request id)."""
    coach = await actors.create("coach", display_name="Camille Coach", capacity=2)
    member = await actors.create("member", display_name="Dominique Membre")
    sent = await client.post(
        "/api/match-requests",
        headers=member.headers,
        json={"mentee_id": member.member_id, "coach_id": coach.member_id, "message": "Bonjour"},
    )
    assert sent.status_code == 201, sent.text
    request_id = sent.json()["id"]
    if accept:
        accepted = await client.post(
            f"/api/match-requests/{request_id}/accept", headers=coach.headers
        )
        assert accepted.status_code == 200, accepted.text
    return member, coach, request_id


async def test_accepted_requests_carry_the_other_sides_contact_and_only_they(
    client: Client, actors: Actors
) -> None:
    member, coach, request_id = await _pair(client, actors, accept=False)
    pending = await client.get(f"/api/match-requests/{request_id}", headers=member.headers)
    assert pending.json()["contact"] is None
    shared = await client.patch(
        f"/api/members/{coach.member_id}", headers=coach.headers, json={"phone": "06 12 34 56 78"}
    )
    assert shared.status_code == 200 and shared.json()["phone"] == "0612345678"
    await client.post(f"/api/match-requests/{request_id}/accept", headers=coach.headers)

    as_member = await client.get("/api/match-requests", headers=member.headers)
    [item] = as_member.json()["items"]
    assert item["contact"] == {
        "display_name": "Camille Coach",
        "email": coach.email,
        "phone": "0612345678",
    }
    as_coach = await client.get(f"/api/match-requests/{request_id}", headers=coach.headers)
    assert as_coach.json()["contact"] == {
        "display_name": "Dominique Membre",
        "email": member.email,
        "phone": None,  # the member shared no phone
    }
    animator = await actors.create("animator")
    seen = await client.get(f"/api/match-requests/{request_id}", headers=animator.headers)
    assert seen.status_code == 200 and seen.json()["contact"] is None

    closed = await client.post(
        f"/api/match-requests/{request_id}/close",
        headers=member.headers,
        json={"outcome": "completed_on_time"},
    )
    assert closed.status_code == 200 and closed.json()["contact"] is None


async def test_the_phone_is_french_normalised_and_hidden_from_the_directory(
    client: Client, actors: Actors
) -> None:
    member = await actors.create("member")
    other = await actors.create("member")
    url = f"/api/members/{member.member_id}"
    for typed in ("+33 6 12 34 56 78", "06.12.34.56.78", "0033612345678"):
        saved = await client.patch(url, headers=member.headers, json={"phone": typed})
        assert saved.status_code == 200 and saved.json()["phone"] == "0612345678"
    for wrong in ("12 34", "06 12 34 56 78 9", "+1 212 555 0100", "0612345678\u0000"):
        refused = await client.patch(url, headers=member.headers, json={"phone": wrong})
        assert refused.status_code == 400, wrong
        assert refused.json()["extra"][0]["key"] == "phone"
    assert (await client.get(url, headers=member.headers)).json()["phone"] == "0612345678"
    assert (await client.get(url, headers=other.headers)).json()["phone"] is None
    listed = await client.get("/api/members", headers=other.headers)
    assert all(item["phone"] is None for item in listed.json()["items"])
    removed = await client.patch(url, headers=member.headers, json={"phone": ""})
    assert removed.json()["phone"] is None


async def test_only_the_two_members_read_and_write_the_pairs_messages(
    client: Client, actors: Actors
) -> None:
    member, coach, request_id = await _pair(client, actors)
    url = f"/api/match-requests/{request_id}/messages"
    first = await client.post(url, headers=member.headers, json={"text": "  Bonjour !  "})
    assert first.status_code == 201, first.text
    assert first.json()["text"] == "Bonjour !"
    answer = await client.post(url, headers=coach.headers, json={"text": "Bonjour, mardi ?"})
    assert answer.status_code == 201
    thread = (await client.get(url, headers=coach.headers)).json()
    assert [m["text"] for m in thread["items"]] == ["Bonjour !", "Bonjour, mardi ?"]
    assert [m["author_name"] for m in thread["items"]] == ["Dominique Membre", "Camille Coach"]
    assert thread["total"] == 2

    stranger = await actors.create("member")
    animator = await actors.create("animator")
    assert (await client.get(url, headers=stranger.headers)).status_code == 404
    assert (await client.post(url, headers=stranger.headers, json={"text": "x"})).status_code == 404
    assert (await client.get(url, headers=animator.headers)).status_code == 403
    assert (await client.post(url, headers=animator.headers, json={"text": "x"})).status_code == 403
    assert (await client.get(url)).status_code == 401


async def test_a_message_is_trimmed_non_empty_and_limited(client: Client, actors: Actors) -> None:
    member, _, request_id = await _pair(client, actors)
    url = f"/api/match-requests/{request_id}/messages"
    for text in ("", "   \n ", "m" * 2001):
        refused = await client.post(url, headers=member.headers, json={"text": text})
        assert refused.status_code == 422, text
        assert refused.json()["extra"][0]["key"] == "text"
    assert (await client.post(url, headers=member.headers, json={"text": "m" * 2000})).is_success
    wrong_type = await client.post(url, headers=member.headers, json={"text": 3})
    assert wrong_type.status_code == 400
    unknown = await client.post(url, headers=member.headers, json={"text": "a", "to": 1})
    assert unknown.status_code == 400
    thread = (await client.get(url, headers=member.headers)).json()
    assert thread["total"] == 1  # nothing half-written


async def test_messages_are_written_while_the_pair_is_accepted_and_read_after(
    client: Client, actors: Actors
) -> None:
    member, coach, request_id = await _pair(client, actors, accept=False)
    url = f"/api/match-requests/{request_id}/messages"
    early = await client.post(url, headers=member.headers, json={"text": "Alors ?"})
    assert early.status_code == 409
    assert (await client.get(url, headers=coach.headers)).json()["items"] == []
    await client.post(f"/api/match-requests/{request_id}/accept", headers=coach.headers)
    assert (await client.post(url, headers=coach.headers, json={"text": "Oui"})).is_success
    await actors.execute(
        update(MatchRequest).where(MatchRequest.id == request_id).values(status="closed")
    )
    late = await client.post(url, headers=member.headers, json={"text": "Merci"})
    assert late.status_code == 409
    assert [m["text"] for m in (await client.get(url, headers=member.headers)).json()["items"]] == [
        "Oui"
    ]


async def test_messages_and_phone_are_in_the_export_and_go_with_the_account(
    client: Client, actors: Actors
) -> None:
    member, coach, request_id = await _pair(client, actors)
    await client.patch(
        f"/api/members/{member.member_id}", headers=member.headers, json={"phone": "0701020304"}
    )
    url = f"/api/match-requests/{request_id}/messages"
    await client.post(url, headers=member.headers, json={"text": "Mon numéro est sur le profil."})
    export = (await client.get("/api/me/export", headers=member.headers)).json()
    assert export["profile"]["phone"] == "0701020304"
    assert [m["text"] for m in export["pair_messages"]] == ["Mon numéro est sur le profil."]
    assert (await client.delete("/api/me", headers=member.headers)).status_code in (200, 204)
    assert (await client.get(url, headers=coach.headers)).status_code == 404
