"""Application errors and their mapping to HTTP, in one place.

Hierarchy::

    ServiceError
    ├── NotFoundError           404: unknown id, or a resource the caller may not know exists
    ├── PermissionDeniedError   403: authenticated but not allowed
    ├── AuthenticationError     401: missing, wrong, expired or revoked credentials
    ├── ConflictError           409: a uniqueness or state rule (capacity, version) refuses it
    └── InvalidInputError       422: well-formed JSON that breaks a rule; names the field(s)

Services raise these; controllers never build error responses themselves.
"""

from __future__ import annotations

import logging
import re
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


def database_unavailable_handler(_: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    """The database is unreachable: 503 with Retry-After, so clients come back later."""
    logger.warning("database unavailable: %s", type(exc).__name__)
    return Response(
        _body(HTTP_503_SERVICE_UNAVAILABLE, "The database is unavailable, try again shortly."),
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
        media_type=MediaType.JSON,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
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
    OperationalError: database_unavailable_handler,
    InterfaceError: database_unavailable_handler,
    OSError: database_unavailable_handler,
    Exception: unexpected_error_handler,
}
