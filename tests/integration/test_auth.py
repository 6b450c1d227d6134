"""Registration, tokens, revocation and invitations."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from service.settings import Settings
from tests.integration.actors import PASSWORD, Actors

Client = AsyncTestClient[Any]


GOOD_PASSWORD = "pluie-sur-le-quai-42"


async def _register(
    client: Client, email: str = "alice@ville.fr", password: str = GOOD_PASSWORD
) -> Any:
    return await client.post(
        "/api/auth/register",
        json={"email": email, "password": password, "display_name": "Alice Martin"},
    )


async def test_register_returns_the_new_profile_and_allows_sign_in(client: Client) -> None:
    response = await _register(client, "Alice@Ville.FR")
    assert response.status_code == 201
    profile = response.json()
    assert profile["email"] == "alice@ville.fr"
    assert profile["role"] == "member"
    assert profile["consent"] is False

    token = await client.post(
        "/api/auth/token", json={"email": "alice@ville.fr", "password": GOOD_PASSWORD}
    )
    assert token.status_code == 200
    assert token.json()["token_type"] == "bearer"
    me = await client.get(
        f"/api/members/{profile['id']}",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert me.status_code == 200
    assert me.json()["email"] == "alice@ville.fr"


async def test_register_refuses_short_passwords_naming_the_field(client: Client) -> None:
    response = await _register(client, password="court")
    assert response.status_code == 422
    assert response.json()["extra"][0]["key"] == "password"
    assert "au moins 12 caractères" in response.json()["detail"]


async def test_weak_passwords_are_refused_in_french(client: Client) -> None:
    """Ten spaces, digits in a row, « passerelle », the person's own e-mail or name."""
    for weak in (
        " " * 10,
        " " * 12,
        "0123456789",
        "012345678901",
        "passerelle",
        "passerelle-2026",
        "azertyuiop12",
        "alice.martin.75",
        "AliceMartin2026",
    ):
        response = await _register(client, "alice.martin@ville.fr", password=weak)
        assert response.status_code == 422, weak
        body = response.json()
        assert body["extra"][0]["key"] == "password", weak
        assert "mot de passe" in body["detail"].lower(), weak
    assert (await _register(client, "alice.martin@ville.fr")).status_code == 201


async def test_look_alike_emails_are_normalised_or_refused(client: Client) -> None:
    assert (await _register(client, "alice1@ville.fr")).status_code == 201
    # full-width letters and a trailing zero-width space fold to the same address: taken
    for same in ("ａｌｉｃｅ1@ville.fr", "alice1@ville.fr\u200b", "ALICE1@VILLE.FR"):
        response = await _register(client, same)
        assert response.status_code == 409, same
        assert response.json()["extra"][0]["key"] == "email"
    # letters outside a-z (Cyrillic а, dotted İ) and markup are refused
    for foreign in ("\u0430lice1@ville.fr", "ALİCE1@ville.fr", "<script>@x.fr"):
        response = await _register(client, foreign)
        assert response.status_code == 400, foreign
        assert response.json()["extra"][0]["key"] == "email", foreign
    # and the look-alike cannot sign in as anyone
    token = await client.post(
        "/api/auth/token", json={"email": "\u0430lice1@ville.fr", "password": GOOD_PASSWORD}
    )
    assert token.status_code == 401
    folded = await client.post(
        "/api/auth/token", json={"email": " ALICE1@ville.fr\u200b", "password": GOOD_PASSWORD}
    )
    assert folded.status_code == 200


async def test_register_refuses_a_taken_email(client: Client) -> None:
    assert (await _register(client)).status_code == 201
    again = await _register(client, "ALICE@ville.fr")
    assert again.status_code == 409
    assert again.json()["extra"][0]["key"] == "email"


async def test_registration_can_be_closed(database_url: str, tmp_path: Any) -> None:
    from service.app import create_app

    settings = Settings(database_url=database_url, data_dir=tmp_path, allow_registration=False)
    async with AsyncTestClient(app=create_app(settings)) as closed:
        assert (await _register(closed)).status_code == 403


