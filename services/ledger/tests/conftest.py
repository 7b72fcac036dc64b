"""Fixtures for the ledger: a migrated database per module, the app served on a real socket,
and signed-in users whose tokens the app verifies against a real JWKS document."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import jwt
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from ledger.app import MIGRATIONS_DIR, create_app
from ledger.settings import LedgerSettings
from nestegg_common.db import create_pool
from nestegg_common.migrations import apply_migrations
from nestegg_common.testing.services import database_name_of

ISSUER, AUDIENCE, KID = "nestegg-accounts", "nestegg", "ledger-test-key"


@dataclass
class TokenFactory:
    """Signs access tokens the way accounts does, for users that exist only in the test."""

    key: Ed25519PrivateKey

    def jwks(self) -> dict[str, Any]:
        import json

        jwk = json.loads(OKPAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": KID, "alg": "EdDSA", "use": "sig"}]}

    def headers(self, user_id: uuid.UUID) -> dict[str, str]:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(user_id),
            "iat": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": KID})
        return {"Authorization": f"Bearer {token}"}


@dataclass
class QueryCounter:
    """Counts the statements the app's pool runs."""

    count: int = 0

    def observe(self, _record: Any) -> None:
        self.count += 1


@pytest.fixture(scope="module")
def tokens() -> TokenFactory:
    return TokenFactory(Ed25519PrivateKey.generate())


@pytest.fixture(scope="module")
def ledger_settings(module_database_url: str) -> LedgerSettings:
    apply_migrations(module_database_url, MIGRATIONS_DIR)
    return LedgerSettings(
        database_url=module_database_url,
        ledger_database=database_name_of(module_database_url),
        internal_token="ledger-test-internal-token",
    )


@pytest.fixture(scope="module")
def queries() -> QueryCounter:
    return QueryCounter()


@pytest_asyncio.fixture(scope="module")
async def pool(
    ledger_settings: LedgerSettings, queries: QueryCounter
) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(
        ledger_settings.database_dsn(), max_size=20, query_observer=queries.observe
    )
    yield pool
    await pool.close()


@pytest_asyncio.fixture(scope="module")
async def client(
    ledger_settings: LedgerSettings, pool: asyncpg.Pool, tokens: TokenFactory
) -> AsyncIterator[TestClient]:
    async def jwks() -> dict[str, Any]:
        return tokens.jwks()

    app = create_app(ledger_settings, pool=pool, fetch_jwks=jwks)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.fixture
def user(tokens: TokenFactory) -> Callable[[], dict[str, str]]:
    """Return a factory of auth headers, each for a new user."""
    return lambda: tokens.headers(uuid.uuid4())
