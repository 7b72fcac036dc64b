"""A refresh retried by the client that rotated it, within the grace window (issue 13, item 7)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from accounts.app import create_app
from accounts.settings import AccountsSettings

from .helpers import assert_problem, bearer, logged_in, registered_user


async def refresh(client: TestClient, token: str, user_agent: str = "app/1.0") -> Any:
    return await client.post(
        "/auth/refresh", json={"refresh_token": token}, headers={"User-Agent": user_agent}
    )


async def rotated_once(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """Log in and refresh once; return (the first pair, the pair the refresh gave)."""
    email, _ = await registered_user(client, prefix="grace")
    first = await logged_in(client, email)
    second = await refresh(client, first["refresh_token"])
    assert second.status == 200
    return first, await second.json()


@pytest_asyncio.fixture(scope="module")
async def short_grace(accounts_settings: AccountsSettings) -> AsyncIterator[TestClient]:
    settings = accounts_settings.model_copy(update={"refresh_reuse_grace_s": 1})
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def test_a_retry_by_the_same_client_gets_the_same_new_refresh_token(
    client: TestClient,
) -> None:
    first, second = await rotated_once(client)
    retry = await refresh(client, first["refresh_token"])
    assert retry.status == 200
    again = await retry.json()
    assert again["refresh_token"] == second["refresh_token"]
    assert (await client.get("/me", headers=bearer(again))).status == 200
    # The session goes on: the successor rotates normally, the retried token is spent.
    third = await refresh(client, again["refresh_token"])
    assert third.status == 200


async def test_a_retry_from_another_client_revokes_the_family(client: TestClient) -> None:
    first, second = await rotated_once(client)
    await assert_problem(await refresh(client, first["refresh_token"], "thief/1.0"), 401)
    await assert_problem(await refresh(client, second["refresh_token"]), 401)


async def test_a_retry_after_the_successor_was_used_revokes_the_family(
    client: TestClient,
) -> None:
    first, second = await rotated_once(client)
    third = await (await refresh(client, second["refresh_token"])).json()
    # The client already moved on: a copy of the first token is not a lost answer.
    await assert_problem(await refresh(client, first["refresh_token"]), 401)
    await assert_problem(await refresh(client, third["refresh_token"]), 401)


async def test_a_retry_after_logout_is_refused(client: TestClient) -> None:
    first, second = await rotated_once(client)
    out = await client.post("/auth/logout", json={"refresh_token": second["refresh_token"]})
    assert out.status == 204
    await assert_problem(await refresh(client, first["refresh_token"]), 401)


async def test_a_reuse_after_the_grace_window_revokes_the_family(
    short_grace: TestClient,
) -> None:
    first, second = await rotated_once(short_grace)
    await asyncio.sleep(1.3)
    await assert_problem(await refresh(short_grace, first["refresh_token"]), 401)
    await assert_problem(await refresh(short_grace, second["refresh_token"]), 401)


async def test_with_no_grace_every_reuse_revokes_the_family(
    accounts_settings: AccountsSettings,
) -> None:
    settings = accounts_settings.model_copy(update={"refresh_reuse_grace_s": 0})
    async with TestClient(TestServer(create_app(settings))) as client:
        first, second = await rotated_once(client)
        await assert_problem(await refresh(client, first["refresh_token"]), 401)
        await assert_problem(await refresh(client, second["refresh_token"]), 401)
