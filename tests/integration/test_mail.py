"""E-mail notifications against a real SMTP server on localhost (aiosmtpd), both databases.

Each event's mail arrives in French, as text and HTML, with its link; a rolled-back change
sends nothing; a mail queued while the server is down arrives once it is back, exactly once,
across worker restarts; several workers never send a mail twice; a member who turned
notifications off gets none; animators send and re-send invitations.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from service.accounts.principal import Principal
from service.app import create_app
from service.db.models import MailOutbox, MatchRequest, utcnow
from service.mail.outbox import MailConfig, enable_mail, queue_mail
from service.mail.reminders import queue_stale_reminders
from service.mail.smtp import parse_smtp_url
from service.mail.worker import MailWorker
from service.matches import requests
from service.matches.schemas import MatchRequestCreate
from service.settings import Settings
from tests.integration.actors import Actors
from tests.smtp_server import SmtpServer, smtp_server  # noqa: F401  (fixture)

Client = AsyncTestClient[Any]
BASE = "https://passerelle.example.fr"


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp_server: SmtpServer) -> Settings:  # noqa: F811
    """The test app's settings, with e-mail on and a fast worker."""
    return Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="t" * 48,
        smtp_url=smtp_server.url,
        mail_from="Passerelle <ne-pas-repondre@passerelle.example.fr>",
        base_url=BASE,
        mail_poll_seconds=0.2,
        mail_retry_seconds=0.2,
    )


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions of this test's own event loop on the app's database, with e-mail on."""
    engine: AsyncEngine = create_async_engine(settings.database_url, poolclass=NullPool)
    enable_mail(engine, MailConfig(settings))
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a mail (both must exist)."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None, "a text part and an HTML part"
    return text.get_content(), html.get_content()


async def outbox(sessions: async_sessionmaker[AsyncSession]) -> list[MailOutbox]:
    async with sessions() as session:
        return list(await session.scalars(select(MailOutbox).order_by(MailOutbox.id)))


async def ask(client: Client, mentee: Any, coach_id: int, **body: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/match-requests",
        headers=mentee.headers,
        json={"mentee_id": mentee.member_id, "coach_id": coach_id, **body},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_each_step_of_a_request_mails_the_other_side_in_french(
    client: Client,
    actors: Actors,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    alice = await actors.create(display_name="Alice Martin", job_title="DGS", organization="Mairie")
    coach = await actors.create("coach", display_name="Chloé Coach", capacity=3)
    request = await ask(client, alice, coach.member_id, message="Nos agents décrochent.")
    [new] = await smtp_server.wait_for(1)
    assert new["To"] == coach.email
    assert new["Subject"] == "Nouvelle demande de Alice Martin sur Passerelle"
    text, html = parts(new)
    assert "Alice Martin (DGS, Mairie) vous demande un accompagnement" in text
    assert "Nos agents décrochent." in text and "Nos agents décrochent." in html
    assert f"{BASE}/accompagnement/demandes" in text
    assert f'href="{BASE}/accompagnement/demandes"' in html

    url = f"/api/match-requests/{request['id']}"
    asked = await client.post(f"{url}/ask", headers=coach.headers, json={"question": "Combien ?"})
    assert asked.status_code == 200
    question = (await smtp_server.wait_for(2))[1]
    assert question["To"] == alice.email
    assert question["Subject"] == "Chloé Coach vous pose une question sur votre demande"
    assert "Combien ?" in parts(question)[0] and f"{BASE}/demandes" in parts(question)[0]

    await client.post(f"{url}/reply", headers=alice.headers, json={"answer": "Douze."})
    assert (await client.post(f"{url}/accept", headers=coach.headers)).status_code == 200
    accepted = (await smtp_server.wait_for(3))[2]
    assert (accepted["To"], accepted["Subject"]) == (
        alice.email,
        "Chloé Coach a accepté votre demande",
    )
    assert "Bonne nouvelle" in parts(accepted)[0]

    written = await client.post(
        f"{url}/messages", headers=coach.headers, json={"text": "Mardi 10 h, en visio ?"}
    )
    assert written.status_code == 201, written.text
    note = (await smtp_server.wait_for(4))[3]
    assert (note["To"], note["Subject"]) == (
        alice.email,
        "Nouveau message de Chloé Coach sur Passerelle",
    )
    assert "Mardi 10 h, en visio ?" in parts(note)[0]
    assert f"{BASE}/binomes/{request['id']}" in parts(note)[0]

    other = await actors.create("coach", display_name="Omar Coach", capacity=3)
    second = await ask(client, alice, other.member_id)
    declined = await client.post(
        f"/api/match-requests/{second['id']}/decline", headers=other.headers
    )
    assert declined.status_code == 200
    messages = await smtp_server.wait_for(6)
    assert messages[5]["Subject"] == "Votre demande à Omar Coach n'a pas été acceptée"
    assert f"{BASE}/trouver-un-coach" in parts(messages[5])[0]
    await asyncio.sleep(0.5)
    assert len(smtp_server.messages) == 6  # one mail per event, none twice


async def test_a_rolled_back_change_sends_nothing(
    client: Client,
    actors: Actors,
    sessions: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    alice = await actors.create()
    coach = await actors.create("coach", capacity=2)
    me = Principal(account_id=0, member_id=alice.member_id, role="member")
    data = MatchRequestCreate(mentee_id=alice.member_id, coach_id=coach.member_id)
    async with sessions() as session:
        await requests.create_request(session, me, data)
        assert len((await session.scalars(select(MailOutbox))).all()) == 1  # queued...
        await session.rollback()  # ...with a change that did not happen
    assert await outbox(sessions) == []
    await ask(client, alice, coach.member_id)  # the same change, committed this time
    await smtp_server.wait_for(1)
    await asyncio.sleep(0.6)
    assert len(smtp_server.messages) == 1


async def test_a_mail_queued_while_the_server_is_down_arrives_once_after_restarts(
    settings: Settings,
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    async with AsyncTestClient(app=create_app(settings)) as first:
        actors = Actors(database_url, first)
        alice = await actors.create()
        coach = await actors.create("coach", capacity=2)
        smtp_server.stop()
        await ask(first, alice, coach.member_id)  # the event succeeds while mail is down
        for _ in range(100):
            [mail] = await outbox(sessions)
            if mail.attempts >= 2:
                break
            await asyncio.sleep(0.1)
        assert mail.sent_at is None and mail.attempts >= 2, "tried again with back-off"
        assert mail.last_error
    smtp_server.start()  # the server is back; the first worker stopped meanwhile
    async with AsyncTestClient(app=create_app(settings)):
        [received] = await smtp_server.wait_for(1)
        assert received["To"] == coach.email
        await asyncio.sleep(0.6)
    async with AsyncTestClient(app=create_app(settings)):  # another restart
        await asyncio.sleep(0.6)
    assert len(smtp_server.messages) == 1
    [mail] = await outbox(sessions)
    assert mail.sent_at is not None


async def test_concurrent_workers_send_each_mail_once(
    client: Client,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    async with sessions() as session:
        for i in range(30):
            await queue_mail(
                session,
                to=f"personne{i}@example.fr",
                kind="test",
                subject=f"Essai {i}",
                text="Bonjour",
                html="<p>Bonjour</p>",
                dedup_key=f"test:{i}",
            )
        await session.commit()
    config = MailConfig(settings)
    workers = [  # three more workers beside the app's own
        MailWorker(sessions, config, parse_smtp_url(settings.smtp_url), reminder_seconds=0)
        for _ in range(3)
    ]
    await asyncio.gather(*(worker.deliver_due() for worker in workers))
    await smtp_server.wait_for(30)
    await asyncio.sleep(0.6)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        f"personne{i}@example.fr" for i in range(30)
    )


async def test_no_mail_for_a_member_who_turned_notifications_off(
    client: Client,
    actors: Actors,
    sessions: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    alice = await actors.create()
    coach = await actors.create("coach", capacity=2)
    off = await client.patch(
        f"/api/members/{coach.member_id}", headers=coach.headers, json={"notifications": False}
    )
    assert off.status_code == 200 and off.json()["notifications"] is False
    mine = await client.get(f"/api/members/{coach.member_id}", headers=coach.headers)
    assert mine.json()["notifications"] is False
    request = await ask(client, alice, coach.member_id)
    await client.post(f"/api/match-requests/{request['id']}/accept", headers=coach.headers)
    [accepted] = await smtp_server.wait_for(1)  # Alice still wants hers
    assert accepted["To"] == alice.email
    await asyncio.sleep(0.6)
    assert [m["To"] for m in smtp_server.messages] == [alice.email]
    assert [mail.kind for mail in await outbox(sessions)] == ["request_accepted"]


def first_sign_in_token(message: EmailMessage) -> str:
    text, html = parts(message)
    found = re.search(re.escape(BASE) + r"/premiere-connexion\?jeton=([\w-]+)", text)
    assert found is not None, text
    assert f"{BASE}/premiere-connexion?jeton={found.group(1)}" in html
    return found.group(1)


async def test_animators_send_and_resend_the_invitation_until_the_first_sign_in(
    client: Client,
    actors: Actors,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    animator = await actors.create("animator")
    created = await client.post(
        "/api/members",
        headers=animator.headers,
        json={"email": "camille@cd33.fr", "display_name": "Camille", "consent": True},
    )
    member_id = created.json()["id"]
    url = f"/api/members/{member_id}/invitation/email"
    assert (await client.post(url, headers=(await actors.create()).headers)).status_code == 403
    sent = await client.post(url, headers=animator.headers)
    assert sent.status_code == 202, sent.text
    assert sent.json()["email"] == "camille@cd33.fr" and "token" not in sent.json()
    [first] = await smtp_server.wait_for(1)
    assert (first["To"], first["Subject"]) == (
        "camille@cd33.fr",
        "Votre invitation à rejoindre Passerelle",
    )
    assert (await client.post(url, headers=animator.headers)).status_code == 202  # re-sent
    second = (await smtp_server.wait_for(2))[1]
    token = first_sign_in_token(second)
    assert token != first_sign_in_token(first)
    accepted = await client.post(
        "/api/auth/invitation", json={"token": token, "password": "un-mot-de-passe-solide"}
    )
    assert accepted.status_code == 200, accepted.text
    again = await client.post(url, headers=animator.headers)
    assert again.status_code == 409
    assert again.json()["detail"] == (
        "Cette personne s'est déjà connectée : elle n'a pas besoin d'invitation."
    )
    missing = await client.post("/api/members/999999/invitation/email", headers=animator.headers)
    assert missing.status_code == 404


async def test_a_request_to_someone_never_signed_in_brings_their_invitation(
    client: Client,
    actors: Actors,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    alice = await actors.create(display_name="Alice")
    [imported] = await actors.bulk_members(
        [{"email": "importee@cd33.fr", "role": "coach", "capacity": 2, "display_name": "Inès"}]
    )
    request = await ask(client, alice, imported)
    assert request["target_signed_in"] is False
    listed = await client.get("/api/match-requests?role=mentee", headers=alice.headers)
    assert listed.json()["items"][0]["target_signed_in"] is False
    messages = await smtp_server.wait_for(2)
    subjects = sorted(m["Subject"] for m in messages)
    assert subjects == [
        "Nouvelle demande de Alice sur Passerelle",
        "Votre invitation à rejoindre Passerelle",
    ]
    assert {m["To"] for m in messages} == {"importee@cd33.fr"}
    invitation = next(m for m in messages if "invitation" in m["Subject"])
    assert "Alice souhaite échanger avec vous" in parts(invitation)[0]
    token = first_sign_in_token(invitation)
    accepted = await client.post(
        "/api/auth/invitation", json={"token": token, "password": "un-mot-de-passe-solide"}
    )
    assert accepted.status_code == 200
    again = await client.get(f"/api/match-requests/{request['id']}", headers=alice.headers)
    assert again.json()["target_signed_in"] is True
    page = await client.get("/demandes", headers=alice.headers)
    assert page.status_code == 200


async def test_a_stale_request_is_reminded_once_to_the_member_and_the_animators(
    client: Client,
    actors: Actors,
    sessions: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    animator = await actors.create("animator", display_name="Anne Animatrice")
    alice = await actors.create(display_name="Alice")
    coach = await actors.create("coach", display_name="Chloé", capacity=2)
    request = await ask(client, alice, coach.member_id)
    await smtp_server.wait_for(1)  # the request itself, to the coach
    await actors.execute(
        update(MatchRequest)
        .where(MatchRequest.id == request["id"])
        .values(updated_at=utcnow() - timedelta(days=15))
    )
    async with sessions() as one, sessions() as two:
        counts = [await queue_stale_reminders(one)]
        await one.commit()
        counts.append(await queue_stale_reminders(two))  # another worker, later: nothing
        await two.commit()
    assert counts == [1, 0]
    messages = (await smtp_server.wait_for(3))[1:]
    assert sorted(m["To"] for m in messages) == sorted([alice.email, animator.email])
    to_alice = next(m for m in messages if m["To"] == alice.email)
    assert to_alice["Subject"] == "Votre demande à Chloé attend toujours une réponse"
    assert f"{BASE}/demandes" in parts(to_alice)[0]
    await asyncio.sleep(0.6)
    assert len(smtp_server.messages) == 3


async def test_pages_show_who_signed_in_send_invitations_and_keep_the_notification_choice(
    client: Client,
    actors: Actors,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    from tests.integration.test_pages import csrf, sign_in

    client.follow_redirects = False
    animator = await actors.create("animator")
    [imported] = await actors.bulk_members([{"email": "nouvelle@cd33.fr", "display_name": "Nina"}])
    await sign_in(client, animator)
    page = await client.get("/animation/membres")
    assert "pas encore connecté·e" in page.text
    assert "Envoyer l'invitation" in unescape(page.text)
    token = await csrf(client, "/animation/membres")
    sent = await client.post(
        f"/animation/membres/{imported}/invitation", data={"_csrf_token": token}
    )
    assert sent.status_code == 303
    shown = await client.get(sent.headers["location"])
    assert "L'invitation est envoyée par e-mail." in unescape(shown.text)
    assert "Renvoyer l'invitation" in unescape(shown.text)
    [mail] = await smtp_server.wait_for(1)
    assert mail["To"] == "nouvelle@cd33.fr"

    token = await csrf(client, "/profil")
    profile = await client.get("/profil")
    assert 'name="notifications" checked' in profile.text
    values = {"_csrf_token": token, "display_name": "Anne", "consent": "on"}
    saved = await client.post("/profil", data=values)  # the box left unticked
    assert saved.status_code == 303, saved.text
    assert 'name="notifications" checked' not in (await client.get("/profil")).text
