"""`/healthz` and `/readyz` of a service app, against a real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from nestegg_common.auth import FetchJwks
from nestegg_common.db import create_pool
from nestegg_common.health import expected_migration_ids, pending_migrations
from nestegg_common.migrations import apply_migrations, rollback_migrations
from nestegg_common.service import TOKEN_CHECKS, new_service_app
from nestegg_common.settings import ServiceSettings
from nestegg_common.testing.postgres import create_database, drop_database, unique_database_name
from nestegg_common.testing.tokens import TokenFactory

FIRST = "0001.create_widgets"
SECOND = "0002.create_gadgets"


class WidgetSettings(ServiceSettings):
    @property
    def database_name(self) -> str:
        return "widgets"


TOKENS = TokenFactory()


async def nobody_erased(_since: datetime) -> list[tuple[uuid.UUID, datetime]]:
    return []


@pytest.fixture(scope="module")
def migrations_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("health") / "migrations"
    folder.mkdir()
    (folder / f"{FIRST}.sql").write_text("CREATE TABLE widgets (id int PRIMARY KEY);\n")
    (folder / f"{FIRST}.rollback.sql").write_text("DROP TABLE widgets;\n")
    (folder / f"{SECOND}.sql").write_text(
        f"-- depends: {FIRST}\nCREATE TABLE gadgets (id int PRIMARY KEY);\n"
    )
    (folder / f"{SECOND}.rollback.sql").write_text("DROP TABLE gadgets;\n")
    return folder


@pytest.fixture
def database(pg_server_url: str, request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    name = unique_database_name(request.node.name)
    yield name, create_database(pg_server_url, name)
    drop_database(pg_server_url, name)


@pytest_asyncio.fixture
async def pool(database: tuple[str, str]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database[1], min_size=1, max_size=2)
    yield pool
    await pool.close()


async def serve(
    pool: asyncpg.Pool, migrations_dir: Path, fetch_jwks: FetchJwks = TOKENS.fetch_jwks
) -> TestClient[Any, Any]:
    app = new_service_app(
        WidgetSettings(internal_token="t0ken-for-health-tests"),
        migrations_dir=migrations_dir,
        fetch_jwks=fetch_jwks,
        fetch_erased=nobody_erased,
        pool=pool,
    )
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    for _ in range(100):  # the keys and erased users are read in the background from the start
        if fetch_jwks is not TOKENS.fetch_jwks or not app[TOKEN_CHECKS].not_ready():
            break
        await asyncio.sleep(0.01)
    return client


async def test_readyz_waits_for_the_token_keys_and_is_ready_as_soon_as_it_holds_them(
    pool: asyncpg.Pool, migrations_dir: Path, database: tuple[str, str]
) -> None:
    apply_migrations(database[1], migrations_dir)
    accounts_up = False

    async def jwks_of_a_starting_accounts() -> dict[str, Any]:
        if not accounts_up:
            raise ConnectionError("accounts is starting")
        return TOKENS.jwks()

    client = await serve(pool, migrations_dir, jwks_of_a_starting_accounts)
    try:
        await asyncio.sleep(0.3)
        response = await client.get("/readyz")
        assert response.status == 503
        assert await response.json() == {"status": "unavailable", "waiting_for": ["keys"]}
        accounts_up = True
        for _ in range(60):  # retried every 50 ms doubling to 1 s: ready within about 1 s
            await asyncio.sleep(0.025)
            if (await client.get("/readyz")).status == 200:
                break
        assert (await client.get("/readyz")).status == 200
    finally:
        await client.close()


def test_expected_migration_ids_skip_rollbacks(migrations_dir: Path) -> None:
    assert expected_migration_ids(migrations_dir) == {FIRST, SECOND}


async def test_healthz_answers_without_a_token(pool: asyncpg.Pool, migrations_dir: Path) -> None:
    client = await serve(pool, migrations_dir)
    try:
        response = await client.get("/healthz")
        assert response.status == 200
        assert await response.json() == {"status": "ok"}
    finally:
        await client.close()


async def test_readyz_lists_pending_migrations_until_they_are_applied(
    pool: asyncpg.Pool, migrations_dir: Path, database: tuple[str, str]
) -> None:
    client = await serve(pool, migrations_dir)
    try:
        response = await client.get("/readyz")
        assert response.status == 503
        assert await response.json() == {
            "status": "unavailable",
            "database": "ok",
            "pending_migrations": [FIRST, SECOND],
        }
        apply_migrations(database[1], migrations_dir)
        response = await client.get("/readyz")
        assert response.status == 200
        assert await response.json() == {"status": "ok", "database": "ok"}
        rollback_migrations(database[1], migrations_dir, steps=1)
        response = await client.get("/readyz")
        assert response.status == 503
        assert (await response.json())["pending_migrations"] == [SECOND]
    finally:
        await client.close()


async def test_pending_migrations_reads_the_yoyo_table(
    pool: asyncpg.Pool, migrations_dir: Path, database: tuple[str, str]
) -> None:
    assert await pending_migrations(pool, migrations_dir) == [FIRST, SECOND]
    apply_migrations(database[1], migrations_dir)
    assert await pending_migrations(pool, migrations_dir) == []


async def test_readyz_is_503_unreachable_when_the_pool_is_closed(
    database: tuple[str, str], migrations_dir: Path
) -> None:
    apply_migrations(database[1], migrations_dir)
    closed = await create_pool(database[1], min_size=1, max_size=1)
    await closed.close()
    client = await serve(closed, migrations_dir)
    try:
        response = await client.get("/readyz")
        assert response.status == 503
        assert await response.json() == {"status": "unavailable", "database": "unreachable"}
        assert (await client.get("/healthz")).status == 200
    finally:
        await client.close()


async def ready_then_drop(
    client: TestClient[Any, Any], pg_server_url: str, database: tuple[str, str]
) -> None:
    assert (await client.get("/readyz")).status == 200
    drop_database(pg_server_url, database[0])


async def test_readyz_is_503_unreachable_after_the_database_is_dropped(
    pg_server_url: str, pool: asyncpg.Pool, migrations_dir: Path, database: tuple[str, str]
) -> None:
    apply_migrations(database[1], migrations_dir)
    client = await serve(pool, migrations_dir)
    try:
        await ready_then_drop(client, pg_server_url, database)
        await asyncio.sleep(0.5)  # let asyncpg see its connection closed
        for _ in range(2):
            response = await client.get("/readyz")
            assert response.status == 503
            assert await response.json() == {"status": "unavailable", "database": "unreachable"}
    finally:
        await client.close()


async def test_readyz_is_503_at_once_when_the_database_is_dropped(
    pg_server_url: str, pool: asyncpg.Pool, migrations_dir: Path, database: tuple[str, str]
) -> None:
    apply_migrations(database[1], migrations_dir)
    client = await serve(pool, migrations_dir)
    try:
        await ready_then_drop(client, pg_server_url, database)
        response = await client.get("/readyz")
        assert response.status == 503
        assert await response.json() == {"status": "unavailable", "database": "unreachable"}
    finally:
        await client.close()


async def test_the_service_app_protects_internal_paths(
    pool: asyncpg.Pool, migrations_dir: Path
) -> None:
    client = await serve(pool, migrations_dir)
    try:
        assert (await client.get("/internal/anything")).status == 401
        response = await client.get(
            "/internal/anything", headers={"Authorization": "Bearer t0ken-for-health-tests"}
        )
        assert response.status == 404
        assert (await client.get("/private")).status == 401
    finally:
        await client.close()
