"""`GET /api/health`: is the database reachable, at which schema version, with which theme model;
`/live`: liveness."""

from __future__ import annotations

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from service.db.migrate import head_revision
from service.dependencies import DbSession


class Health(msgspec.Struct, kw_only=True):
    """Service status."""

    status: str
    database: str
    schema_version: str | None
    expected_schema_version: str | None
    theme_model: str | None = None


@get("/api/health", tags=["health"], summary="Service and database status", opt={"public": True})
async def health(db_session: DbSession, state: State) -> Response[Health]:
    """200 when the database answers at the expected schema version, else 503."""
    try:
        version = await db_session.scalar(text("SELECT version_num FROM alembic_version"))
        database = "ok"
    except SQLAlchemyError:
        version, database = None, "unreachable"
    expected = head_revision()
    healthy = database == "ok" and version == expected
    return Response(
        Health(
            status="ok" if healthy else "degraded",
            database=database,
            schema_version=version,
            expected_schema_version=expected,
            theme_model=_model_version(state),
        ),
        status_code=HTTP_200_OK if healthy else HTTP_503_SERVICE_UNAVAILABLE,
        headers=None if healthy else {"Retry-After": "5"},
    )


def _model_version(state: State) -> str | None:
    themes = state.get("themes")
    return None if themes is None or themes.state is None else themes.state.version


class Liveness(msgspec.Struct, kw_only=True):
    """The process answers."""

    status: str


@get(
    "/api/health/live",
    tags=["health"],
    summary="Liveness: the process answers (no database call)",
    opt={"public": True},
)
async def liveness() -> Liveness:
    """200 as long as this worker's event loop runs; for load balancers' liveness probes."""
    return Liveness(status="ok")
