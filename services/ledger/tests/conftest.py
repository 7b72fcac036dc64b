"""Fixtures for the ledger: a migrated database per module, the app served on a real socket,
and signed-in users whose tokens the app verifies against a real JWKS document."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from ledger import repository
from ledger.app import MIGRATIONS_DIR, create_app
from ledger.collections import COLLECTIONS, Collection
from ledger.domain import fields_to_store
from ledger.settings import LedgerSettings
from nestegg_common.db import create_pool
from nestegg_common.migrations import apply_migrations
from nestegg_common.testing.services import database_name_of
from nestegg_common.testing.tokens import QueryCounter, TokenFactory

INTERNAL_TOKEN = "ledger-test-internal-token"


@pytest.fixture(scope="module")
def tokens() -> TokenFactory:
    return TokenFactory(kid="ledger-test-key")


@pytest.fixture(scope="module")
def ledger_settings(module_database_url: str) -> LedgerSettings:
    apply_migrations(module_database_url, MIGRATIONS_DIR)
    return LedgerSettings(
        database_url=module_database_url,
        ledger_database=database_name_of(module_database_url),
        internal_token=INTERNAL_TOKEN,
        # No projections here (test_input_changes.py announces to a stand-in).
        announce_input_changes=False,
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
    app = create_app(
        ledger_settings, pool=pool, fetch_jwks=tokens.fetch_jwks, fetch_erased=tokens.fetch_erased
    )
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.fixture
def user(tokens: TokenFactory) -> Callable[[], dict[str, str]]:
    """Return a factory of auth headers, each for a new user."""
    return lambda: tokens.headers(uuid.uuid4())


# --- Helpers shared by the integration modules -------------------------------------------------

COLLECTION_NAMES = ("assets", "debts", "incomes", "expenses")

# One valid body per collection, with every field set (money as strings, rates as strings).
VALID_BODIES: dict[str, dict[str, Any]] = {
    "assets": {
        "name": "Brokerage",
        "kind": "taxable",
        "balance": "1000.50",
        "annual_contribution": "1200",
        "contribution_end_age": 60,
        "stock_allocation": 0.70,
    },
    "debts": {
        "name": "Mortgage",
        "kind": "mortgage",
        "balance": "250000",
        "interest_rate": 0.050,
        "monthly_payment": "1500.5",
    },
    "incomes": {
        "name": "Salary",
        "kind": "salary",
        "amount": "5000",
        "frequency": "monthly",
        "start_age": 30,
        "end_age": 65,
        "growth_rate": 0.02,
        "inflation_indexed": False,
        "taxable": True,
    },
    "expenses": {
        "name": "Rent",
        "category": "housing",
        "amount": "1200",
        "frequency": "monthly",
        "start_age": 30,
        "end_age": 90,
        "inflation_indexed": True,
        "essential": False,
    },
}

PROBLEM_CONTENT_TYPE = "application/problem+json"


@dataclass(frozen=True)
class User:
    """A user that exists only in the test: an id and the headers that sign them in."""

    id: uuid.UUID
    headers: dict[str, str]

    def with_headers(self, **extra: str) -> dict[str, str]:
        return {**self.headers, **{k.replace("_", "-"): v for k, v in extra.items()}}


@dataclass
class Api:
    """Thin helpers over the test client for what almost every test does."""

    client: TestClient

    @staticmethod
    def body(collection: str, **changes: Any) -> dict[str, Any]:
        """Return a fresh valid body of the collection, with `changes` applied."""
        return {**copy.deepcopy(VALID_BODIES[collection]), **changes}

    async def create(
        self, collection: str, user: User, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"/{collection}", json=body or self.body(collection), headers=user.headers
        )
        assert response.status == 201, await response.text()
        created: dict[str, Any] = await response.json()
        return created

    async def get(self, collection: str, record_id: str, user: User) -> dict[str, Any]:
        response = await self.client.get(f"/{collection}/{record_id}", headers=user.headers)
        assert response.status == 200, await response.text()
        got: dict[str, Any] = await response.json()
        return got

    async def items(self, collection: str, user: User) -> list[dict[str, Any]]:
        """Return every record of the user in the collection, following the cursors."""
        items: list[dict[str, Any]] = []
        params = {"limit": "200"}
        while True:
            response = await self.client.get(f"/{collection}", params=params, headers=user.headers)
            assert response.status == 200, await response.text()
            page = await response.json()
            items += page["items"]
            if page["next_cursor"] is None:
                return items
            params = {"limit": "200", "cursor": page["next_cursor"]}

    async def everything(self, user: User) -> dict[str, list[dict[str, Any]]]:
        """Return every record of the user in all four collections."""
        return {name: await self.items(name, user) for name in COLLECTION_NAMES}

    @staticmethod
    async def problem(response: ClientResponse, status: int) -> dict[str, Any]:
        """Assert `response` is an RFC 9457 problem with `status`; return its body."""
        text = await response.text()
        assert response.status == status, text
        assert response.content_type == PROBLEM_CONTENT_TYPE, text
        body: dict[str, Any] = json.loads(text)
        assert body["status"] == status
        assert body["type"].startswith("urn:nestegg:problem:")
        assert body["title"] and body["detail"]
        return body

    @classmethod
    async def fields(cls, response: ClientResponse, status: int = 422) -> list[str]:
        """Assert a validation problem and return the fields its `errors` name."""
        body = await cls.problem(response, status)
        return [error["field"] for error in body["errors"]]


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


@pytest.fixture(scope="module")
def new_user(tokens: TokenFactory) -> Callable[[], User]:
    """Return a factory of new users (id and auth headers)."""

    def make() -> User:
        user_id = uuid.uuid4()
        return User(user_id, tokens.headers(user_id))

    return make


@pytest.fixture(params=COLLECTION_NAMES)
def collection(request: pytest.FixtureRequest) -> str:
    """Run the test once for each of the four collections."""
    name: str = request.param
    return name


Seed = Callable[[str, uuid.UUID, int], Awaitable[None]]


@pytest.fixture(scope="module")
def seed(pool: asyncpg.Pool) -> Seed:
    """Return `seed(collection, user_id, n)`: insert n valid records through the repository."""

    async def insert(collection: str, user_id: uuid.UUID, n: int) -> None:
        c = next(c for c in COLLECTIONS if c.name == collection)
        fields = fields_to_store(c, c.model.model_validate(VALID_BODIES[collection]))
        async with pool.acquire() as conn, conn.transaction():
            for _ in range(n):
                await repository.insert_record(conn, c, user_id=user_id, fields=fields)

    return insert


@pytest.fixture
def internal_headers() -> dict[str, str]:
    """Headers with the service token the app was configured with."""
    return {"Authorization": f"Bearer {INTERNAL_TOKEN}"}


OutModelDump = Callable[[Collection, Any], dict[str, Any]]


@pytest.fixture(scope="session")
def out_model_dump() -> OutModelDump:
    """Return the reference for `record_out`: validate the row as the out-model, dump as JSON.

    This is what `record_out` did before it converted rows directly; the tests hold the two
    equal, key order included.
    """

    def dump(c: Collection, row: Any) -> dict[str, Any]:
        data = dict(row)
        for col in c.rate_columns:
            data[col] = data[col].normalize()
        shown: dict[str, Any] = c.out_model.model_validate(data).model_dump(mode="json")
        return shown

    return dump