async def test_wrong_password_and_unknown_email_get_the_same_401(client: Client) -> None:
    await _register(client)
    wrong = await client.post(
        "/api/auth/token", json={"email": "alice@ville.fr", "password": "x" * 10}
    )
    unknown = await client.post(
        "/api/auth/token", json={"email": "bob@ville.fr", "password": "x" * 10}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_a_revoked_token_no_longer_works(client: Client, actors: Actors) -> None:
    alice = await actors.create()
    assert (await client.get("/api/members", headers=alice.headers)).status_code == 200
    assert (await client.post("/api/auth/revoke", headers=alice.headers)).status_code == 204
    assert (await client.get("/api/members", headers=alice.headers)).status_code == 401


async def test_garbage_credentials_are_401_not_500(client: Client) -> None:
    for header in ("Bearer nope", "Basic abc", "Bearer ", "bearer \x7f"):
        response = await client.get("/api/members", headers={"Authorization": header})
        assert response.status_code == 401, header


async def test_invitation_lets_an_imported_member_set_a_password_once(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    created = await client.post(
        "/api/members",
        headers=animator.headers,
        json={"email": "camille@cd33.fr", "display_name": "Camille", "consent": True},
    )
    assert created.status_code == 201
    member_id = created.json()["id"]
    # Imported accounts have no password until they accept an invitation.
    refused = await client.post(
        "/api/auth/token", json={"email": "camille@cd33.fr", "password": GOOD_PASSWORD}
    )
    assert refused.status_code == 401

    invitation = await client.post(f"/api/members/{member_id}/invitation", headers=animator.headers)
    assert invitation.status_code == 201
    token = invitation.json()["token"]
    accepted = await client.post(
        "/api/auth/invitation", json={"token": token, "password": "un-mot-de-passe"}
    )
    assert accepted.status_code == 200
    assert accepted.json()["id"] == member_id
    signed_in = await client.post(
        "/api/auth/token", json={"email": "camille@cd33.fr", "password": "un-mot-de-passe"}
    )
    assert signed_in.status_code == 200
    reused = await client.post(
        "/api/auth/invitation", json={"token": token, "password": "autre-mot-de-passe"}
    )
    assert reused.status_code == 401


async def test_only_animators_issue_invitations(client: Client, actors: Actors) -> None:
    member = await actors.create()
    other = await actors.create()
    response = await client.post(
        f"/api/members/{other.member_id}/invitation", headers=member.headers
    )
    assert response.status_code == 403


async def test_repeated_wrong_passwords_from_one_address_must_wait_with_429(
    client: Client, actors: Actors
) -> None:
    alice = await actors.create()
    wrong = {"email": alice.email, "password": "not-the-password"}
    codes = [(await client.post("/api/auth/token", json=wrong)).status_code for _ in range(7)]
    assert codes[:6] == [401] * 6  # five free failures, the sixth starts the delays
    assert codes[6] == 429
    waiting = await client.post(
        "/api/auth/token", json={"email": alice.email, "password": PASSWORD}
    )
    assert waiting.status_code == 429  # from this address, for a second or so
    assert 0 < int(waiting.headers["retry-after"]) <= 2
    assert "réessayez" in waiting.json()["detail"]


async def test_setting_a_password_revokes_every_earlier_token(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    alice = await actors.create()
    assert (await client.get("/api/me", headers=alice.headers)).status_code == 200
    invitation = await client.post(
        f"/api/members/{alice.member_id}/invitation", headers=animator.headers
    )
    accepted = await client.post(
        "/api/auth/invitation",
        json={"token": invitation.json()["token"], "password": "un-nouveau-mot-de-passe"},
    )
    assert accepted.status_code == 200
    assert (await client.get("/api/me", headers=alice.headers)).status_code == 401
    fresh = await client.post(
        "/api/auth/token", json={"email": alice.email, "password": "un-nouveau-mot-de-passe"}
    )
    assert fresh.status_code == 200


async def test_every_response_carries_security_headers(client: Client) -> None:
    response = await client.get("/api/health")
    csp = response.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in response.headers  # plain HTTP


async def test_hsts_is_sent_when_served_over_https(database_url: str, tmp_path: Any) -> None:
    from service.app import create_app

    settings = Settings(database_url=database_url, data_dir=tmp_path, secure_cookies=True)
    async with AsyncTestClient(app=create_app(settings)) as secure:
        response = await secure.get("/api/health")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_api_docs_load_no_script_from_elsewhere(client: Client) -> None:
    for path in ("/schema/swagger", "/schema/redoc", "/schema/elements", "/schema/rapidoc"):
        assert (await client.get(path)).status_code == 404, path
    schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200
    csp = schema.headers["content-security-policy"]
    assert "https:" not in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
