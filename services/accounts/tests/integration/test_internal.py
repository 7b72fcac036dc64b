"""Internal endpoints of accounts: a user's profile and export, for Nestegg's own services."""

from __future__ import annotations

import uuid

from aiohttp.test_utils import TestClient

from nestegg_common.testing.services import TestSecrets

from .helpers import assert_problem, bearer, logged_in, registered_user


def service(secrets: TestSecrets) -> dict[str, str]:
    return {"Authorization": f"Bearer {secrets.internal_token}"}


async def test_internal_routes_refuse_calls_without_the_service_token(
    client: TestClient, test_secrets: TestSecrets
) -> None:
    email, user = await registered_user(client)
    pair = await logged_in(client, email)
    for path in (f"/internal/users/{user['id']}/profile", f"/internal/users/{user['id']}/export"):
        await assert_problem(await client.get(path), 401)
        await assert_problem(await client.get(path, headers=bearer(pair)), 401)  # a user token
        wrong = {"Authorization": "Bearer not-the-service-token"}
        await assert_problem(await client.get(path, headers=wrong), 401)


async def test_the_internal_profile_is_the_users_profile(
    client: TestClient, test_secrets: TestSecrets
) -> None:
    email, user = await registered_user(client)
    pair = await logged_in(client, email)
    profile = {
        "display_name": "Lin",
        "birth_date": "1990-02-28",
        "retirement_age": 60,
        "life_expectancy": 95,
        "currency": "USD",
    }
    assert (await client.put("/me/profile", json=profile, headers=bearer(pair))).status == 200
    got = await client.get(f"/internal/users/{user['id']}/profile", headers=service(test_secrets))
    assert got.status == 200
    assert await got.json() == {
        **profile,
        "sex": "unspecified",
        "filing_status": "single",
        "partner": None,
    }


async def test_the_export_holds_the_user_profile_and_sessions_but_no_secrets(
    client: TestClient, test_secrets: TestSecrets
) -> None:
    email, user = await registered_user(client)
    await logged_in(client, email)
    await logged_in(client, email)
    got = await client.get(f"/internal/users/{user['id']}/export", headers=service(test_secrets))
    body = await got.json()
    assert body["user"]["id"] == user["id"]
    assert body["user"]["email"] == email
    assert body["user"]["profile"]["retirement_age"] == 65
    assert len(body["sessions"]) == 2
    assert set(body["sessions"][0]) == {"family_id", "issued_at", "expires_at", "revoked_at"}
    text = await got.text()
    assert "password" not in text
    assert "token_hash" not in text


async def test_an_unknown_or_malformed_user_is_404(
    client: TestClient, test_secrets: TestSecrets
) -> None:
    for user_id in (str(uuid.uuid4()), "not-a-uuid"):
        for kind in ("profile", "export"):
            response = await client.get(
                f"/internal/users/{user_id}/{kind}", headers=service(test_secrets)
            )
            await assert_problem(response, 404)
