"""Property-based fuzzing of the whole API from its OpenAPI schema (schemathesis).

Every operation gets generated valid and invalid inputs, as an animator (who may call every
route); the checks: never a 5xx, and every response matches the schema it declares. Bounded:
a few examples per operation, on SQLite and on PostgreSQL when configured. Revoking the token
and erasing the caller are left out (they would end the session under test).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import postgres_url, run_coroutine
from tests.live_server import bearer, live_server
from tests.postgres import reset_postgres

MAX_EXAMPLES = 8


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A live server with the demo community, on each database."""
    database_url = None
    if request.param == "postgresql":
        database_url = postgres_url()
        if database_url is None:
            pytest.skip("PostgreSQL not configured: set PASSERELLE_TEST_DATABASE_URL")
        run_coroutine(lambda: reset_postgres(database_url))
    data_dir: Path = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    with live_server(data_dir, database_url) as live:
        yield live.url


@pytest.fixture(scope="module")
def animator_headers(server: str) -> dict[str, str]:
    return bearer(server, "animatrice@demo.passerelle.fr")


@pytest.fixture(scope="module")
def api_schema(server: str) -> schemathesis.BaseSchema:
    return (
        schemathesis.openapi.from_url(f"{server}/schema/openapi.json")
        .exclude(path_regex=r"^/api/auth/revoke$|^/api/me/?$")
        .exclude(method="DELETE")
    )


def test_no_server_error_and_responses_match_the_schema(
    api_schema: schemathesis.BaseSchema, animator_headers: dict[str, str]
) -> None:
    failures: dict[str, str] = {}
    tested = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        tested += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers=animator_headers,
                checks=[not_a_server_error, response_schema_conformance],
            )

        try:
            fuzz()
        except Exception as failure:  # collect every operation's failure, not just the first
            failures[operation.label] = str(failure)[:2000]
    assert tested > 40
    assert failures == {}
