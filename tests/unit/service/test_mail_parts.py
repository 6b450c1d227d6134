"""The pure parts of e-mail notifications: SMTP URLs, back-off, French text and safe HTML."""

from __future__ import annotations

import pytest

from service.mail.compose import Quote, compose
from service.mail.smtp import SmtpServer, build_message, parse_smtp_url
from service.mail.worker import MAX_RETRY_SECONDS, retry_delay


def test_smtp_urls_name_host_port_login_and_encryption() -> None:
    assert parse_smtp_url("smtp://127.0.0.1:2525") == SmtpServer("127.0.0.1", 2525)
    assert parse_smtp_url("smtp+starttls://ana%40ville.fr:p%C3%A2ss@mail.ville.fr:587") == (
        SmtpServer("mail.ville.fr", 587, "ana@ville.fr", "pâss", starttls=True)
    )
    assert parse_smtp_url("smtps://mail.ville.fr").port == 465
    for wrong in ("http://mail.ville.fr", "smtp://", "mail.ville.fr:25"):
        with pytest.raises(ValueError, match="PASSERELLE_SMTP_URL"):
            parse_smtp_url(wrong)


def test_retries_back_off_exponentially_up_to_a_ceiling() -> None:
    assert [retry_delay(60, n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(60, 40) == MAX_RETRY_SECONDS


def test_a_mail_has_french_text_and_the_same_in_escaped_html() -> None:
    mail = compose(
        "Nouvelle demande",
        "Chloé",
        ["Alice vous demande un accompagnement."],
        quotes=[Quote("Son message", "<script>alert(1)</script>\nÀ bientôt")],
        link="https://passerelle.example.fr/accompagnement/demandes",
        link_label="Voir la demande",
    )
    assert mail.text.startswith("Bonjour Chloé,")
    assert "> <script>alert(1)</script>\n> À bientôt" in mail.text
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert '<a href="https://passerelle.example.fr/accompagnement/demandes">' in mail.html
    assert 'lang="fr"' in mail.html
    message = build_message(
        sender="Passerelle <ne-pas-repondre@ville.fr>",
        to="chloe@ville.fr",
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        key="1:request:1:new",
    )
    assert message.get_content_type() == "multipart/alternative"
    assert message["Message-ID"].endswith("@ville.fr>")
    again = build_message(
        sender="Passerelle <ne-pas-repondre@ville.fr>",
        to="chloe@ville.fr",
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        key="1:request:1:new",
    )
    assert again["Message-ID"] == message["Message-ID"]  # a resend is recognisable
