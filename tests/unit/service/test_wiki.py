"""Reading wiki pages: durations, audiences, clean text out of wiki markup, Markdown steps."""

from __future__ import annotations

import pytest

from service.practices.markdown_pages import markdown_page
from service.practices.mediawiki import clean_wikitext, wiki_page
from service.practices.wiki import parse_export
from service.practices.wiki_fields import parse_audience, parse_duration


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90", 90), ("90 minutes", 90), ("45 min", 45), ("1 h 30", 90), ("1h30", 90),
     ("2 heures", 120), ("1,5 h", 90), ("une demi-journée", 210), ("environ 20 min", 20),
     ("une bonne matinée", None), ("", None)],
)  # fmt: skip
def test_durations_are_read_in_minutes(text: str, minutes: int | None) -> None:
    assert parse_duration(text) == minutes


def test_audiences_are_read_from_french_words() -> None:
    assert parse_audience("Agents, managers et élus") == ["agents", "managers", "elus"]
    assert parse_audience(["DGS"]) == ["direction"]
    assert parse_audience("citoyens") is None


def test_wiki_markup_becomes_clean_text() -> None:
    text = clean_wikitext(
        "Le '''world café''' ([[Intelligence collective|intelligence collective]]) {{à compléter}}"
        "<ref>Brown</ref> [[Fichier:a.jpg|thumb|Légende]] [[Catégorie:Outils]] __NOTOC__ "
        "<!-- note --> [https://example.org le site]"
    )
    assert text == "Le world café (intelligence collective) le site"


def test_a_page_without_infobox_takes_steps_from_its_list() -> None:
    page = wiki_page("Brise-glace", "Pour commencer.\n== Étapes ==\n* Un\n* Deux\n** détail")
    assert page.error is None
    assert page.values["steps"] == ["Un", "Deux — détail"]
    assert page.values["summary"] == "Pour commencer."


def test_markdown_headings_become_steps_and_front_matter_fields() -> None:
    page = markdown_page(
        "a.md", "---\nduree: 1 h\n---\n# Titre\n\nIntro.\n\n## Un\n\nA.\n\n## Deux\n"
    )
    assert page.error is None
    assert page.title == "Titre"
    assert page.values["duration_minutes"] == 60
    assert page.values["steps"] == ["Un : A.", "Deux"]


def test_something_else_than_an_export_is_refused() -> None:
    with pytest.raises(ValueError, match="format inconnu"):
        parse_export(b"%PDF-1.4")
