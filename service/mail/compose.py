"""French e-mails: one subject, a plain-text body and the same text as simple HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

SIGNATURE = "L'équipe d'animation de Passerelle"
FOOTER = (
    "Vous recevez cet e-mail parce que vous êtes membre de Passerelle. Pour ne plus recevoir "
    "de notifications, décochez « Recevoir les notifications par e-mail » sur votre profil."
)


MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def date_fr(value: datetime) -> str:
    """`30 novembre 2026`."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


@dataclass(frozen=True, slots=True)
class Mail:
    """A composed e-mail, ready to queue."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class Quote:
    """A text the recipient should read as written (a message, a question), with its label."""

    label: str
    text: str


def compose(
    subject: str,
    greeting_name: str,
    paragraphs: list[str],
    *,
    link: str,
    link_label: str,
    quotes: list[Quote] | None = None,
    footer: str = FOOTER,
) -> Mail:
    """A mail saying `paragraphs` (plain sentences), the quoted texts, then the link."""
    quotes = [quote for quote in quotes or [] if quote.text.strip()]
    text_parts = [f"Bonjour {greeting_name},", *paragraphs]
    text_parts += [
        f"{quote.label} :\n> " + quote.text.strip().replace("\n", "\n> ") for quote in quotes
    ]
    text_parts += [f"{link_label} : {link}", f"{SIGNATURE}\n\n--\n{footer}"]
    html_parts = [f"<p>Bonjour {escape(greeting_name)},</p>"]
    html_parts += [f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs]
    html_parts += [
        f"<p><strong>{escape(quote.label)} :</strong></p>"
        f"<blockquote>{escape(quote.text.strip()).replace(chr(10), '<br>')}</blockquote>"
        for quote in quotes
    ]
    html_parts += [
        f'<p><a href="{escape(link, quote=True)}">{escape(link_label)}</a></p>',
        f"<p>{escape(SIGNATURE)}</p>",
        f'<hr><p style="color:#666;font-size:small">{escape(footer)}</p>',
    ]
    html = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>"
        f'<body style="font-family:sans-serif;line-height:1.5">{"".join(html_parts)}</body></html>'
    )
    return Mail(subject=subject, text="\n\n".join(text_parts) + "\n", html=html)
