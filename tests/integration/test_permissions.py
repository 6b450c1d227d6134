"""Walk the permission table of `docs/permissions.md` against the running app.

The table must list exactly the app's routes (a route added without a row fails here), and each
cell is checked: `yes` is never refused, `no` always is, `own` is allowed on the caller's own
profile, needs and requests and refused on someone else's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from service.db.models import Need
from tests.integration.actors import PASSWORD, Actor, Actors

Client = AsyncTestClient[Any]
TABLE = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
ROLES = ("anonymous", "member", "coach", "trainer", "animator")
MODULE = "manager-equipe-hybride"
# Calls that end the caller's session or account: each gets a throw-away caller.
DESTRUCTIVE = {
    ("POST", "/api/auth/revoke"),
    ("DELETE", "/api/me"),
    ("DELETE", "/api/members/{member_id:int}"),
    ("POST", "/deconnexion"),
}
# Public routes that check a credential themselves: a 401 there is not a refusal of access.
CREDENTIAL_CHECKS = {
    ("POST", "/api/auth/token"),
    ("POST", "/api/auth/invitation"),
    ("POST", "/premiere-connexion"),
}
# The side of a request an action belongs to.
MENTEE_SIDE = ("/reply", "/withdraw", "/retirer", "/repondre")


def read_table() -> dict[tuple[str, str], dict[str, str]]:
    """{(method, path): {role: "yes" | "no" | "own"}} from the Markdown table."""
    rows = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 + len(ROLES) and re.fullmatch(r"[A-Z]+", cells[0]):
            rows[(cells[0], cells[1])] = dict(zip(ROLES, cells[2:], strict=True))
    return rows


def app_routes(app: Litestar) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, HEAD and OPTIONS aside."""
    found = set()
    for route in app.routes:
        for method in getattr(route, "route_handler_map", {}):
            if method not in ("HEAD", "OPTIONS"):
                found.add((method, route.path))
    return found


@dataclass
class Caller:
    """A caller of one role, with ids of their own resources and of someone else's."""

    role: str
    actor: Actor | None
    own: dict[str, Any] = field(default_factory=dict)
    other: dict[str, Any] = field(default_factory=dict)

    def headers(self, path: str, csrf: str) -> dict[str, str]:
        headers = {"x-csrftoken": csrf}
        if self.actor is not None:
            headers.update(self.actor.headers)
            if not path.startswith("/api/"):  # pages: the same token as the session cookie
                token = self.actor.headers["Authorization"].split()[1]
                headers["Cookie"] = f"passerelle_session={token}; csrftoken={csrf}"
                del headers["Authorization"]
        if "Cookie" not in headers:
            headers["Cookie"] = f"csrftoken={csrf}"
        return headers


async def _need_of(actors: Actors, member_id: int) -> int:
    async with actors._sessionmaker() as session:
        return int(await session.scalar(select(Need.id).where(Need.member_id == member_id)))


async def _library_of(actors: Actors, author_id: int, suggester_id: int) -> dict[str, int]:
    """A published sheet by `author_id` with a pending suggestion by `suggester_id`, and a
    shared lesson of `author_id`."""
    from service.accounts.principal import Principal
    from service.db.models import Lesson, PracticeRevision
    from service.practices.services import add_practice

    async with actors._sessionmaker() as session:
        author = Principal(account_id=0, member_id=author_id, role="coach")
        values = {"title": "Une fiche", "steps": ["Une étape"], "status": "published"}
        sheet = await add_practice(session, values, author=author)
        suggestion = PracticeRevision(
            practice_id=sheet.id,
            status="pending",
            author_id=suggester_id,
            base_version=1,
            proposed={"summary": "Un résumé"},
            changes={},
        )
        lesson = Lesson(author_id=author_id, need_text="Un besoin", text="Une leçon", shared=True)
        session.add_all([suggestion, lesson])
        await session.commit()
        return {"practice_id": sheet.id, "suggestion_id": suggestion.id, "lesson_id": lesson.id}


