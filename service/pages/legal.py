"""Public information pages linked from every footer: legal notice, personal data, accessibility.

Open to everyone, signed in or not. The accessibility statement gives the RGAA status the
service can honestly claim (`ACCESSIBILITY_STATUS`), the date it was established and what is
known not to conform.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get
from litestar.response import Template

from service.pages.layout import render

ACCESSIBILITY_STATUS = "partiellement conforme"
"""One of the three RGAA statuses: « non conforme », « partiellement conforme », « totalement
conforme ». No full RGAA audit has been made: « partiellement conforme » is the honest one."""

STATEMENT_DATE = date(2026, 11, 30)


@get("/mentions-legales", include_in_schema=False)
async def legal_notice(request: Request[Any, Any, Any]) -> Template:
    """Who publishes the service, who hosts it, the licences of its contents."""
    return render(request, "legal/notice.html", title="Mentions légales")


@get("/donnees-personnelles", include_in_schema=False)
async def personal_data(request: Request[Any, Any, Any]) -> Template:
    """What personal data the service keeps, why, for how long, and each person's rights."""
    return render(request, "legal/personal_data.html", title="Données personnelles")


@get("/accessibilite", include_in_schema=False)
async def accessibility(request: Request[Any, Any, Any]) -> Template:
    """The accessibility statement (RGAA 4.1)."""
    return render(
        request,
        "legal/accessibility.html",
        title="Déclaration d'accessibilité",
        status=ACCESSIBILITY_STATUS,
        statement_date=STATEMENT_DATE,
    )


LEGAL_HANDLERS = [legal_notice, personal_data, accessibility]

__all__ = ["ACCESSIBILITY_STATUS", "LEGAL_HANDLERS"]
