"""The request journey by e-mail, in Chromium: each side learns of the other's step by a mail
(from the real SMTP server on localhost) and follows its link."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import httpx

from tests.e2e.conftest import MAIL_BASE_URL, NEWCOMER_PASSWORD, newcomer
from tests.smtp_server import SmtpServer


def link_in(message: EmailMessage, base_url: str) -> str:
    """The link of a mail, on the running service (text and HTML parts carry the same)."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    found = re.search(re.escape(MAIL_BASE_URL) + r"(/[^\s\"<]*)", text.get_content())
    assert found is not None, text.get_content()
    assert f'href="{MAIL_BASE_URL}{found.group(1)}"' in html.get_content()
    return base_url + found.group(1)


def sign_in_as(page: Any, email: str, target: str) -> None:
    """Follow a mail's link: the sign-in page first, then the page of the link."""
    page.goto(target)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(NEWCOMER_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("load")


def test_a_request_and_its_acceptance_reach_each_side_by_mail(
    new_page: Any, base_url: str, mailbox: SmtpServer
) -> None:
    mina = newcomer(base_url, "Mina Courriel", needs=["Animer un atelier d'idéation"])
    cora = newcomer(base_url, "Cora Courriel", role="coach", capacity=2)
    created = httpx.post(
        f"{base_url}/api/match-requests",
        headers=mina.headers,
        json={"mentee_id": mina.member_id, "coach_id": cora.member_id, "message": "Bonjour !"},
    )
    assert created.status_code == 201, created.text

    to_coach = mailbox.received(cora.email, "Nouvelle demande de Mina Courriel")
    coach_page = new_page()
    sign_in_as(coach_page, cora.email, link_in(to_coach, base_url))
    assert coach_page.url.startswith(f"{base_url}/accompagnement/demandes")
    coach_page.get_by_role("button", name="Accepter la demande de Mina Courriel").click()
    coach_page.wait_for_load_state("load")

    to_member = mailbox.received(mina.email, "Cora Courriel a accepté votre demande")
    member_page = new_page()
    sign_in_as(member_page, mina.email, link_in(to_member, base_url))
    assert member_page.url.startswith(f"{base_url}/demandes")
    row = member_page.get_by_role("row").filter(has_text="Cora Courriel")
    assert "acceptée" in row.inner_text()