async def _offer_to(actors: Actors, coach_id: int, member_id: int) -> int:
    """An open offer of `coach_id` to accompany `member_id`."""
    from service.db.models import CoachOffer

    async with actors._sessionmaker() as session:
        offer = CoachOffer(coach_id=coach_id, member_id=member_id)
        session.add(offer)
        await session.commit()
        return offer.id


async def _caller(actors: Actors, role: str, stranger: Actor, stranger_coach: Actor) -> Caller:
    if role == "anonymous":
        ids = {"member_id": stranger.member_id, "coach_id": stranger_coach.member_id}
        ids["need_id"] = await _need_of(actors, stranger.member_id)
        request = await actors.request_between(stranger_coach.member_id, stranger.member_id)
        ids.update(request_as_coach=request, request_as_mentee=request)
        ids.update(await _library_of(actors, stranger.member_id, stranger_coach.member_id))
        ids["offer_id"] = await _offer_to(actors, stranger_coach.member_id, stranger.member_id)
        return Caller(role, None, ids, ids)
    actor = await actors.create(role, needs_text=["Animer un réseau"], capacity=3)
    [as_coach] = await actors.requests_to(actor.member_id, [stranger.member_id])
    [as_mentee] = await actors.requests_to(stranger_coach.member_id, [actor.member_id])
    others = await actors.request_between(stranger_coach.member_id, stranger.member_id)
    own = {
        "member_id": actor.member_id,
        "coach_id": actor.member_id,
        "need_id": await _need_of(actors, actor.member_id),
        "request_as_coach": as_coach,
        "request_as_mentee": as_mentee,
    }
    other = {
        "member_id": stranger.member_id,
        "coach_id": stranger_coach.member_id,
        "need_id": await _need_of(actors, stranger.member_id),
        "request_as_coach": others,
        "request_as_mentee": others,
    }
    own.update(await _library_of(actors, actor.member_id, stranger.member_id))
    other.update(await _library_of(actors, stranger.member_id, actor.member_id))
    own["offer_id"] = await _offer_to(actors, stranger_coach.member_id, actor.member_id)
    other["offer_id"] = await _offer_to(actors, actor.member_id, stranger.member_id)
    return Caller(role, actor, own, other)


def _url(path: str, ids: dict[str, Any]) -> str:
    request = ids["request_as_mentee"] if path.endswith(MENTEE_SIDE) else ids["request_as_coach"]
    values = {
        "member_id": ids["member_id"],
        "coach_id": ids["coach_id"],
        "need_id": ids["need_id"],
        "request_id": request,
        "module_id": MODULE,
        "proposal_id": 1,
        "practice_id": ids["practice_id"],
        "suggestion_id": ids["suggestion_id"],
        "lesson_id": ids["lesson_id"],
        "offer_id": ids["offer_id"],
        "version": 1,
        "file_path": "passerelle.css",
        "path": "swagger",
    }
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(values[m.group(1)]), path)


