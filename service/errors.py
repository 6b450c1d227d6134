"""Application errors and their mapping to HTTP, in one place.

Hierarchy::

    ServiceError
    ├── NotFoundError           404: unknown id, or a resource the caller may not know exists
    ├── PermissionDeniedError   403: authenticated but not allowed
    ├── AuthenticationError     401: missing, wrong, expired or revoked credentials
    ├── ConflictError           409: a uniqueness or state rule (capacity, version) refuses it
    └── InvalidInputError       422: well-formed JSON that breaks a rule; names the field(s)

Services raise these; controllers never build error responses themselves. Errors of the lower
layers and of the infrastructure are mapped here too (`answer_for`), for the API (JSON) and for
the pages (a French page, `service.pages.guards`):

    matching.errors.UnknownMemberError   404  the member is not in the matching index
    matching.errors.InvalidInputError    422  parameters the engine refuses
    matching.errors.NotFittedError       503  the index is being built (Retry-After)
    matching.errors.MatchingError        503  any other engine failure (logged)
    StaleDataError                       409  a profile saved by someone else meanwhile
    storage full (SQLite SQLITE_FULL, PostgreSQL 53100, OSError ENOSPC/EDQUOT)
                                         507  Insufficient Storage (logged as an error)
    read-only database (SQLITE_READONLY, PostgreSQL 25006, OSError EROFS)
                                         503  with Retry-After, says it is read-only (logged)
    database unreachable (OperationalError, InterfaceError, connection OSError)
                                         503  with Retry-After
    any other OSError or exception       500  logged with its traceback, never shown
"""

from __future__ import annotations

import errno
import logging
import re
import socket
import sqlite3
from dataclasses import dataclass
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.orm.exc import StaleDataError

from matching import errors as matching_errors

logger = logging.getLogger("passerelle")

