"""Logging in, rotating and revoking tokens, and login throttling, on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import time

import jwt
from aiohttp.test_utils import TestClient

from accounts.settings import AccountsSettings

from .helpers import PASSWORD, assert_problem, bearer, logged_in, registered_user, unique_email


async def test_logging_in_returns_a_token_pair_that_opens_me(client: TestClient) -> None:
    email, user = await registered_user(client)
    pair = await logged_in(client, email.upper())  # the email matches in any letter case
    assert pair["token_type"] == "Bearer"
    assert pair["expires_in"] == 900
    me = await client.get("/me", headers=bearer(pair))
    assert me.status == 200
    body = await me.json()
    assert body["id"] == user["id"] and body["email"] == email
    assert body["profile"] == {
        "display_name": None,
        "birth_date": None,
        "retirement_age": 65,
        "life_expectancy": 95,
        "currency": "USD",
        "sex": "unspecified",
        "filing_status": "single",
        "partner": None,
    }


async def test_the_access_token_is_an_eddsa_jwt_with_the_documented_claims(
    client: TestClient, accounts_settings: AccountsSettings
) -> None:
    email, user = await registered_user(client)
    before = int(time.time())
    pair = await logged_in(client, email)
    header = jwt.get_unverified_header(pair["access_token"])
    claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
    assert header["alg"] == "EdDSA" and header["kid"]
    assert claims["sub"] == user["id"]
    assert claims["iss"] == accounts_settings.jwt_issuer
    assert claims["aud"] == accounts_settings.jwt_audience
    assert before <= claims["iat"] <= before + 5
    assert claims["exp"] - claims["iat"] == 900


async def test_the_jwks_publishes_the_signing_key(client: TestClient) -> None:
    email, _ = await registered_user(client)
    pair = await logged_in(client, email)
    jwks = await (await client.get("/.well-known/jwks.json")).json()
    kid = jwt.get_unverified_header(pair["access_token"])["kid"]
    (key,) = [k for k in jwks["keys"] if k["kid"] == kid]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and "d" not in key
    verified = jwt.decode(
        pair["access_token"], jwt.PyJWK(key).key, algorithms=["EdDSA"], audience="nestegg"
    )
    assert verified["sub"]


async def test_a_wrong_password_and_an_unknown_email_get_the_same_401(client: TestClient) -> None:
    email, _ = await registered_user(client)
    wrong = await client.post("/auth/login", json={"email": email, "password": "wrong password!"})
    unknown = await client.post(
        "/auth/login", json={"email": unique_email("nobody"), "password": PASSWORD}
    )
    wrong_body = await assert_problem(wrong, 401)
    unknown_body = await assert_problem(unknown, 401)
    assert wrong_body["detail"] == unknown_body["detail"]


async def test_me_needs_a_valid_access_token(client: TestClient) -> None:
    assert (await client.get("/me")).status == 401
    await assert_problem(await client.get("/me", headers={"Authorization": "Bearer nope"}), 401)
    await assert_problem(await client.get("/me", headers={"Authorization": "Basic eDp5"}), 401)


async def test_refreshing_rotates_the_refresh_token(client: TestClient) -> None:
    email, _ = await registered_user(client)
    first = await logged_in(client, email)
    response = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert response.status == 200
    second = await response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/me", headers=bearer(second))).status == 200


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(client: TestClient) -> None:
    email, _ = await registered_user(client)
    first = await logged_in(client, email)
    second = await (
        await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    # Another client (not the one that rotated it, so no retry grace) holds a copy.
    reuse = await client.post(
        "/auth/refresh",
        json={"refresh_token": first["refresh_token"]},
        headers={"User-Agent": "thief/1.0"},
    )
    await assert_problem(reuse, 401)
    # The legitimate successor dies with its family.
    successor = await client.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    await assert_problem(successor, 401)
    # Another login starts a new, unaffected family.
    other = await logged_in(client, email)
    fresh = await client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert fresh.status == 200


async def test_concurrent_refreshes_of_one_token_by_different_clients_let_exactly_one_win(
    client: TestClient,
) -> None:
    email, _ = await registered_user(client)
    pair = await logged_in(client, email)
    responses = await asyncio.gather(
        *(
            client.post(
                "/auth/refresh",
                json={"refresh_token": pair["refresh_token"]},
                headers={"User-Agent": f"client/{n}"},
            )
            for n in range(5)
        )
    )
    assert sorted(r.status for r in responses) == [200, 401, 401, 401, 401]


async def test_concurrent_refreshes_by_one_client_rotate_once_and_agree(
    client: TestClient,
) -> None:
    email, _ = await registered_user(client)
    pair = await logged_in(client, email)
    responses = await asyncio.gather(
        *(
            client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
            for _ in range(5)
        )
    )
    assert [r.status for r in responses] == [200] * 5
    # Two tabs refreshing at once: one rotation, and every answer names the same successor.
    assert len({(await r.json())["refresh_token"] for r in responses}) == 1


async def test_logout_revokes_the_refresh_token(client: TestClient) -> None:
    email, _ = await registered_user(client)
    pair = await logged_in(client, email)
    out = await client.post("/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert out.status == 204
    again = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    await assert_problem(again, 401)
    # Logging out an unknown token says nothing about it.
    unknown = await client.post("/auth/logout", json={"refresh_token": "not-a-token"})
    assert unknown.status == 204


async def test_an_unknown_refresh_token_is_a_401(client: TestClient) -> None:
    response = await client.post("/auth/refresh", json={"refresh_token": "x" * 43})
    await assert_problem(response, 401)
    empty = await client.post("/auth/refresh", json={"refresh_token": ""})
    await assert_problem(empty, 422)


async def test_repeated_failed_logins_for_an_account_are_throttled(
    client: TestClient, accounts_settings: AccountsSettings
) -> None:
    email, _ = await registered_user(client, prefix="throttle")
    limit = accounts_settings.login_max_attempts_per_account_address
    for _ in range(limit):
        failed = await client.post("/auth/login", json={"email": email, "password": "bad password"})
        assert failed.status == 401
    blocked = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    body = await assert_problem(blocked, 429)
    retry_after = int(blocked.headers["Retry-After"])
    assert 1 <= retry_after <= accounts_settings.login_window_s
    assert "account" in body["detail"]


async def test_a_successful_login_resets_the_account_counter(
    client: TestClient, accounts_settings: AccountsSettings
) -> None:
    email, _ = await registered_user(client, prefix="reset")
    limit = accounts_settings.login_max_attempts_per_account_address
    for _ in range(limit - 1):
        await client.post("/auth/login", json={"email": email, "password": "bad password"})
    await logged_in(client, email)
    for _ in range(limit - 1):
        failed = await client.post("/auth/login", json={"email": email, "password": "bad password"})
        assert failed.status == 401
    await logged_in(client, email)
