"""Rules that must hold when requests arrive at the same time, fired for real.

A real server (`passerelle serve --workers 2`: two processes, each with its own connection
pool) on SQLite and on PostgreSQL; each race fires its requests from parallel threads released
together, so the database sees truly concurrent transactions.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import count

import httpx
import pytest

from tests.conftest import POSTGRES_URL_VARIABLE, postgres_url, run_coroutine
from tests.live_server import bearer, live_server
from tests.postgres import reset_postgres

PASSWORD = "des-mots-bien-a-moi"
_numbers = count(1)


@dataclass(frozen=True)
class Person:
    member_id: int
    headers: dict[str, str]


@dataclass(frozen=True)
class Server:
    url: str
    animator: dict[str, str]

    def person(self, role: str = "member", **profile: object) -> Person:
        """A new consenting member who set their password with an invitation, signed in."""
        number = next(_numbers)
        email = f"course{number}@concurrence.fr"
        body = {"email": email, "display_name": f"Personne {number}", "consent": True, "role": role}
        created = httpx.post(
            f"{self.url}/api/members", headers=self.animator, json={**body, **profile}
        )
        created.raise_for_status()
        member_id = created.json()["id"]
        invitation = httpx.post(
            f"{self.url}/api/members/{member_id}/invitation", headers=self.animator
        )
        accepted = httpx.post(
            f"{self.url}/api/auth/invitation",
            json={"token": invitation.json()["token"], "password": PASSWORD},
        )
        accepted.raise_for_status()
        return Person(member_id, bearer(self.url, email, PASSWORD))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp(f"races-{request.param}")
    if request.param == "sqlite":
        url = None
    else:
        url = postgres_url()
        if url is None:
            pytest.skip(
                f"PostgreSQL not configured: set {POSTGRES_URL_VARIABLE} to run these tests"
            )
        run_coroutine(lambda: reset_postgres(url))
    with live_server(data_dir, url, workers=2) as live:
        yield Server(live.url, bearer(live.url, "animatrice@demo.passerelle.fr"))


def race(calls: list[Callable[[httpx.Client], httpx.Response]]) -> list[httpx.Response]:
    """Run every call in its own thread and connection, all released at the same moment."""
    barrier = threading.Barrier(len(calls))
    responses: list[httpx.Response | None] = [None] * len(calls)

    def run(index: int) -> None:
        with httpx.Client(timeout=60) as client:
            barrier.wait()
            responses[index] = calls[index](client)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(response is not None for response in responses)
    return responses  # type: ignore[return-value]


def codes(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


def test_concurrent_saves_of_one_version_let_exactly_one_through(server: Server) -> None:
    alice = server.person()
    url = f"{server.url}/api/members/{alice.member_id}"
    version = httpx.get(url, headers=alice.headers).json()["version"]
    responses = race(
        [
            lambda client, i=i: client.patch(
                url, headers=alice.headers, json={"bio": f"écrit par {i}", "version": version}
            )
            for i in range(20)
        ]
    )
    assert codes(responses) == {200: 1, 409: 19}, [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    final = httpx.get(url, headers=alice.headers).json()
    assert final["version"] == version + 1
    assert final["bio"] == winner["bio"]


def test_concurrent_needs_never_exceed_ten_open(server: Server) -> None:
    alice = server.person()
    url = f"{server.url}/api/members/{alice.member_id}/needs"
    responses = race(
        [
            lambda client, i=i: client.post(
                url, headers=alice.headers, json={"text": f"Besoin numéro {i}"}
            )
            for i in range(25)
        ]
    )
    assert codes(responses) == {201: 10, 422: 15}, [r.text for r in responses]
    listed = httpx.get(f"{url}?status=open", headers=alice.headers).json()
    assert listed["total"] == 10


def test_identical_concurrent_requests_create_one(server: Server) -> None:
    alice = server.person()
    coach = server.person("coach", capacity=3)
    body = {"mentee_id": alice.member_id, "coach_id": coach.member_id}
    responses = race(
        [
            lambda client: client.post(
                f"{server.url}/api/match-requests", headers=alice.headers, json=body
            )
            for _ in range(10)
        ]
    )
    assert codes(responses) == {201: 1, 409: 9}, [r.text for r in responses]
    mine = httpx.get(f"{server.url}/api/match-requests?role=mentee", headers=alice.headers)
    assert mine.json()["total"] == 1


def test_an_invitation_sets_a_password_once(server: Server) -> None:
    carla = server.person()
    invitation = httpx.post(
        f"{server.url}/api/members/{carla.member_id}/invitation", headers=server.animator
    ).json()["token"]
    responses = race(
        [
            lambda client, i=i: client.post(
                f"{server.url}/api/auth/invitation",
                json={"token": invitation, "password": f"mot-de-passe-numero-{i}"},
            )
            for i in range(10)
        ]
    )
    assert codes(responses) == {200: 1, 401: 9}, [r.text for r in responses]


def test_accept_and_withdraw_never_both_succeed(server: Server) -> None:
    coach = server.person("coach", capacity=20)
    mentees = [server.person() for _ in range(8)]
    requests = []
    for mentee in mentees:
        created = httpx.post(
            f"{server.url}/api/match-requests",
            headers=mentee.headers,
            json={"mentee_id": mentee.member_id, "coach_id": coach.member_id},
        )
        created.raise_for_status()
        requests.append((mentee, created.json()["id"]))
    for mentee, request_id in requests:
        base = f"{server.url}/api/match-requests/{request_id}"
        accepted, withdrawn = race(
            [
                lambda client, base=base: client.post(f"{base}/accept", headers=coach.headers),
                lambda client, base=base, m=mentee: client.post(
                    f"{base}/withdraw", headers=m.headers
                ),
            ]
        )
        assert sorted([accepted.status_code, withdrawn.status_code]) == [200, 409], (
            accepted.text,
            withdrawn.text,
        )
        final = httpx.get(base, headers=coach.headers).json()["status"]
        if accepted.status_code == 200:
            assert final == "accepted"
        else:
            assert final == "withdrawn"
            assert "capacity" not in accepted.text.lower()
            assert "withdrawn" in accepted.json()["detail"]


def test_simultaneous_accepts_never_exceed_capacity(server: Server) -> None:
    coach = server.person("coach", capacity=2)
    request_ids = []
    for _ in range(12):
        mentee = server.person()
        created = httpx.post(
            f"{server.url}/api/match-requests",
            headers=mentee.headers,
            json={"mentee_id": mentee.member_id, "coach_id": coach.member_id},
        )
        created.raise_for_status()
        request_ids.append(created.json()["id"])
    responses = race(
        [
            lambda client, i=i: client.post(
                f"{server.url}/api/match-requests/{i}/accept", headers=coach.headers
            )
            for i in request_ids
        ]
    )
    assert codes(responses) == {200: 2, 409: 10}, [r.text for r in responses]
    accepted = httpx.get(
        f"{server.url}/api/match-requests?role=coach&status=accepted", headers=coach.headers
    )
    assert accepted.json()["total"] == 2


def test_concurrent_edits_of_one_sheet_version_let_exactly_one_through(server: Server) -> None:
    coach = server.person("coach")
    created = httpx.post(
        f"{server.url}/api/practices",
        headers=coach.headers,
        json={"title": "Une fiche disputée", "steps": ["Une étape"], "status": "published"},
    )
    created.raise_for_status()
    url = f"{server.url}/api/practices/{created.json()['id']}"
    responses = race(
        [
            lambda client, i=i: client.patch(
                url, headers=coach.headers, json={"summary": f"version {i}", "version": 1}
            )
            for i in range(12)
        ]
    )
    assert codes(responses) == {200: 1, 409: 11}, [r.text for r in responses]
    history = httpx.get(f"{url}/history", headers=coach.headers).json()
    assert history["total"] == 2
    assert [item["version"] for item in history["items"]] == [2, 1]


def test_a_suggestion_is_decided_once(server: Server) -> None:
    coach = server.person("coach")
    member = server.person()
    created = httpx.post(
        f"{server.url}/api/practices",
        headers=coach.headers,
        json={"title": "Une fiche à améliorer", "steps": ["Une étape"], "status": "published"},
    ).json()
    url = f"{server.url}/api/practices/{created['id']}"
    suggestion = httpx.post(
        f"{url}/suggestions", headers=member.headers, json={"summary": "Mieux dit"}
    ).json()
    base = f"{url}/suggestions/{suggestion['id']}"
    responses = race(
        [
            lambda client, i=i: client.post(
                f"{base}/{'accept' if i % 2 else 'reject'}", headers=coach.headers
            )
            for i in range(10)
        ]
    )
    assert codes(responses) == {200: 1, 409: 9}, [r.text for r in responses]


def test_a_lesson_becomes_one_sheet(server: Server) -> None:
    author = bearer(server.url, "membre@demo.passerelle.fr")
    lessons = httpx.get(f"{server.url}/api/lessons", headers=author).json()
    [mine] = [lesson for lesson in lessons if lesson["mine"]]
    url = f"{server.url}/api/lessons/{mine['id']}/practice"
    responses = race([lambda client: client.post(url, headers=author) for _ in range(8)])
    assert codes(responses) == {201: 1, 409: 7}, [r.text for r in responses]
    again = httpx.get(f"{server.url}/api/lessons", headers=author).json()
    [mine] = [lesson for lesson in again if lesson["mine"]]
    assert mine["practice_id"] == next(r for r in responses if r.status_code == 201).json()["id"]


def test_interest_in_a_proposal_counts_once_per_member(server: Server) -> None:
    proposals = httpx.get(f"{server.url}/api/incubator/proposals", headers=server.animator)
    proposal = proposals.json()["items"][0]
    before = proposal["interest"]
    member = server.person()
    url = f"{server.url}/api/incubator/proposals/{proposal['id']}/interest"
    responses = race(
        [
            lambda client, i=i: client.post(
                url, headers=member.headers, json={"comment": f"intéressé·e {i}"}
            )
            for i in range(10)
        ]
    )
    assert codes(responses) == {200: 10}, [r.text for r in responses]
    after = httpx.get(f"{server.url}/api/incubator/proposals", headers=server.animator).json()
    assert next(p for p in after["items"] if p["id"] == proposal["id"])["interest"] == before + 1
