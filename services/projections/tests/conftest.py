"""Fixtures for the projections service: a migrated database per module, the app on a real
socket with a real process pool, tokens signed with a test key, and a stand-in for accounts
and ledger served on its own socket, whose per-user answers each test controls."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from nestegg_common.db import create_pool
from nestegg_common.input_changes import CHANGES_HEADER, changes_path
from nestegg_common.migrations import apply_migrations
from nestegg_common.testing.services import database_name_of
from nestegg_common.testing.tokens import QueryCounter, TokenFactory
from projections.app import MIGRATIONS_DIR, create_app
from projections.engine import SHIPPED_HISTORICAL_DATA
from projections.settings import ProjectionsSettings

INTERNAL_TOKEN = "projections-test-internal-token"
PROBLEM_CONTENT_TYPE = "application/problem+json"
UPSTREAM_TIMEOUT_S = 1.0


# --- Tokens -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    """A user that exists only in the test: an id and the headers that sign them in."""

    id: uuid.UUID
    headers: dict[str, str]


# --- The stand-in for accounts and ledger --------------------------------------------------------


@dataclass
class StandIn:
    """Plays accounts' profile and ledger's snapshot endpoints; tests set what each user gets."""

    url: str = ""
    profiles: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    snapshots: dict[uuid.UUID, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    down: set[uuid.UUID] = field(default_factory=set)
    garbled: set[uuid.UUID] = field(default_factory=set)
    delay_s: dict[uuid.UUID, float] = field(default_factory=dict)
    calls: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    # Users whose answers carry change counters, as accounts and ledger send them (issue 19):
    # {"profile": n, "ledger": m}. A test changing such a user's data must announce it
    # (`announce`), as the real services do before committing; others send no counters.
    counters: dict[uuid.UUID, dict[str, int]] = field(default_factory=dict)
    arrivals: dict[uuid.UUID, asyncio.Event] = field(default_factory=dict)
    refused: int = 0

    def person(
        self,
        user_id: uuid.UUID,
        *,
        age: int,
        retire_at: int,
        plan_to: int,
        birth_date: str | None = "",
        **records: list[dict[str, Any]],
    ) -> None:
        """Give a user a profile (born 1 January `age` years ago) and ledger records."""
        self.profiles[user_id] = {
            "display_name": None,
            "birth_date": f"{date.today().year - age}-01-01" if birth_date == "" else birth_date,
            "retirement_age": retire_at,
            "life_expectancy": plan_to,
            "currency": "USD",
        }
        self.snapshots[user_id] = {
            kind: list(records.get(kind, [])) for kind in ("assets", "debts", "incomes", "expenses")
        }

    def arrival(self, user_id: uuid.UUID) -> asyncio.Event:
        """Return an event set when the next call for the user arrives."""
        self.arrivals[user_id] = asyncio.Event()
        return self.arrivals[user_id]

    def app(self) -> web.Application:
        async def answer(request: web.Request) -> web.Response:
            if request.headers.get("Authorization") != f"Bearer {INTERNAL_TOKEN}":
                self.refused += 1
                return web.json_response({"detail": "service token required"}, status=401)
            user_id = uuid.UUID(request.match_info["user_id"])
            what = request.match_info["what"]
            self.calls.append((what, user_id))
            if user_id in self.arrivals:
                self.arrivals[user_id].set()
            await asyncio.sleep(self.delay_s.get(user_id, 0.0))
            if user_id in self.down:
                return web.json_response({"detail": "down for the test"}, status=503)
            if user_id in self.garbled:  # a proxy's error page, say, sent with 200
                return web.Response(
                    text="<html>upstream says hello</html>", content_type="text/html"
                )
            empty: dict[str, list[Any]] = {
                k: [] for k in ("assets", "debts", "incomes", "expenses")
            }
            if what.startswith("profile") and user_id not in self.profiles:
                return web.json_response({"detail": "no such user"}, status=404)
            data = (
                self.profiles[user_id]
                if what.startswith("profile")
                else self.snapshots.get(user_id, empty)
            )
            # Versions as accounts and ledger give them: equal versions, equal contents.
            version = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
            if what.endswith("-version"):
                return web.json_response({"version": f'"{version}"'})
            headers = {"ETag": f'"{version}"'}
            if user_id in self.counters:
                source = "profile" if what == "profile" else "ledger"
                headers[CHANGES_HEADER] = str(self.counters[user_id][source])
            return web.json_response(data, headers=headers)

        app = web.Application()
        app.router.add_get(
            "/internal/users/{user_id}/{what:profile|snapshot|profile-version|snapshot-version}",
            answer,
        )
        return app


@pytest_asyncio.fixture(scope="module")
async def upstream() -> AsyncIterator[StandIn]:
    """Serve the stand-in for accounts and ledger on a real socket for the module."""
    stand_in = StandIn()
    server = TestServer(stand_in.app())
    await server.start_server()
    stand_in.url = str(server.make_url("/")).rstrip("/")
    yield stand_in
    await server.close()


# --- The projections app -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    """Settings a module changes (override this fixture in the module)."""
    return {}


@pytest.fixture(scope="module")
def projections_settings(
    module_database_url: str, upstream: StandIn, settings_overrides: dict[str, Any]
) -> ProjectionsSettings:
    apply_migrations(module_database_url, MIGRATIONS_DIR)
    given: dict[str, Any] = {
        "database_url": module_database_url,
        "projections_database": database_name_of(module_database_url),
        "internal_token": INTERNAL_TOKEN,
        "accounts_url": upstream.url,
        "ledger_url": upstream.url,
        # Explicit, so a NESTEGG_HISTORICAL_DATA in the developer's environment cannot leak in.
        "historical_data": SHIPPED_HISTORICAL_DATA,
        "projection_workers": 1,
        "upstream_timeout_s": UPSTREAM_TIMEOUT_S,
        **settings_overrides,
    }
    return ProjectionsSettings(**given)


@pytest.fixture(scope="module")
def tokens() -> TokenFactory:
    return TokenFactory(kid="projections-test-key")


@pytest.fixture(scope="module")
def queries() -> QueryCounter:
    return QueryCounter()


@pytest_asyncio.fixture(scope="module")
async def pool(
    projections_settings: ProjectionsSettings, queries: QueryCounter
) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(
        projections_settings.database_dsn(), max_size=20, query_observer=queries.observe
    )
    yield pool
    await pool.close()


@pytest_asyncio.fixture(scope="module")
async def client(
    projections_settings: ProjectionsSettings, pool: asyncpg.Pool, tokens: TokenFactory
) -> AsyncIterator[TestClient]:
    app = create_app(
        projections_settings,
        pool=pool,
        fetch_jwks=tokens.fetch_jwks,
        fetch_erased=tokens.fetch_erased,
    )
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def new_user(tokens: TokenFactory) -> Callable[[], User]:
    """Return a factory of new users (id and auth headers)."""

    def make() -> User:
        user_id = uuid.uuid4()
        return User(user_id, tokens.headers(user_id))

    return make


@pytest.fixture
def internal_headers() -> dict[str, str]:
    """Headers with the service token the app was configured with."""
    return {"Authorization": f"Bearer {INTERNAL_TOKEN}"}


# --- Helpers shared by the integration modules ---------------------------------------------------


@dataclass
class Api:
    """Thin helpers over the test client and the database for what most tests do."""

    client: TestClient
    pool: asyncpg.Pool

    async def create_projection(
        self, user: User, name: str = "Plan", **assumptions: Any
    ) -> dict[str, Any]:
        body = {"name": name, "assumptions": assumptions}
        response = await self.client.post("/projections", json=body, headers=user.headers)
        assert response.status == 201, await response.text()
        created: dict[str, Any] = await response.json()
        return created

    async def create_scenario(
        self, user: User, projection_id: str, name: str = "What if", **overrides: Any
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"/projections/{projection_id}/scenarios",
            json={"name": name, "overrides": overrides},
            headers=user.headers,
        )
        assert response.status == 201, await response.text()
        created: dict[str, Any] = await response.json()
        return created

    async def announce(
        self, upstream: StandIn, user: User, source: str, counter: int | None = None
    ) -> None:
        """Raise the user's counter of `source` at the stand-in and announce it, as a write does."""
        counters = upstream.counters.setdefault(user.id, {"profile": 1, "ledger": 0})
        counters[source] = counters[source] + 1 if counter is None else counter
        response = await self.client.post(
            changes_path(user.id),
            json={"source": source, "counter": counters[source]},
            headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
        )
        assert response.status == 204, await response.text()

    async def post(self, user: User, path: str, body: Any = None) -> ClientResponse:
        return await self.client.post(
            path, json=body if body is not None else {}, headers=user.headers
        )

    async def run(
        self, user: User, projection_id: str, scenario_id: str | None = None
    ) -> dict[str, Any]:
        body = {} if scenario_id is None else {"scenario_id": scenario_id}
        response = await self.post(user, f"/projections/{projection_id}/run", body)
        assert response.status == 200, await response.text()
        result: dict[str, Any] = await response.json()
        return result

    async def count(self, table: str, user_id: uuid.UUID) -> int:
        """Return how many rows of `table` the user owns."""
        assert table in {"projections", "scenarios", "runs", "idempotency_keys"}
        sql = f"SELECT count(*) FROM {table} WHERE user_id = $1"  # noqa: S608 - table checked
        counted: int = await self.pool.fetchval(sql, user_id)
        return counted

    async def counts(self, user_id: uuid.UUID) -> dict[str, int]:
        tables = ("projections", "scenarios", "runs", "idempotency_keys")
        return {t: await self.count(t, user_id) for t in tables}

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
def api(client: TestClient, pool: asyncpg.Pool) -> Api:
    return Api(client, pool)


@pytest.fixture(scope="session")
def historical_data_file() -> Path:
    """Return the Shiller CSV the engine ships (every test uses it; none skips for want of it)."""
    return SHIPPED_HISTORICAL_DATA
