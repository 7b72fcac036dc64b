"""The export runs as many statements for a user with 200 refresh tokens as for one with 1."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from accounts.app import create_app
from accounts.settings import AccountsSettings
from nestegg_common.db import create_pool
from nestegg_common.testing.services import TestSecrets
from nestegg_common.testing.tokens import QueryCounter

from .helpers import registered_user

# Statements the export may run at most, BEGIN/COMMIT included: the point is a fixed number.
MAX_STATEMENTS = 6

_TOKENS = """
INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, issued_at, expires_at)
SELECT gen_random_uuid(), $1, gen_random_uuid(),
       sha256(convert_to(gen_random_uuid()::text, 'UTF8')),
       now() - make_interval(mins => n), now() + interval '30 days'
FROM generate_series(1, $2) AS n
"""


@pytest.fixture(scope="module")
def queries() -> QueryCounter:
    return QueryCounter()


@pytest_asyncio.fixture(scope="module")
async def pool(
    accounts_settings: AccountsSettings, queries: QueryCounter
) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(accounts_settings.database_dsn(), query_observer=queries.observe)
    yield pool
    await pool.close()


@pytest_asyncio.fixture(scope="module")
async def client(
    accounts_settings: AccountsSettings, pool: asyncpg.Pool
) -> AsyncIterator[TestClient]:
    """The app on the counted pool (replaces conftest's `client` in this module)."""
    async with TestClient(TestServer(create_app(accounts_settings, pool=pool))) as test_client:
        yield test_client


@pytest_asyncio.fixture(scope="module")
async def one_and_many(client: TestClient, pool: asyncpg.Pool) -> tuple[str, str]:
    """Return the ids of a user with 1 refresh token and of one with 200."""
    ids = []
    for tokens in (1, 200):
        _, user = await registered_user(client, prefix=f"tokens{tokens}")
        await pool.execute(_TOKENS, uuid.UUID(user["id"]), tokens)
        ids.append(user["id"])
    return ids[0], ids[1]


async def statements_of(
    client: TestClient, queries: QueryCounter, path: str, headers: dict[str, str]
) -> tuple[int, Any]:
    """Run one request and return how many statements the app's pool ran for it."""
    queries.count = 0
    response = await client.get(path, headers=headers)
    count = queries.count
    assert response.status == 200, await response.text()
    return count, await response.json()


async def test_the_export_runs_the_same_statements_for_1_session_as_for_200(
    client: TestClient,
    queries: QueryCounter,
    one_and_many: tuple[str, str],
    test_secrets: TestSecrets,
) -> None:
    one, many = one_and_many
    service = {"Authorization": f"Bearer {test_secrets.internal_token}"}
    path = "/internal/users/{}/export"
    await statements_of(client, queries, path.format(one), service)  # warm up the pool
    few, few_export = await statements_of(client, queries, path.format(one), service)
    lots, lots_export = await statements_of(client, queries, path.format(many), service)
    assert (len(few_export["sessions"]), len(lots_export["sessions"])) == (1, 200)
    assert 2 <= few <= MAX_STATEMENTS
    assert lots == few


async def test_the_query_counter_sees_the_apps_statements(
    client: TestClient, queries: QueryCounter
) -> None:
    # Guards the test above: a counter that saw nothing would make it pass vacuously.
    queries.count = 0
    await registered_user(client, prefix="counted")
    assert queries.count >= 1
