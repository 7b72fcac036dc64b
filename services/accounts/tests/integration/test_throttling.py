"""Registrations are throttled per client address (issue 13, item 3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from accounts.app import create_app
from accounts.settings import AccountsSettings

from .helpers import PASSWORD, assert_problem, unique_email


async def register(client: TestClient) -> Any:
    return await client.post(
        "/auth/register", json={"email": unique_email("burst"), "password": PASSWORD}
    )


@pytest_asyncio.fixture(autouse=True)
async def fresh_registration_counters(db: asyncpg.Connection) -> AsyncIterator[None]:
    # Every test registers from the same address (127.0.0.1): start each from zero.
    await db.execute("DELETE FROM login_failures WHERE scope LIKE 'register%'")
    yield


def test_the_defaults_allow_twenty_a_minute_and_two_hundred_a_day() -> None:
    fields = AccountsSettings.model_fields
    assert fields["registrations_per_address_per_minute"].default == 20
    assert fields["registrations_per_address_per_day"].default == 200


async def test_registrations_past_the_minute_limit_get_429_with_retry_after(
    accounts_settings: AccountsSettings,
) -> None:
    settings = accounts_settings.model_copy(
        update={"registrations_per_address_per_minute": 3, "registrations_per_address_per_day": 50}
    )
    async with TestClient(TestServer(create_app(settings))) as client:
        for _ in range(3):
            assert (await register(client)).status == 201
        refused = await register(client)
        body = await assert_problem(refused, 429)
        assert "registered from this address" in body["detail"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60


async def test_registrations_past_the_day_limit_wait_for_the_day(
    accounts_settings: AccountsSettings,
) -> None:
    settings = accounts_settings.model_copy(
        update={"registrations_per_address_per_minute": 50, "registrations_per_address_per_day": 2}
    )
    async with TestClient(TestServer(create_app(settings))) as client:
        for _ in range(2):
            assert (await register(client)).status == 201
        refused = await register(client)
        await assert_problem(refused, 429)
        assert 60 < int(refused.headers["Retry-After"]) <= 24 * 3600
