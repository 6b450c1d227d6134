"""Browser tests: the real service (uvicorn, demo community) driven by Debian's Chromium.

Without `/usr/bin/chromium` the tests are skipped with a reason, except in CI (`CI` set) where
the missing browser is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live_server import bearer, live_server
from tests.smtp_server import SmtpServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}
DEMO_PASSWORD = "passerelle-demo"
DEMO_LOGINS = {
    "animator": "animatrice@demo.passerelle.fr",
    "coach": "coach@demo.passerelle.fr",
    "trainer": "formateur@demo.passerelle.fr",
    "member": "membre@demo.passerelle.fr",
}


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package in CI")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); browser tests skipped")


MAIL_BASE_URL = "http://passerelle.test"
"""`PASSERELLE_BASE_URL` of the browser tests' service: links in mails start with it."""


@pytest.fixture(scope="package")
def mailbox() -> Iterator[SmtpServer]:
    """The SMTP server (aiosmtpd on localhost) the browser tests' service sends its mails to."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def base_url(tmp_path_factory: pytest.TempPathFactory, mailbox: SmtpServer) -> Iterator[str]:
    """The service on a free loopback port, over a fresh SQLite file with the demo loaded,
    sending its e-mails to `mailbox`."""
    _require_chromium()
    mail = {
        "PASSERELLE_SMTP_URL": mailbox.url,
        "PASSERELLE_BASE_URL": MAIL_BASE_URL,
        "PASSERELLE_MAIL_POLL_SECONDS": "0.5",
        "PASSERELLE_MAIL_RETRY_SECONDS": "0.5",
    }
    with live_server(tmp_path_factory.mktemp("passerelle-e2e"), environ=mail) as live:
        yield live.url


@pytest.fixture(scope="package")
def browser(base_url: str) -> Iterator[Any]:
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any, base_url: str) -> Iterator[Any]:
    """A factory of pages in fresh contexts (desktop by default), closed after the test.

    Pages run under the service's Content-Security-Policy and any violation fails the test;
    `bypass_csp=True` is only for injecting axe-core.
    """
    contexts: list[Any] = []
    violations: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            violations.append(message.text)

    def make(viewport: dict[str, int] | None = None, bypass_csp: bool = False) -> Any:
        context = browser.new_context(
            base_url=base_url, viewport=viewport or DESKTOP, locale="fr-FR", bypass_csp=bypass_csp
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", on_console)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not violations, violations


def sign_in(page: Any, role: str) -> None:
    """Sign in through the form as the demo account of `role`."""
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(DEMO_LOGINS[role])
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("load")
    assert "/connexion" not in page.url, page.content()[:2000]


NEWCOMER_PASSWORD = "des-mots-bien-a-moi"
_newcomers = count(1)


@dataclass(frozen=True)
class Newcomer:
    """A member created for one test through the API (each test sets up what it needs)."""

    member_id: int
    email: str
    display_name: str
    headers: dict[str, str]


def newcomer(base_url: str, display_name: str, role: str = "member", **profile: Any) -> Newcomer:
    """A consenting member created by the demo animator, who set a password and signed in."""
    animator = bearer(base_url, DEMO_LOGINS["animator"], DEMO_PASSWORD)
    email = f"nouveau{next(_newcomers)}.{os.getpid()}@e2e.passerelle.fr"
    created = httpx.post(
        f"{base_url}/api/members",
        headers=animator,
        json={
            "email": email,
            "display_name": display_name,
            "role": role,
            "consent": True,
            **profile,
        },
    )
    created.raise_for_status()
    member_id = created.json()["id"]
    invitation = httpx.post(f"{base_url}/api/members/{member_id}/invitation", headers=animator)
    httpx.post(
        f"{base_url}/api/auth/invitation",
        json={"token": invitation.json()["token"], "password": NEWCOMER_PASSWORD},
    ).raise_for_status()
    return Newcomer(member_id, email, display_name, bearer(base_url, email, NEWCOMER_PASSWORD))


def member_id_of(base_url: str, email: str) -> int:
    """The id of a demo account."""
    response = httpx.get(f"{base_url}/api/me", headers=bearer(base_url, email, DEMO_PASSWORD))
    response.raise_for_status()
    return int(response.json()["id"])


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the current page."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under `artifacts/screenshots/`."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
