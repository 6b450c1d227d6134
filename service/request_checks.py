"""Checks every request goes through before its parameters are parsed (one place, app-wide).

- No control character (NUL included) in any query or path parameter: PostgreSQL text cannot
  hold NUL, and nothing a person types needs one. 400 naming the parameter.
- No NUL in any string of a JSON body, whatever the schema says (400 naming the field).
- JSON bodies are decoded strictly against the handler's schema: `{"capacity": "3"}`,
  `{"paused": "false"}`, `{"consent": 1}` or `{"dry_run": 0}` are 400 naming the field (Litestar
  itself converts bodies leniently, so that "3" would become 3).
- `OPTIONS` answers 204 with `Allow` listing every method of the path (Litestar's automatic
  handler lists only the methods known when it was created).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import msgspec
from litestar import Litestar, Request, Response
from litestar.exceptions import ValidationException
from litestar.status_codes import HTTP_204_NO_CONTENT

_AT_PATH = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}


def _has_control(value: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in value)


def _refuse_control_characters(request: Request[Any, Any, Any]) -> None:
    params = [("query", key, value) for key, value in request.query_params.multi_items()]
    params += [
        ("path", key, value) for key, value in request.path_params.items() if isinstance(value, str)
    ]
    for source, key, value in params:
        if _has_control(key) or _has_control(str(value)):
            message = "caractère de contrôle interdit (NUL, retour chariot, tabulation…)"
            raise ValidationException(
                detail=f"Paramètre '{key}' refusé : {message}.",
                extra=[{"key": key, "message": message, "source": source}],
            )


def _nul_path(value: Any, path: str = "") -> str | None:
    """Where a NUL character sits in decoded JSON (`field`, `rows[2].email`), or None."""
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                return f"{path}.{key}".lstrip(".")
            found = _nul_path(item, f"{path}.{key}".lstrip("."))
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}[{index}]")
            if found:
                return found
    return None


def _refuse_nul_in_json(body: bytes) -> None:
    if b"\\u0000" not in body:  # JSON can only carry NUL escaped
        return
    try:
        decoded = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return
    key = _nul_path(decoded)
    if key is not None:
        message = "caractère NUL interdit"
        raise ValidationException(
            detail=f"Champ '{key}' refusé : {message}.",
            extra=[{"key": key, "message": message, "source": "body"}],
        )


async def _decode_body_strictly(request: Request[Any, Any, Any]) -> None:
    if request.method not in _BODY_METHODS:
        return
    if request.headers.get("content-type", "").startswith("application/json"):
        _refuse_nul_in_json(await request.body())
    field = request.route_handler.parsed_fn_signature.parameters.get("data")
    if field is None:
        return
    body = await request.body()
    if not body.strip() and field.is_optional:
        return
    try:
        msgspec.json.decode(body, type=field.annotation, strict=True)
    except msgspec.ValidationError as exc:
        text = str(exc)
        at = _AT_PATH.search(text)
        message = text[: at.start()] if at else text
        key = at.group("path") if at and at.group("path") else None
        raise ValidationException(
            detail=f"Validation failed for {request.method} {request.url.path}",
            extra=[{"message": message, "key": key, "source": "body"}],
        ) from None
    except msgspec.DecodeError:
        return  # malformed JSON: Litestar answers its own 400


def route_methods(app: Litestar) -> dict[int, str]:
    """For each automatic OPTIONS handler, the `Allow` value of its path (every method)."""
    allowed: dict[int, str] = {}
    for route in app.routes:
        methods = sorted(getattr(route, "methods", ()))
        for handler in getattr(route, "route_handlers", ()):
            if "OPTIONS" in handler.http_methods:
                allowed[id(handler)] = ", ".join(methods)
    return allowed


async def check_request(request: Request[Any, Any, Any]) -> Response[None] | None:
    """App-wide `before_request`: refuse control characters and loosely typed JSON; answer
    OPTIONS with every method of the path."""
    if request.method == "OPTIONS":
        allow = request.app.state.allowed_methods.get(id(request.route_handler))
        if allow:
            return Response(None, status_code=HTTP_204_NO_CONTENT, headers={"Allow": allow})
        return None
    _refuse_control_characters(request)
    await _decode_body_strictly(request)
    return None


__all__ = ["check_request", "route_methods"]
