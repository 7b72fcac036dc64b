"""Every write of a user's records raises their change counter and tells projections before it
commits (issue 19, nestegg_common.input_changes): projections serves a stored result by these
counters without asking the ledger, so a write it was not told of must not happen at all."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from ledger.app import MIGRATIONS_DIR
from ledger.settings import LedgerSettings
from nestegg_common.migrations import apply_migrations
from nestegg_common.testing.services import database_name_of
from nestegg_common.testing.tokens import TokenFactory

from ..conftest import INTERNAL_TOKEN, VALID_BODIES


@dataclass
class Projections:
    """Stands in for projections' announcement endpoint; sees what is committed when told."""

    pool: asyncpg.Pool | None = None
    url: str = ""
    down: bool = False
    erased: set[uuid.UUID] = field(default_factory=set)
    heard: list[tuple[uuid.UUID, dict[str, Any], int, int]] = field(default_factory=list)

    def app(self) -> web.Application:
        async def hear(request: web.Request) -> web.StreamResponse:
            if request.headers.get("Authorization") != f"Bearer {INTERNAL_TOKEN}":
                return web.json_response({"detail": "service token required"}, status=401)
            if self.down:
                return web.json_response({"detail": "down for the test"}, status=503)
            user_id = uuid.UUID(request.match_info["user_id"])
            if user_id in self.erased:
                return web.Response(status=410)
            assert self.pool is not None
            async with self.pool.acquire() as conn:  # what others see while the write waits
                assets = await conn.fetchval(
                    "SELECT count(*) FROM assets WHERE user_id = $1", user_id
                )
                counter = await conn.fetchval(
                    "SELECT coalesce(max(counter), 0) FROM user_changes WHERE user_id = $1",
                    user_id,
                )
            self.heard.append((user_id, await request.json(), assets, counter))
            return web.Response(status=204)

        app = web.Application()
        app.router.add_post("/internal/users/{user_id}/input-changes", hear)
        return app


@pytest_asyncio.fixture(scope="module")
async def projections() -> AsyncIterator[Projections]:
    stand_in = Projections()
    server = TestServer(stand_in.app())
    await server.start_server()
    stand_in.url = str(server.make_url("/")).rstrip("/")
    yield stand_in
    await server.close()


@pytest.fixture(scope="module")
def ledger_settings(module_database_url: str, projections: Projections) -> LedgerSettings:
    apply_migrations(module_database_url, MIGRATIONS_DIR)
    return LedgerSettings(
        database_url=module_database_url,
        ledger_database=database_name_of(module_database_url),
        internal_token=INTERNAL_TOKEN,
        projections_url=projections.url,
        announce_input_changes=True,
    )


@pytest.fixture(autouse=True)
def _watch(projections: Projections, pool: asyncpg.Pool) -> None:
    projections.pool, projections.down = pool, False
    projections.heard.clear()


async def test_each_write_announces_its_counter_before_it_commits(
    client, tokens: TokenFactory, projections: Projections
) -> None:
    me = uuid.uuid4()
    headers = tokens.headers(me)
    created = await client.post("/assets", json=VALID_BODIES["assets"], headers=headers)
    assert created.status == 201, await created.text()
    asset_id = (await created.json())["id"]
    changed = await client.patch(f"/assets/{asset_id}", json={"balance": "2"}, headers=headers)
    assert changed.status == 200
    debt = await client.post("/debts", json=VALID_BODIES["debts"], headers=headers)
    assert (await client.delete(f"/assets/{asset_id}", headers=headers)).status == 204
    assert debt.status == 201
    # (user, announcement, assets committed when told, counter committed when told)
    assert projections.heard == [
        (me, {"source": "ledger", "counter": 1}, 0, 0),  # the new asset not committed yet
        (me, {"source": "ledger", "counter": 2}, 1, 1),
        (me, {"source": "ledger", "counter": 3}, 1, 2),
        (me, {"source": "ledger", "counter": 4}, 1, 3),  # the deleted asset still there
    ]
    snapshot = await client.get(
        f"/internal/users/{me}/snapshot", headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    )
    assert snapshot.headers["Nestegg-Changes"] == "4"


async def test_a_write_projections_cannot_be_told_of_is_refused_and_not_stored(
    client, tokens: TokenFactory, projections: Projections, pool: asyncpg.Pool
) -> None:
    me = uuid.uuid4()
    headers = tokens.headers(me)
    created = await client.post("/assets", json=VALID_BODIES["assets"], headers=headers)
    asset_id = (await created.json())["id"]
    projections.down = True
    refused = [
        await client.post("/assets", json=VALID_BODIES["assets"], headers=headers),
        await client.patch(f"/assets/{asset_id}", json={"balance": "2"}, headers=headers),
        await client.delete(f"/assets/{asset_id}", headers=headers),
    ]
    for response in refused:
        assert response.status == 503
        assert response.content_type == "application/problem+json"
        assert response.headers["Retry-After"] == "5"
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT balance, version FROM assets WHERE user_id = $1", me)
        counter = await conn.fetchval("SELECT counter FROM user_changes WHERE user_id = $1", me)
    assert [(str(r["balance"]), r["version"]) for r in rows] == [("1000.50", 1)]
    assert counter == 1


async def test_a_snapshot_of_a_user_who_never_wrote_has_counter_zero(client) -> None:
    snapshot = await client.get(
        f"/internal/users/{uuid.uuid4()}/snapshot",
        headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
    )
    assert snapshot.status == 200 and snapshot.headers["Nestegg-Changes"] == "0"


async def test_a_write_of_a_user_projections_erased_already_is_refused_as_erased(
    client, tokens: TokenFactory, projections: Projections, pool: asyncpg.Pool
) -> None:
    """The user.deleted event reached projections first: the write is the erased user's 401."""
    me = uuid.uuid4()
    projections.erased.add(me)
    response = await client.post("/assets", json=VALID_BODIES["assets"], headers=tokens.headers(me))
    assert response.status == 401
    assert response.content_type == "application/problem+json"
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM assets WHERE user_id = $1", me) == 0
