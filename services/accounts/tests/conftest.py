"""Fixtures for the accounts service: a migrated database per module and a served app."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from accounts.app import MIGRATIONS_DIR, create_app
from accounts.settings import AccountsSettings
from nestegg_common.migrations import apply_migrations
from nestegg_common.testing.services import TestSecrets, database_name_of


@pytest.fixture(scope="session")
def test_secrets() -> TestSecrets:
    return TestSecrets()


@pytest.fixture(scope="module")
def accounts_settings(module_database_url: str, test_secrets: TestSecrets) -> AccountsSettings:
    apply_migrations(module_database_url, MIGRATIONS_DIR)
    return AccountsSettings(
        database_url=module_database_url,
        accounts_database=database_name_of(module_database_url),
        jwt_private_key=test_secrets.jwt_private_key_pem,
        internal_token=test_secrets.internal_token,
        # Small throttles the throttling tests reach quickly; registrations are not throttled
        # here (every test registers its users from one address): test_throttling.py is.
        login_max_attempts_per_account_address=5,
        login_max_attempts_per_account=20,
        registrations_per_address_per_minute=100_000,
        registrations_per_address_per_day=100_000,
        # Tests that want delivery start their own dispatcher against a subscriber they serve.
        outbox_dispatcher_enabled=False,
        # No projections here (test_input_changes.py announces to a stand-in).
        announce_input_changes=False,
    )


@pytest_asyncio.fixture(scope="module")
async def client(accounts_settings: AccountsSettings) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(accounts_settings))) as test_client:
        yield test_client


@pytest_asyncio.fixture(scope="module")
async def db(accounts_settings: AccountsSettings) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the module's database, for checking what the service stored."""
    conn = await asyncpg.connect(accounts_settings.database_dsn())
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    yield conn
    await conn.close()
