"""Complete the generated OpenAPI document: error answers, exact bounds, closed bodies.

Litestar documents the 400 of body and parameter validation; the errors raised by services
(401, 403, 404, 409, 422, 429, 503, 507) share one shape, `{"status_code", "detail", "extra"?}`,
declared here once as the `Error` component and referenced from every `/api` operation.

`precise_schemas` makes what Litestar approximates exact: integer bounds are written as
integers (2**63 - 1, not the float 9.223372036854776e+18, which is 2**63), and the bodies that
refuse unknown fields (msgspec `forbid_unknown_fields`) say `additionalProperties: false`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
from litestar import Litestar
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIResponse,
    Reference,
    RequestBody,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIType

ERROR_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["status_code", "detail"],
    properties={
        "status_code": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "extra": Schema(
            type=[OpenAPIType.ARRAY, OpenAPIType.OBJECT, OpenAPIType.NULL],
            description="For field errors: [{key, message}] (imports: {index, field, message})",
        ),
    },
    description="An error: the status, a readable message, and the fields at fault.",
)
ERRORS = {
    "401": "Missing, wrong, expired or revoked credentials",
    "403": "Not allowed for this caller",
    "404": "Unknown id, or one the caller may not see",
    "409": "Conflicts with the current state (duplicate, capacity, stale version)",
    "413": "Request body too large",
    "422": "Well-formed data that breaks a rule; `extra` names the fields",
    "429": "Too many failed sign-in attempts (see Retry-After)",
    "503": "The database is unavailable or read-only, or the matching index is being built "
    "(see Retry-After)",
    "507": "The server's storage is full: nothing was written",
}
PUBLIC_ERRORS = ("409", "413", "422", "429", "503", "507")


def document_errors(app: Litestar) -> None:
    """Add the shared error responses to every `/api` operation of `app`'s OpenAPI document."""
    document = app.openapi_schema
    document.components = document.components or Components()
    schemas = dict(document.components.schemas or {})
    schemas["Error"] = ERROR_SCHEMA
    document.components.schemas = schemas
    reference = Reference(ref="#/components/schemas/Error")
    for path, item in (document.paths or {}).items():
        if not path.startswith("/api/"):
            continue
        public = path in ("/api/health", "/api/auth/register", "/api/auth/token") or path.endswith(
            "/auth/invitation"
        )
        for method in ("get", "post", "put", "patch", "delete"):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            responses = dict(operation.responses or {})
            for status, description in ERRORS.items():
                if public and status not in PUBLIC_ERRORS and status != "401":
                    continue
                responses.setdefault(
                    status,
                    OpenAPIResponse(
                        description=description,
                        content={"application/json": OpenAPIMediaType(schema=reference)},
                    ),
                )
            operation.responses = responses


FORM_EXPORT_BODY = RequestBody(
    required=True,
    description="A form export: a CSV file upload (with an optional mapping YAML), a raw CSV "
    "body, or JSON rows.",
    content={
        "multipart/form-data": OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.OBJECT,
                required=["file"],
                properties={
                    "file": Schema(type=OpenAPIType.STRING, format="binary"),
                    "mapping": Schema(type=OpenAPIType.STRING, format="binary"),
                },
            )
        ),
        "text/csv": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
        "application/json": OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.OBJECT,
                required=["rows"],
                properties={
                    "rows": Schema(
                        type=OpenAPIType.ARRAY,
                        items=Schema(
                            type=OpenAPIType.OBJECT,
                            required=["email"],
                            properties={
                                "email": Schema(type=OpenAPIType.STRING),
                                "display_name": Schema(type=OpenAPIType.STRING),
                                "organization": Schema(type=OpenAPIType.STRING),
                                "job_title": Schema(type=OpenAPIType.STRING),
                                "consent": Schema(type=OpenAPIType.BOOLEAN),
                                "answers": Schema(type=OpenAPIType.OBJECT),
                            },
                        ),
                    )
                },
            )
        ),
    },
)


WIKI_EXPORT_BODY = RequestBody(
    required=True,
    description="A MediaWiki XML export, or a zip of Markdown files with YAML front matter.",
    content={
        "multipart/form-data": OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.OBJECT,
                required=["file"],
                properties={"file": Schema(type=OpenAPIType.STRING, format="binary")},
            )
        ),
        "application/xml": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
        "application/zip": OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.STRING, format="binary")
        ),
    },
)


def document_raw_bodies(app: Litestar) -> None:
    """Describe the bodies of handlers that read the raw request (several content types)."""
    item = (app.openapi_schema.paths or {}).get("/api/import/responses")
    if item is not None and item.post is not None and item.post.request_body is None:
        item.post.request_body = FORM_EXPORT_BODY
    item = (app.openapi_schema.paths or {}).get("/api/import/practices")
    if item is not None and item.post is not None and item.post.request_body is None:
        item.post.request_body = WIKI_EXPORT_BODY


_EXACT_INTEGERS = {float(2**63 - 1): 2**63 - 1, float(2**31 - 1): 2**31 - 1}


def _schemas(value: Any) -> Iterator[Schema]:
    """Every `Schema` reachable from `value` (operations, parameters, components)."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if id(item) in seen or item is None or isinstance(item, str | int | float | bool):
            continue
        seen.add(id(item))
        if isinstance(item, Schema):
            yield item
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif hasattr(item, "__dataclass_fields__"):
            stack.extend(getattr(item, name) for name in item.__dataclass_fields__)


def _closed_structs() -> dict[str, type[msgspec.Struct]]:
    found: dict[str, type[msgspec.Struct]] = {}
    stack: list[type[msgspec.Struct]] = [msgspec.Struct]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("service.") and cls.__struct_config__.forbid_unknown_fields:
            found[cls.__name__] = cls
    return found


def precise_schemas(app: Litestar) -> None:
    """Integer bounds as exact integers; `additionalProperties: false` on closed bodies."""
    document = app.openapi_schema
    for schema in _schemas(document):
        for name in ("maximum", "minimum"):
            value = getattr(schema, name, None)
            if isinstance(value, float) and value in _EXACT_INTEGERS:
                setattr(schema, name, _EXACT_INTEGERS[value])
            elif isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
                setattr(schema, name, int(value))
    components = (document.components.schemas if document.components else None) or {}
    closed = _closed_structs()
    for name, schema in components.items():
        if name in closed and isinstance(schema, Schema):
            schema.additional_properties = False