RETRY_AFTER_SECONDS = 5


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""

    status_code = HTTP_500_INTERNAL_SERVER_ERROR

    def __init__(self, detail: str, extra: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFoundError(ServiceError):
    """Raised for an unknown id, or one the caller is not allowed to know exists."""

    status_code = HTTP_404_NOT_FOUND


class PermissionDeniedError(ServiceError):
    """Raised when an authenticated caller may not do this."""

    status_code = HTTP_403_FORBIDDEN


class AuthenticationError(ServiceError):
    """Raised when credentials are missing, wrong, expired or revoked."""

    status_code = HTTP_401_UNAUTHORIZED


class ConflictError(ServiceError):
    """Raised when the request collides with the current state (duplicate, capacity, version)."""

    status_code = HTTP_409_CONFLICT


class InvalidInputError(ServiceError):
    """Raised when a well-formed request breaks a rule; `extra` names the fields."""

    status_code = HTTP_422_UNPROCESSABLE_ENTITY

    @classmethod
    def for_field(cls, field: str, message: str) -> InvalidInputError:
        """An error about a single field."""
        return cls(f"Invalid value for '{field}': {message}", [{"key": field, "message": message}])


def _body(status_code: int, detail: str, extra: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status_code": status_code, "detail": detail}
    if extra:
        body["extra"] = extra
    return body


def service_error_handler(_: Request[Any, Any, Any], exc: ServiceError) -> Response[Any]:
    """Map a `ServiceError` to its status code with `detail` and, for fields, `extra`."""
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationError) else None
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers = {"Retry-After": str(retry_after)}
    return Response(
        _body(exc.status_code, exc.detail, exc.extra),
        status_code=exc.status_code,
        media_type=MediaType.JSON,
        headers=headers,
    )


def integrity_error_handler(_: Request[Any, Any, Any], exc: IntegrityError) -> Response[Any]:
    """A uniqueness or foreign-key violation that slipped past the services: 409, no SQL shown."""
    logger.info("integrity error: %s", type(exc.orig).__name__)
    return Response(
        _body(HTTP_409_CONFLICT, "The request conflicts with existing data."),
        status_code=HTTP_409_CONFLICT,
        media_type=MediaType.JSON,
    )


def too_deep_handler(_: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """A body nested too deeply to decode (hostile input): 400."""
    return Response(
        _body(400, "The request body is nested too deeply."),
        status_code=400,
        media_type=MediaType.JSON,
    )


def data_error_handler(_: Request[Any, Any, Any], exc: DataError) -> Response[Any]:
    """A value the database refuses (a character or a number out of its range): 422."""
    logger.info("data error: %s", type(exc.orig).__name__)
    return Response(
        _body(HTTP_422_UNPROCESSABLE_ENTITY, "A value is not acceptable for storage."),
        status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        media_type=MediaType.JSON,
    )


HTTP_507_INSUFFICIENT_STORAGE = 507
READ_ONLY_RETRY_AFTER_SECONDS = 60

UNAVAILABLE = "La base de données est injoignable : réessayez dans quelques secondes."
READ_ONLY = (
    "La base de données est en lecture seule : les modifications sont impossibles pour le "
    "moment. Réessayez plus tard."
)
STORAGE_FULL = (
    "Le stockage du serveur est plein : rien n'a été enregistré. Réessayer ne servira à rien "
    "tant que de la place n'a pas été libérée ; prévenez les responsables du service."
)
INDEX_BUILDING = "L'index de mise en relation se construit : réessayez dans quelques secondes."
ENGINE_FAILED = "Le moteur de mise en relation n'a pas pu répondre : réessayez dans un moment."
NOT_IN_INDEX = (
    "Ce membre n'est pas dans l'index de mise en relation (inconnu, effacé ou sans consentement)."
)
STALE = "Le profil a changé entre-temps : rechargez-le et refaites votre modification."

_CONNECTION_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
    errno.EPIPE,
}
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


@dataclass(frozen=True, slots=True)
class ErrorAnswer:
    """What a failure becomes for the client: status, French detail, headers."""

    status_code: int
    detail: str
    extra: Any = None
    retry_after: int | None = None

    @property
    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else None


def _sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE of a driver error, wherever the driver put it."""
    for candidate in (exc, getattr(exc, "orig", None), getattr(exc, "__cause__", None)):
        if candidate is None:
            continue
        for name in ("sqlstate", "pgcode"):
            value = getattr(candidate, name, None)
            if isinstance(value, str):
                return value
        cause = getattr(candidate, "__cause__", None)
        value = getattr(cause, "sqlstate", None)
        if isinstance(value, str):
            return value
    return None


def _sqlite_code(exc: BaseException) -> int | None:
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None)
    return int(code) & 0xFF if isinstance(code, int) else None


def _storage_problem(exc: BaseException) -> str | None:
    """`full` or `read-only` when the failure says so, else None."""
    if isinstance(exc, OSError):
        if exc.errno in _FULL_ERRNOS:
            return "full"
        if exc.errno == errno.EROFS:
            return "read-only"
        return None
    sqlstate = _sqlstate(exc)
    if sqlstate == "53100" or _sqlite_code(exc) == sqlite3.SQLITE_FULL:
        return "full"
    if sqlstate == "25006" or _sqlite_code(exc) == sqlite3.SQLITE_READONLY:
        return "read-only"
    text = str(getattr(exc, "orig", exc)).lower()
    if "disk is full" in text or "no space left" in text:
        return "full"
    if "readonly database" in text or "read-only transaction" in text:
        return "read-only"
    return None


def _is_connection_failure(exc: OSError) -> bool:
    if isinstance(exc, ConnectionError | TimeoutError | socket.gaierror):
        return True
    if exc.errno in _CONNECTION_ERRNOS:
        return True
    text = str(exc)
    return exc.errno is None and ("Connect call failed" in text or "Multiple exceptions" in text)


def answer_for(exc: BaseException) -> ErrorAnswer | None:
    """The answer for a failure of storage or of the matching engine; None for anything else."""
    if isinstance(exc, StaleDataError):
        return ErrorAnswer(HTTP_409_CONFLICT, STALE, [{"key": "version", "message": STALE}])
    if isinstance(exc, matching_errors.MatchingError):
        if isinstance(exc, matching_errors.UnknownMemberError):
            return ErrorAnswer(HTTP_404_NOT_FOUND, NOT_IN_INDEX)
        if isinstance(exc, matching_errors.InvalidInputError):
            message = f"Paramètres refusés par le moteur de mise en relation : {exc}"
            return ErrorAnswer(HTTP_422_UNPROCESSABLE_ENTITY, message)
        if isinstance(exc, matching_errors.NotFittedError):
            return ErrorAnswer(HTTP_503_SERVICE_UNAVAILABLE, INDEX_BUILDING, None, 5)
        logger.error("matching engine failure: %s", type(exc).__name__, exc_info=exc)
        return ErrorAnswer(HTTP_503_SERVICE_UNAVAILABLE, ENGINE_FAILED, None, RETRY_AFTER_SECONDS)
    if isinstance(exc, DBAPIError | OSError):
        problem = _storage_problem(exc)
        if problem == "full":
            logger.error("storage full: %s: %s", type(exc).__name__, getattr(exc, "orig", exc))
            return ErrorAnswer(HTTP_507_INSUFFICIENT_STORAGE, STORAGE_FULL)
        if problem == "read-only":
            logger.error("storage read-only: %s", type(exc).__name__)
            return ErrorAnswer(
                HTTP_503_SERVICE_UNAVAILABLE, READ_ONLY, None, READ_ONLY_RETRY_AFTER_SECONDS
            )
        unavailable = (
            isinstance(exc, OperationalError | InterfaceError)
            if isinstance(exc, DBAPIError)
            else _is_connection_failure(exc)
        )
        if unavailable:
            logger.warning("database unavailable: %s", type(exc).__name__)
            return ErrorAnswer(HTTP_503_SERVICE_UNAVAILABLE, UNAVAILABLE, None, RETRY_AFTER_SECONDS)
    return None


def infrastructure_error_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Storage, database and matching-engine failures (see `answer_for`) as JSON."""
    answer = answer_for(exc)
    if answer is None:
        return unexpected_error_handler(_, exc)
    return Response(
        _body(answer.status_code, answer.detail, answer.extra),
        status_code=answer.status_code,
        media_type=MediaType.JSON,
        headers=answer.headers,
    )


def unexpected_error_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Anything else: logged with its traceback server-side, never shown to the client."""
    if isinstance(exc, HTTPException):
        return Response(
            _body(exc.status_code, exc.detail, exc.extra),
            status_code=exc.status_code,
            media_type=MediaType.JSON,
            headers=exc.headers,
        )
    logger.exception("unexpected error")
    return Response(
        _body(HTTP_500_INTERNAL_SERVER_ERROR, "Internal Server Error"),
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
        media_type=MediaType.JSON,
    )


_FIELD_PREFIX = re.compile(r"^(?P<field>[a-z_]+): (?P<message>.+)$", re.S)
_NAMED_IN_MESSAGE = re.compile(
    r"Object (?:contains unknown|missing required) field `(?P<field>[^`]+)`"
)


def field_of_message(message: str) -> tuple[str | None, str]:
    """The field a validation message is about when the message names it, and the message.

    Cross-field checks raise `field: message`; msgspec names unknown and missing fields.
    """
    prefixed = _FIELD_PREFIX.match(message)
    if prefixed:
        return prefixed.group("field"), prefixed.group("message")
    named = _NAMED_IN_MESSAGE.search(message)
    return (named.group("field") if named else None), message


def _name_field(item: Any) -> Any:
    """Errors reported at the body's root get the field their message names."""
    if isinstance(item, dict) and item.get("key") in (None, "data"):
        field, message = field_of_message(str(item.get("message", "")))
        if field is not None:
            return {**item, "key": field, "message": message}
    return item


def validation_error_handler(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Litestar's body/parameter validation errors (400), each naming its field."""
    extra = [_name_field(item) for item in exc.extra] if isinstance(exc.extra, list) else exc.extra
    return Response(
        _body(exc.status_code, exc.detail, extra),
        status_code=exc.status_code,
        media_type=MediaType.JSON,
    )


EXCEPTION_HANDLERS: dict[type[Exception], Any] = {
    ServiceError: service_error_handler,
    ValidationException: validation_error_handler,
    IntegrityError: integrity_error_handler,
    DataError: data_error_handler,
    RecursionError: too_deep_handler,
    StaleDataError: infrastructure_error_handler,
    matching_errors.MatchingError: infrastructure_error_handler,
    DBAPIError: infrastructure_error_handler,
    OSError: infrastructure_error_handler,
    Exception: unexpected_error_handler,
}
