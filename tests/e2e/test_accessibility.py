"""Every main page: axe-core finds no serious or critical violation; 360 px without overflow.

Screenshots of every page (desktop and phone) go to `artifacts/screenshots/`.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import PHONE, screenshot, serious_violations, sign_in

PAGES: dict[str, list[str]] = {
    "anonyme": ["/connexion", "/premiere-connexion", "/communaute"],
    "member": [
        "/profil",
        "/questionnaire",
        "/trouver-un-coach",
        "/trouver-un-pair",
        "/demandes",
        "/formations",
        "/bibliotheque",
        "/bibliotheque?q=animation",
        "/bibliotheque/fiche/1",
        "/bibliotheque/fiche/1/modifier",
        "/communaute",
    ],
    "coach": ["/accompagnement", "/accompagnement/demandes", "/bibliotheque/nouvelle"],
    "trainer": [
        "/formation/demande",
        "/formation/incubateur",
        "/formation/catalogue",
        "/formation/catalogue/budget-participatif",
    ],
    "animator": [
        "/animation/tableau-de-bord",
        "/animation/membres",
        "/animation/import",
        "/animation/cohorte",
        "/bibliotheque/import",
    ],
}


def _name(role: str, path: str) -> str:
    cleaned = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-")
    return f"{role}-{cleaned or 'accueil'}"


@pytest.mark.parametrize("role", list(PAGES))
def test_pages_have_no_serious_accessibility_violation(new_page: Any, role: str) -> None:
    page = new_page(bypass_csp=True)
    if role != "anonyme":
        sign_in(page, role)
    problems: dict[str, Any] = {}
    for path in PAGES[role]:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert page.title().endswith("— Passerelle")
        found = serious_violations(page)
        if found:
            problems[path] = found
        screenshot(page, _name(role, path))
    assert not problems, problems


@pytest.mark.parametrize("role", ["member", "coach", "trainer", "animator"])
def test_pages_fit_a_360_pixel_screen(new_page: Any, role: str) -> None:
    page = new_page(PHONE)
    sign_in(page, role)
    for path in PAGES[role]:
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, (path, overflow)
        screenshot(page, _name(role, path) + "-360px")


def test_the_skip_link_comes_first_and_focus_is_visible(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "member")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
