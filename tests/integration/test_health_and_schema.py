"""Health, OpenAPI and migrations from an empty database."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from service.db.fulltext import include_name, include_object
from service.db.migrate import head_revision
from service.db.models import Base

Client = AsyncTestClient[Any]


async def test_health_reports_database_and_schema_version(client: Client) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["schema_version"] == head_revision()


async def test_liveness_answers_without_credentials(client: Client) -> None:
    response = await client.get("/api/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_migrations_from_empty_match_the_models(client: Client, database_url: str) -> None:
    """An empty database upgraded by Alembic has exactly the schema the models describe (the
    full-text engines' own objects aside: `service.db.fulltext`)."""
    engine = create_async_engine(database_url, poolclass=NullPool)

    def diff(connection: Any) -> list[Any]:
        opts = {"include_name": include_name, "include_object": include_object}
        return compare_metadata(MigrationContext.configure(connection, opts=opts), Base.metadata)

    async with engine.connect() as connection:
        differences = await connection.run_sync(diff)
    await engine.dispose()
    assert differences == []


async def test_openapi_schema_lists_the_api(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    for path in (
        "/api/auth/register",
        "/api/auth/token",
        "/api/members",
        "/api/members/{member_id}",
        "/api/members/{member_id}/needs",
        "/api/needs/{need_id}",
        "/api/import/members",
        "/api/health",
    ):
        assert path in schema["paths"], path


async def test_every_api_operation_documents_its_error_answers(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert "Error" in schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"422", "503"} <= codes, (method, path)
            public = ("/api/health", "/api/health/live", "/api/auth/register", "/api/auth/token")
            if path not in public:
                assert {"401"} <= codes, (method, path)


async def test_openapi_bounds_are_exact_and_closed_bodies_say_so(client: Client) -> None:
    raw = (await client.get("/schema/openapi.json")).text
    assert "e+18" not in raw  # 2**63 as a float would admit an id one too large
    schema = (await client.get("/schema/openapi.json")).json()
    member_id = schema["paths"]["/api/members/{member_id}"]["get"]["parameters"][0]["schema"]
    assert member_id["maximum"] == 2**63 - 1 and member_id["minimum"] == 1
    components = schema["components"]["schemas"]
    for closed in ("MemberUpdate", "MemberCreate", "MatchRequestCreate", "RegisterRequest"):
        assert components[closed]["additionalProperties"] is False, closed
    assert components["MemberRead"].get("additionalProperties") is not False
    csv = schema["paths"]["/api/community/expectations.csv"]["get"]["responses"]["200"]
    assert list(csv["content"]) == ["text/csv; charset=utf-8"]


async def test_options_lists_every_method_of_a_path(client: Client) -> None:
    for path, methods in (
        ("/api/members/1", "DELETE, GET, OPTIONS, PATCH"),
        ("/api/members", "GET, OPTIONS, POST"),
        ("/api/match-requests/1/accept", "OPTIONS, POST"),
    ):
        response = await client.options(path)
        assert response.status_code == 204, path
        assert response.headers["allow"] == methods, path


async def test_the_csv_content_type_carries_its_charset(client: Client, actors: Any) -> None:
    animator = await actors.create("animator")
    response = await client.get("/api/community/expectations.csv", headers=animator.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
