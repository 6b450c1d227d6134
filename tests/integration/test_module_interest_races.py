"""« Ça m'intéresse » on a module counts once per member, even fired ten times at once (a real
server with two workers, on SQLite and PostgreSQL, as in `test_concurrency`)."""

from __future__ import annotations

import httpx

from tests.integration.test_concurrency import Server, codes, race, server  # noqa: F401


def test_interest_in_a_module_counts_once_per_member_under_concurrent_clicks(
    server: Server,  # noqa: F811
) -> None:
    modules = httpx.get(f"{server.url}/api/catalogue/modules", headers=server.animator).json()
    module = modules["items"][0]
    before = module["interest"]
    member = server.person()
    url = f"{server.url}/api/training/modules/{module['id']}/interest"
    responses = race([lambda client: client.post(url, headers=member.headers) for _ in range(10)])
    assert codes(responses) == {200: 10}, [r.text for r in responses]
    read = httpx.get(f"{server.url}/api/catalogue/modules/{module['id']}", headers=member.headers)
    assert read.json()["interest"] == before + 1
    taken_back = race([lambda client: client.delete(url, headers=member.headers) for _ in range(4)])
    assert codes(taken_back) == {200: 4}
    read = httpx.get(f"{server.url}/api/catalogue/modules/{module['id']}", headers=member.headers)
    assert read.json()["interest"] == before
