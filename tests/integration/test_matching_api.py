"""Matches, suggestions, the request lifecycle and cohorts through the API, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import update

from service.db.models import MatchRequest, utcnow
from tests.integration.actors import Actor, Actors

Client = AsyncTestClient[Any]

HYBRID_NEED = "Mes agents décrochent depuis qu'on alterne présentiel et télétravail"
HYBRID_OFFER = "Management hybride, rituels d'équipe à distance"
FACILITATION_OFFER = (
    "Décloisonner les services : projets transversaux et coopération entre directions"
)
DATA_OFFER = "Open data et tableaux de bord pour piloter les politiques publiques"


async def _coach(actors: Actors, offer: str, **fields: Any) -> Actor:
    fields.setdefault("capacity", 3)
    return await actors.create("coach", **fields, offers_text=[offer])


async def _member(actors: Actors, need: str, **fields: Any) -> Actor:
    return await actors.create("member", **fields, needs_text=[need])


async def _matches(
    client: Client, actor: Actor, kind: str = "mentor", member_id: int | None = None
) -> Any:
    target = member_id or actor.member_id
    response = await client.get(f"/api/members/{target}/matches?kind={kind}", headers=actor.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _ids(body: Any) -> list[int]:
    return [result["member_id"] for result in body["results"]]


async def test_a_member_finds_the_coach_whose_methods_answer_their_situation(
    client: Client, actors: Actors
) -> None:
    hybrid = await _coach(actors, HYBRID_OFFER)
    await _coach(actors, DATA_OFFER)
    alice = await _member(actors, HYBRID_NEED)
    body = await _matches(client, alice)
    assert body["member_id"] == alice.member_id and body["kind"] == "mentor"
    assert _ids(body)[0] == hybrid.member_id
    best = body["results"][0]
    assert 0 < best["score"] <= 1
    assert any("Management hybride" in reason for reason in best["reasons"])
    assert alice.member_id not in _ids(body)


async def test_people_without_consent_or_paused_are_never_proposed(
    client: Client, actors: Actors
) -> None:
    shy = await _coach(actors, HYBRID_OFFER, consent=False)
    paused = await _coach(actors, HYBRID_OFFER, paused=True)
    alice = await _member(actors, HYBRID_NEED)
    ids = _ids(await _matches(client, alice))
    assert shy.member_id not in ids and paused.member_id not in ids


async def test_a_member_only_asks_for_their_own_matches(client: Client, actors: Actors) -> None:
    alice = await _member(actors, HYBRID_NEED)
    bob = await _member(actors, HYBRID_NEED)
    animator = await actors.create("animator")
    response = await client.get(f"/api/members/{bob.member_id}/matches", headers=alice.headers)
    assert response.status_code == 403
    assert (await _matches(client, animator, member_id=bob.member_id))["member_id"] == bob.member_id


async def test_without_consent_one_is_not_matchable(client: Client, actors: Actors) -> None:
    shy = await _member(actors, HYBRID_NEED, consent=False)
    response = await client.get(f"/api/members/{shy.member_id}/matches", headers=shy.headers)
    assert response.status_code == 409
    assert response.json()["extra"][0]["key"] == "consent"


async def test_profile_changes_reach_the_index_without_restart(
    client: Client, actors: Actors
) -> None:
    facilitator = await _coach(actors, FACILITATION_OFFER)
    hybrid = await _coach(actors, HYBRID_OFFER)
    alice = await _member(actors, HYBRID_NEED)
    assert _ids(await _matches(client, alice))[0] == hybrid.member_id
    patch = await client.patch(
        f"/api/members/{alice.member_id}",
        headers=alice.headers,
        json={
            "needs": ["Les services ne se parlent pas, je voudrais les faire travailler ensemble"]
        },
    )
    assert patch.status_code == 200
    assert _ids(await _matches(client, alice))[0] == facilitator.member_id


async def test_the_request_lifecycle_ask_reply_accept_close(client: Client, actors: Actors) -> None:
    coach = await _coach(actors, HYBRID_OFFER, capacity=1)
    alice = await _member(actors, HYBRID_NEED)
    created = await client.post(
        "/api/match-requests",
        headers=alice.headers,
        json={"mentee_id": alice.member_id, "coach_id": coach.member_id, "message": "Bonjour !"},
    )
    assert created.status_code == 201, created.text
    request = created.json()
    assert (request["status"], request["kind"]) == ("proposed", "mentor")
    url = f"/api/match-requests/{request['id']}"

    asked = await client.post(
        f"{url}/ask", headers=coach.headers, json={"question": "Combien d'agents ?"}
    )
    assert asked.json()["status"] == "info_requested"
    # Only the mentee answers; only the coach accepts.
    assert (
        await client.post(f"{url}/reply", headers=coach.headers, json={"answer": "x"})
    ).status_code == 403
    replied = await client.post(
        f"{url}/reply", headers=alice.headers, json={"answer": "Douze agents."}
    )
    assert replied.json()["status"] == "proposed"
    assert (await client.post(f"{url}/accept", headers=alice.headers)).status_code == 403
    accepted = await client.post(f"{url}/accept", headers=coach.headers)
    assert accepted.json()["status"] == "accepted"

    # The coach is full now: not proposed to anyone else.
    bob = await _member(actors, HYBRID_NEED)
    assert coach.member_id not in _ids(await _matches(client, bob))
    suggestions = await client.get(
        f"/api/coaches/{coach.member_id}/suggestions", headers=coach.headers
    )
    assert suggestions.json()["remaining_capacity"] == 0
    assert suggestions.json()["results"] == []

    closed = await client.post(
        f"{url}/close",
        headers=alice.headers,
        json={
            "outcome": "completed_on_time",
            "rating": 5,
            "lesson": "Un rituel court chaque lundi a suffi à recréer du lien.",
            "share_lesson": True,
        },
    )
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["mentee_rating"]) == ("closed", 5)
    feedback = await client.post(f"{url}/feedback", headers=coach.headers, json={"rating": 4})
    assert feedback.json()["coach_rating"] == 4
    # Closing frees the place, but the pair is never proposed again.
    assert coach.member_id in _ids(await _matches(client, bob))
    assert coach.member_id not in _ids(await _matches(client, alice))


async def test_accept_beyond_capacity_is_a_conflict(client: Client, actors: Actors) -> None:
    coach = await _coach(actors, HYBRID_OFFER, capacity=1)
    ids = []
    for _ in range(2):
        mentee = await _member(actors, HYBRID_NEED)
        created = await client.post(
            "/api/match-requests",
            headers=mentee.headers,
            json={"mentee_id": mentee.member_id, "coach_id": coach.member_id},
        )
        ids.append(created.json()["id"])
    first = await client.post(f"/api/match-requests/{ids[0]}/accept", headers=coach.headers)
    second = await client.post(f"/api/match-requests/{ids[1]}/accept", headers=coach.headers)
    assert (first.status_code, second.status_code) == (200, 409)


async def test_decline_with_pause_stops_new_proposals(client: Client, actors: Actors) -> None:
    coach = await _coach(actors, HYBRID_OFFER)
    alice = await _member(actors, HYBRID_NEED)
    bob = await _member(actors, HYBRID_NEED)
    created = await client.post(
        "/api/match-requests",
        headers=alice.headers,
        json={"mentee_id": alice.member_id, "coach_id": coach.member_id},
    )
    declined = await client.post(
        f"/api/match-requests/{created.json()['id']}/decline",
        headers=coach.headers,
        json={"pause": True},
    )
    assert declined.json()["status"] == "declined"
    assert coach.member_id not in _ids(await _matches(client, bob))
    again = await client.post(
        "/api/match-requests",
        headers=alice.headers,
        json={"mentee_id": alice.member_id, "coach_id": coach.member_id},
    )
    assert again.status_code == 409


async def test_a_member_can_exclude_their_own_organisation(client: Client, actors: Actors) -> None:
    colleague = await _coach(actors, HYBRID_OFFER, organization="Ville de Lyon")
    alice = await _member(actors, HYBRID_NEED, organization="Ville de Lyon")
    assert colleague.member_id in _ids(await _matches(client, alice))
    await client.patch(
        f"/api/members/{alice.member_id}",
        headers=alice.headers,
        json={"exclude_own_organization": True},
    )
    assert colleague.member_id not in _ids(await _matches(client, alice))


async def test_requests_unanswered_for_14_days_are_flagged(
    client: Client, actors: Actors, database_url: str
) -> None:
    coach = await _coach(actors, HYBRID_OFFER)
    alice = await _member(actors, HYBRID_NEED)
    animator = await actors.create("animator")
    created = await client.post(
        "/api/match-requests",
        headers=alice.headers,
        json={"mentee_id": alice.member_id, "coach_id": coach.member_id},
    )
    assert (await client.get("/api/match-requests?stale=true", headers=alice.headers)).json()[
        "total"
    ] == 0
    await actors.execute(
        update(MatchRequest)
        .where(MatchRequest.id == created.json()["id"])
        .values(updated_at=utcnow() - timedelta(days=15))
    )
    for viewer in (alice, animator):
        stale = (await client.get("/api/match-requests?stale=true", headers=viewer.headers)).json()
        assert [item["id"] for item in stale["items"]] == [created.json()["id"]]
        assert stale["items"][0]["stale"] is True


async def test_members_cannot_see_requests_they_are_not_part_of(
    client: Client, actors: Actors
) -> None:
    coach = await _coach(actors, HYBRID_OFFER)
    alice = await _member(actors, HYBRID_NEED)
    eve = await _member(actors, HYBRID_NEED)
    created = await client.post(
        "/api/match-requests",
        headers=alice.headers,
        json={"mentee_id": alice.member_id, "coach_id": coach.member_id},
    )
    request_id = created.json()["id"]
    assert (
        await client.get(f"/api/match-requests/{request_id}", headers=eve.headers)
    ).status_code == 404
    assert (
        await client.post(f"/api/match-requests/{request_id}/accept", headers=eve.headers)
    ).status_code == 404
    assert (await client.get("/api/match-requests", headers=eve.headers)).json()["total"] == 0
    forged = await client.post(
        "/api/match-requests",
        headers=eve.headers,
        json={"mentee_id": alice.member_id, "coach_id": coach.member_id},
    )
    assert forged.status_code == 403


async def test_cohort_assignment_dry_run_then_for_real(client: Client, actors: Actors) -> None:
    animator = await actors.create("animator")
    hybrid = await _coach(actors, HYBRID_OFFER, capacity=1)
    facilitator = await _coach(actors, FACILITATION_OFFER, capacity=1)
    mentees = [await _member(actors, HYBRID_NEED) for _ in range(2)]
    mentees.append(await _member(actors, "Les services ne se parlent pas, chacun dans son silo"))

    plan = await client.post(
        "/api/cohorts/assign", headers=animator.headers, json={"dry_run": True}
    )
    assert plan.status_code == 200, plan.text
    body = plan.json()
    per_coach: dict[int, int] = {}
    for assignment in body["assignments"]:
        per_coach[assignment["coach_id"]] = per_coach.get(assignment["coach_id"], 0) + 1
    assert all(count <= 1 for count in per_coach.values())
    assert body["members_served"] == 2 and len(body["unassigned"]) == 1
    assert body["total_score"] >= body["greedy_total_score"]
    assert (await client.get("/api/match-requests", headers=animator.headers)).json()["total"] == 0

    done = await client.post(
        "/api/cohorts/assign", headers=animator.headers, json={"dry_run": False}
    )
    created = done.json()["assignments"]
    assert all(item["request_id"] for item in created)
    listing = (await client.get("/api/match-requests", headers=animator.headers)).json()
    assert listing["total"] == 2
    assert {item["created_by"] for item in listing["items"]} == {"cohort"}
    assert {item["coach_id"] for item in listing["items"]} == {
        hybrid.member_id,
        facilitator.member_id,
    }

    member = mentees[0]
    forbidden = await client.post(
        "/api/cohorts/assign", headers=member.headers, json={"dry_run": True}
    )
    assert forbidden.status_code == 403


async def _ask(client: Client, mentee: Actor, other: Actor, kind: str = "mentor") -> Any:
    return await client.post(
        "/api/match-requests",
        headers=mentee.headers,
        json={"mentee_id": mentee.member_id, "coach_id": other.member_id, "kind": kind},
    )


async def test_peer_requests_need_peer_exchange_not_capacity(
    client: Client, actors: Actors
) -> None:
    """Capacity 0 (the default) is about coaching: a peer request still reaches the member."""
    alice = await _member(actors, HYBRID_NEED)
    bob = await actors.create("member", offers_text=[HYBRID_OFFER])  # capacity 0
    assert (await client.get(f"/api/members/{bob.member_id}", headers=alice.headers)).json()[
        "peer_exchange"
    ] is True
    created = await _ask(client, alice, bob, "peer")
    assert created.status_code == 201, created.text
    accepted = await client.post(
        f"/api/match-requests/{created.json()['id']}/accept", headers=bob.headers
    )
    assert accepted.status_code == 200, accepted.text

    closed = await actors.create("member", peer_exchange=False, capacity=5)
    refused = await _ask(client, alice, closed, "peer")
    assert refused.status_code == 409
    assert refused.json()["extra"][0]["key"] == "coach_id"


async def test_mentor_requests_still_need_coaching_capacity(client: Client, actors: Actors) -> None:
    alice = await _member(actors, HYBRID_NEED)
    full = await _coach(actors, HYBRID_OFFER, capacity=0)
    assert (await _ask(client, alice, full)).status_code == 409


async def test_accepted_peer_pairs_do_not_use_coaching_capacity(
    client: Client, actors: Actors
) -> None:
    coach = await _coach(actors, HYBRID_OFFER, capacity=1)
    peer = await _member(actors, HYBRID_NEED)
    created = await _ask(client, peer, coach, "peer")
    await client.post(f"/api/match-requests/{created.json()['id']}/accept", headers=coach.headers)
    mentee = await _member(actors, HYBRID_NEED)
    mentor = await _ask(client, mentee, coach)
    assert mentor.status_code == 201, mentor.text
    accepted = await client.post(
        f"/api/match-requests/{mentor.json()['id']}/accept", headers=coach.headers
    )
    assert accepted.status_code == 200, accepted.text


async def test_peer_exchange_is_part_of_the_profile(client: Client, actors: Actors) -> None:
    animator = await actors.create("animator")
    created = await client.post(
        "/api/members",
        headers=animator.headers,
        json={"email": "pair@ville.fr", "display_name": "Pair", "peer_exchange": False},
    )
    assert created.status_code == 201 and created.json()["peer_exchange"] is False
    member_id = created.json()["id"]
    changed = await client.patch(
        f"/api/members/{member_id}", headers=animator.headers, json={"peer_exchange": True}
    )
    assert changed.json()["peer_exchange"] is True
    imported = await client.post(
        "/api/import/members",
        headers=animator.headers,
        json=[{"email": "pair@ville.fr", "display_name": "Pair", "peer_exchange": False}],
    )
    assert imported.json()["updated"] == 1
    again = await client.get(f"/api/members/{member_id}", headers=animator.headers)
    assert again.json()["peer_exchange"] is False
    alice = await actors.create()
    export = await client.get("/api/me/export", headers=alice.headers)
    assert export.json()["profile"]["peer_exchange"] is True


async def test_a_withdrawn_request_frees_the_pair(client: Client, actors: Actors) -> None:
    alice = await _member(actors, HYBRID_NEED)
    coach = await _coach(actors, HYBRID_OFFER)
    first = await _ask(client, alice, coach)
    assert (await _ask(client, alice, coach)).status_code == 409  # pending blocks
    withdrawn = await client.post(
        f"/api/match-requests/{first.json()['id']}/withdraw", headers=alice.headers
    )
    assert withdrawn.status_code == 200
    again = await _ask(client, alice, coach)
    assert again.status_code == 201, again.text
    declined = await client.post(
        f"/api/match-requests/{again.json()['id']}/decline", headers=coach.headers
    )
    assert declined.status_code == 200
    assert (await _ask(client, alice, coach)).status_code == 409  # declined still blocks
    assert (await _ask(client, coach, alice, "peer")).status_code == 409  # either direction


async def test_peers_need_peer_exchange_not_coaching_capacity(
    client: Client, actors: Actors
) -> None:
    shared = "Comment garder le lien avec une équipe à moitié en télétravail ?"
    alice = await actors.create(needs_text=[HYBRID_NEED])
    open_peer = await actors.create(needs_text=[shared], capacity=0)
    closed_peer = await actors.create(needs_text=[shared], capacity=3, peer_exchange=False)
    response = await client.get(
        f"/api/members/{alice.member_id}/matches?kind=peer", headers=alice.headers
    )
    ids = _ids(response.json())
    assert open_peer.member_id in ids  # no capacity declared: still a peer
    assert closed_peer.member_id not in ids  # not open to peer exchange, whatever the capacity
