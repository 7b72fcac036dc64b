"""POST /me/password: the current password checked, the new one's rules, every session ended."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from .helpers import PASSWORD, assert_problem, bearer, logged_in, registered_user

NEW_PASSWORD = "staple gun lighthouse"


async def test_a_new_password_replaces_the_old_and_ends_every_other_session(
    client: TestClient,
) -> None:
    email, _ = await registered_user(client)
    other_device = await logged_in(client, email)
    this_device = await logged_in(client, email)
    answer = await client.post(
        "/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(this_device),
    )
    assert answer.status == 200
    assert answer.headers["Cache-Control"] == "no-store"
    pair = await answer.json()
    assert (await client.get("/me", headers=bearer(pair))).status == 200

    old = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    await assert_problem(old, 401)
    new = await client.post("/auth/login", json={"email": email, "password": NEW_PASSWORD})
    assert new.status == 200
    for stale in (other_device, this_device):  # both refresh tokens were revoked
        refreshed = await client.post(
            "/auth/refresh", json={"refresh_token": stale["refresh_token"]}
        )
        await assert_problem(refreshed, 401)
    fresh = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert fresh.status == 200


async def test_a_wrong_current_password_is_refused_naming_the_field(client: TestClient) -> None:
    email, _ = await registered_user(client)
    pair = await logged_in(client, email)
    answer = await client.post(
        "/me/password",
        json={"current_password": "not the password at all", "new_password": NEW_PASSWORD},
        headers=bearer(pair),
    )
    problem = await assert_problem(answer, 403)
    assert [e["field"] for e in problem["errors"]] == ["current_password"]
    still = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert still.status == 200


async def test_a_weak_new_password_is_a_422_naming_new_password(client: TestClient) -> None:
    email, _ = await registered_user(client)
    pair = await logged_in(client, email)
    for weak in ("short", "password1234", email):
        answer = await client.post(
            "/me/password",
            json={"current_password": PASSWORD, "new_password": weak},
            headers=bearer(pair),
        )
        problem = await assert_problem(answer, 422)
        assert [e["field"] for e in problem["errors"]] == ["new_password"], weak


async def test_changing_the_password_needs_a_token(client: TestClient) -> None:
    answer = await client.post(
        "/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    await assert_problem(answer, 401)