def _body(method: str, path: str, ids: dict[str, Any], me: dict[str, Any]) -> dict[str, Any]:
    if method in ("GET", "DELETE"):
        return {}
    if not path.startswith("/api/"):
        forms = {"/binomes/{request_id:int}/cloturer": {"outcome": "cancelled"}}
        return {"data": forms.get(path, {})}
    bodies: dict[str, Any] = {
        "/api/auth/register": {"email": "x@perm.fr", "password": PASSWORD, "display_name": "X"},
        "/api/auth/token": {"email": "nobody@perm.fr", "password": PASSWORD},
        "/api/auth/invitation": {"token": "psr_" + "x" * 40, "password": PASSWORD},
        "/api/members": {"email": "new@perm.fr", "display_name": "Nouveau"},
        "/api/members/{member_id:int}": {"bio": "Nouvelle bio"},
        "/api/members/{member_id:int}/needs": {"text": "Un nouveau besoin"},
        "/api/members/{member_id:int}/training/followed": {"module_id": MODULE},
        "/api/needs/{need_id:int}": {"status": "met"},
        "/api/match-requests": {"mentee_id": ids["member_id"], "coach_id": me["coach_id"]},
        "/api/match-requests/{request_id:int}/ask": {"question": "Combien d'agents ?"},
        "/api/match-requests/{request_id:int}/reply": {"answer": "Douze."},
        "/api/match-requests/{request_id:int}/close": {"outcome": "cancelled"},
        "/api/match-requests/{request_id:int}/feedback": {"rating": 3},
        "/api/match-requests/{request_id:int}/messages": {"text": "Bonjour"},
        "/api/cohorts/assign": {"dry_run": True},
        "/api/import/members": [],
        "/api/import/modules": [],
        "/api/import/responses": {"rows": []},
        "/api/catalogue/modules/{module_id:str}": {"duration_hours": 7},
        "/api/questionnaires/{version:int}/responses": {"answers": {}},
        "/api/questionnaires/{version:int}/responses/mine": {"answers": {}},
        "/api/practices": {"title": "Une autre fiche", "steps": ["Une étape"]},
        "/api/practices/{practice_id:int}": {"summary": "Nouveau résumé"},
        "/api/practices/{practice_id:int}/suggestions": {"summary": "Autre résumé"},
    }
    return {"json": bodies.get(path, {})}


def _sent_to_sign_in(response: Any) -> bool:
    """Pages refuse anonymous visitors by sending them to sign in, then back (`suivant`)."""
    location = response.headers.get("location", "")
    return response.status_code in (302, 303) and location.startswith("/connexion?suivant=")


def _refused(response: Any) -> bool:
    """Refused, or answered as if the resource did not exist (no identifier guessing)."""
    return response.status_code in (401, 403, 404) or _sent_to_sign_in(response)


def _allowed(response: Any) -> bool:
    """Not refused for lack of rights (a 404 or a 4xx about the data is fine)."""
    return response.status_code not in (401, 403) and not _sent_to_sign_in(response)


async def _call(
    client: Client, caller: Caller, method: str, path: str, ids: dict[str, Any], csrf: str
) -> Any:
    kwargs = _body(method, path, ids, caller.own or ids)
    return await client.request(
        method,
        _url(path, ids),
        headers=caller.headers(path, csrf),
        follow_redirects=False,
        **kwargs,
    )


@pytest.mark.parametrize("role", ROLES)
async def test_every_route_follows_the_permission_table(
    app: Litestar, client: Client, actors: Actors, role: str
) -> None:
    table = read_table()
    assert set(table) == app_routes(app), "docs/permissions.md must list exactly the app's routes"
    await client.get("/api/catalogue/modules")  # any call: starts the app
    csrf_page = await client.get("/connexion")
    csrf = csrf_page.cookies.get("csrftoken") or client.cookies.get("csrftoken")
    assert csrf
    client.cookies.clear()

    stranger = await actors.create("member", needs_text=["Relancer la participation"], capacity=2)
    stranger_coach = await actors.create("coach", offers_text=["Participation"], capacity=5)
    await actors.import_starter_catalogue()
    caller = await _caller(actors, role, stranger, stranger_coach)

    wrong: list[str] = []
    for (method, path), cells in sorted(table.items()):
        expected = cells[role]
        current = caller
        if (method, path) in DESTRUCTIVE and role != "anonymous":
            current = await _caller(actors, role, stranger, stranger_coach)
        targets = (
            [("own", current.own)]
            if expected != "own"
            else [
                ("own", current.own),
                ("other", current.other),
            ]
        )
        for which, ids in targets:
            response = await _call(client, current, method, path, ids, csrf)
            client.cookies.clear()
            should_refuse = expected == "no" or (expected == "own" and which == "other")
            if should_refuse:
                ok = _refused(response)
            else:
                ok = _allowed(response) or (
                    (method, path) in CREDENTIAL_CHECKS and response.status_code == 401
                )
            if not ok:
                wrong.append(f"{method} {path} [{which}] -> {response.status_code}")
    assert not wrong, "\n".join(wrong)
