"""Every page, for every role, with the demo data, in the states a person meets: no horizontal
scrolling at 360 px, no table clipped at 1280 px, no raw reference value (« presentiel »,
« elus »…) on screen, and axe-core finds no serious or critical violation.

Key pages are photographed into docs/screenshots at 1280 and 360 px (small PNGs).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    PHONE,
    member_id_of,
    newcomer,
    serious_violations,
    sign_in,
)
from tests.live_server import bearer

DOCS = Path(__file__).parents[2] / "docs" / "screenshots"

PUBLIC = [
    "/connexion",
    "/premiere-connexion",
    "/communaute",
    "/mentions-legales",
    "/donnees-personnelles",
    "/accessibilite",
    "/nulle-part",
]
MEMBER = [
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
    "/accessibilite",
    "/animation/tableau-de-bord",  # refused: the French 403 page
]
PAGES: dict[str, list[str]] = {
    "anonyme": PUBLIC,
    "member": MEMBER,
    "coach": ["/accompagnement", "/accompagnement/demandes", "/bibliotheque/nouvelle", "/demandes"],
    "trainer": [
        "/formation/demande",
        "/formation/incubateur",
        "/formation/catalogue",
        "/formation/catalogue?format=presentiel",
        "/formation/catalogue/budget-participatif",
    ],
    "animator": [
        "/animation/tableau-de-bord",
        "/animation/membres",
        "/animation/besoins",
        "/animation/import",
        "/animation/cohorte",
        "/bibliotheque/import",
        "/nulle-part",
    ],
}
SCREENSHOTS = {
    ("member", "/demandes"): "membre-demandes",
    ("member", "/trouver-un-coach"): "membre-trouver-un-coach",
    ("trainer", "/formation/demande"): "formateur-demande-de-formation",
    ("animator", "/animation/membres"): "animation-membres",
    ("anonyme", "/accessibilite"): "accessibilite",
}
RAW_VALUES = re.compile(
    r"\b(presentiel|elus|regional|e_communautes|intercommunalite|"
    r"completed_early|completed_on_time|cancelled|info_requested|proposed|accepted|declined|"
    r"withdrawn|published|draft|archived|mentor|peer|animator|trainer|member)\b"
)
OVERFLOW = "document.documentElement.scrollWidth"
CLIPPED_TABLES = """() => [...document.querySelectorAll('.table-wrap')]
    .filter(w => w.scrollWidth > w.clientWidth + 1)
    .map(w => (w.querySelector('caption') || w).textContent.trim().slice(0, 60))"""


OTHER_COACH = "Thomas Le Gall"  # a demo coach the journeys do not use


def _other_coach_id(base_url: str) -> int:
    animator = bearer(base_url, DEMO_LOGINS["animator"], DEMO_PASSWORD)
    found = httpx.get(f"{base_url}/api/members", headers=animator, params={"q": OTHER_COACH})
    found.raise_for_status()
    return int(found.json()["items"][0]["id"])


@pytest.fixture(scope="module")
def pending_requests(base_url: str) -> None:
    """Rows in /demandes and in the demo coach's inbox, leaving the journeys' pairs untouched:
    the demo member asked another coach, a newcomer asked the demo coach."""
    member = bearer(base_url, DEMO_LOGINS["member"], DEMO_PASSWORD)
    sent = httpx.post(
        f"{base_url}/api/match-requests",
        headers=member,
        json={
            "mentee_id": member_id_of(base_url, DEMO_LOGINS["member"]),
            "coach_id": _other_coach_id(base_url),
            "message": "Bonjour !",
        },
    )
    assert sent.status_code in (201, 409), sent.text
    asker = newcomer(base_url, "Camille Nouvelle", region="Bretagne")
    received = httpx.post(
        f"{base_url}/api/match-requests",
        headers=asker.headers,
        json={
            "mentee_id": asker.member_id,
            "coach_id": member_id_of(base_url, DEMO_LOGINS["coach"]),
            "message": "Bonjour, pouvez-vous m'aider ?",
        },
    )
    assert received.status_code in (201, 409), received.text


def _visible_text(page: Any) -> str:
    return str(page.evaluate("document.querySelector('main').innerText"))


def _shoot(page: Any, name: str) -> None:
    """The viewport (small PNGs), scrolled to the first chart or table when there is one."""
    DOCS.mkdir(parents=True, exist_ok=True)
    target = page.locator("main .figure, main .table-wrap, main .results")
    if target.count():
        target.first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=False)


@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_fits_a_phone_speaks_french_and_passes_axe(
    new_page: Any, role: str, pending_requests: None
) -> None:
    page = new_page(PHONE, bypass_csp=True)
    if role != "anonyme":
        sign_in(page, role)
    problems: dict[str, Any] = {}
    for path in PAGES[role]:
        page.goto(path)
        width = page.evaluate(OVERFLOW)
        raw = RAW_VALUES.findall(_visible_text(page))
        axe = serious_violations(page)
        if width > PHONE["width"] or raw or axe:
            problems[path] = {"width": width, "raw": raw, "axe": axe}
        name = SCREENSHOTS.get((role, path))
        if name:
            _shoot(page, f"{name}-360px")
    assert not problems, problems


@pytest.mark.parametrize("role", ["member", "coach", "trainer", "animator"])
def test_no_table_is_clipped_on_a_desktop_screen(
    new_page: Any, role: str, pending_requests: None
) -> None:
    page = new_page()
    sign_in(page, role)
    clipped: dict[str, Any] = {}
    for path in PAGES[role]:
        page.goto(path)
        found = page.evaluate(CLIPPED_TABLES)
        if found:
            clipped[path] = found
        name = SCREENSHOTS.get((role, path))
        if name:
            _shoot(page, name)
    assert not clipped, clipped


def test_a_form_in_error_and_the_error_pages_fit_a_phone(new_page: Any) -> None:
    page = new_page(PHONE)
    page.goto("/nulle-part")
    assert page.locator("h1").inner_text() == "Page introuvable"
    assert page.locator("footer").get_by_role("link", name="Mentions légales").is_visible()
    sign_in(page, "member")
    page.get_by_label("Département (numéro)").fill("999")
    page.get_by_role("button", name=re.compile("Enregistrer")).first.click()
    error = page.locator("#erreur-department").inner_text()
    assert "numéro de département" in error and "regex" not in page.content()
    assert page.evaluate(OVERFLOW) <= PHONE["width"]
    response = page.goto("/animation/tableau-de-bord")
    assert response is not None and response.status == 403
    assert "réservée aux animatrices et animateurs" in _visible_text(page)
    assert page.evaluate(OVERFLOW) <= PHONE["width"]
