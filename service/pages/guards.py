"""Who may open which page, and how refusals look in a browser.

Guards reuse the API's rules (`requires_role`); the exception handlers below turn the
service errors into pages: anonymous visitors are sent to the sign-in page, others get a
French 403 or 404 page instead of the API's JSON.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from matching.errors import MatchingError
from matching.profiles import COACH_ROLES
from service.accounts.guards import Guard, principal_of, requires_role
from service.accounts.principal import Principal
from service.errors import AuthenticationError, ServiceError, answer_for, logger
from service.pages.layout import french, render

TRAINER_ROLES = ("trainer", "animator")

signed_in: Guard = requires_role("member", "coach", "trainer", "animator")
coach_only: Guard = requires_role(*COACH_ROLES)
trainer_only: Guard = requires_role(*TRAINER_ROLES)
animator_only: Guard = requires_role("animator")


def principal(request: Request[Any, Any, Any]) -> Principal:
    """The signed-in person (the guards already refused anonymous visitors)."""
    return principal_of(request)


def _titles(status_code: int) -> str:
    return {
        403: "Accès refusé",
        404: "Page introuvable",
        409: "Action impossible",
        422: "Saisie refusée",
        503: "Service momentanément indisponible",
        507: "Stockage plein",
    }.get(status_code, "Une erreur est survenue")


def service_error_page(request: Request[Any, Any, Any], exc: ServiceError) -> Response[Any]:
    """Sign-in for anonymous visitors; a French error page otherwise."""
    if isinstance(exc, AuthenticationError):
        target = request.url.path
        if request.method == "GET" and request.url.query:
            target += f"?{request.url.query}"
        return Redirect(
            path=f"/connexion?{urlencode({'suivant': target})}", status_code=HTTP_303_SEE_OTHER
        )
    return render(
        request,
        "error.html",
        status_code=exc.status_code,
        title=_titles(exc.status_code),
        message=french(exc.detail, type(exc)),
    )


def http_error_page(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Framework errors (CSRF refusal, bad parameters, unknown page) as a French page."""
    status = exc.status_code
    message = {
        403: "La requête a été refusée (jeton de sécurité absent ou expiré) : "
        "rechargez la page et recommencez.",
        404: "Cette page n'existe pas.",
        405: "Cette action n'est pas possible sur cette page.",
    }.get(status, "La requête n'est pas valide.")
    return render(request, "error.html", status_code=status, title=_titles(status), message=message)


def infrastructure_error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Database, storage and matching-engine failures as a French page (never JSON)."""
    answer = answer_for(exc)
    if isinstance(exc, IntegrityError):
        status, message, headers = 409, "Cette action entre en conflit avec des données.", None
    elif answer is None:
        logger.exception("unexpected error on a page")
        status, message, headers = 500, "Une erreur inattendue est survenue.", None
    else:
        status, message, headers = answer.status_code, answer.detail, answer.headers
    page = render(request, "error.html", status_code=status, title=_titles(status), message=message)
    if headers:
        page.headers.update(headers)
    return page


def is_page(request: Request[Any, Any, Any]) -> bool:
    """True for browser pages (everything but the API and the OpenAPI document)."""
    return not request.url.path.startswith(("/api/", "/schema"))


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """True when an error should be a French HTML page: a browser (`Accept: text/html`) or any
    client but one asking for JSON, outside the API and the OpenAPI document."""
    if not is_page(request):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "json" not in accept


def unexpected_error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Any other failure: a French page (logged with its traceback, details never shown);
    framework errors (unknown page, wrong method) keep their own status."""
    if isinstance(exc, HTTPException):
        return http_error_page(request, exc)
    return infrastructure_error_page(request, exc)


PAGE_EXCEPTION_HANDLERS: dict[type[Exception], Any] = {
    ServiceError: service_error_page,
    ValidationException: http_error_page,
    HTTPException: http_error_page,
    StaleDataError: infrastructure_error_page,
    MatchingError: infrastructure_error_page,
    DBAPIError: infrastructure_error_page,
    OSError: infrastructure_error_page,
}

__all__ = [
    "PAGE_EXCEPTION_HANDLERS",
    "animator_only",
    "coach_only",
    "infrastructure_error_page",
    "is_page",
    "principal",
    "signed_in",
    "trainer_only",
    "unexpected_error_page",
    "wants_page",
]
