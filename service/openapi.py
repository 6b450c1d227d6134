"""Complete the generated OpenAPI document with the error answers every API route can give.

Litestar documents the 400 of body and parameter validation; the errors raised by services
(401, 403, 404, 409, 422, 429, 503) share one shape, `{"status_code", "detail", "extra"?}`,
declared here once as the `Error` component and referenced from every `/api` operation.
"""

from __future__ import annotations

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
    "503": "The database is unavailable (see Retry-After)",
}
PUBLIC_ERRORS = ("409", "413", "422", "429", "503")


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


def document_raw_bodies(app: Litestar) -> None:
    """Describe the bodies of handlers that read the raw request (several content types)."""
    item = (app.openapi_schema.paths or {}).get("/api/import/responses")
    if item is not None and item.post is not None and item.post.request_body is None:
        item.post.request_body = FORM_EXPORT_BODY
