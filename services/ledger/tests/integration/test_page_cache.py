"""The ledger's page cache against PostgreSQL: two apps on one database, each with its own
pool and listener (as two replicas), the module's app being the first.

What is shown: a process's own writes are seen at once (even with no notification at all);
another process's write, a write in SQL and an erasure are seen once their notification
arrives; a lost listener empties the cache and bypasses it until it listens again; a read
racing a write never stores the older page; one user's page is never another's; ETags and
If-None-Match hold on cached and uncached answers alike.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ledger import usecases
from ledger.app import create_app
from ledger.changes import PAGE_CACHE, PAGE_LISTENER
from ledger.settings import LedgerSettings
from nestegg_common.db import create_pool
from nestegg_common.testing.services import database_name_of
from nestegg_common.testing.tokens import TokenFactory

from ..conftest import Api, Seed, User

PAGE = ("assets", "")  # the cache key of GET /assets with no query


async def eventually(check: Callable[[], Awaitable[bool]], *, timeout_s: float = 5.0) -> float:
    """Wait until `check()` holds; return how long it took."""
    started = time.perf_counter()
    while not await check():
        assert time.perf_counter() - started < timeout_s, "never happened"
        await asyncio.sleep(0.01)
    return time.perf_counter() - started


async def serving(app: web.Application) -> None:
    async def is_serving() -> bool:
        return app[PAGE_CACHE].serving

    await eventually(is_serving)


async def names(client: TestClient, user: User, **params: str) -> list[str]:
    response = await client.get("/assets", params=params, headers=user.headers)
    assert response.status == 200, await response.text()
    return [item["name"] for item in (await response.json())["items"]]


async def cached(client: TestClient, user: User, count: int) -> None:
    """Read the user's page until it is kept (a notification of an earlier write may drop it)."""

    async def kept() -> bool:
        return len(await names(client, user)) == count and (
            client.app[PAGE_CACHE].get(user.id, PAGE) is not None
        )

    await eventually(kept, timeout_s=2.0)


def second_app(
    settings: LedgerSettings,
    tokens: TokenFactory,
    configure: Callable[[web.Application], None] = lambda _app: None,
    **changes: Any,
) -> Callable[[], AsyncIterator[TestClient]]:
    async def make() -> AsyncIterator[TestClient]:
        own = settings.model_copy(update=changes)
        pool = await create_pool(own.database_dsn(), max_size=5)
        app = create_app(
            own, pool=pool, fetch_jwks=tokens.fetch_jwks, fetch_erased=tokens.fetch_erased
        )
        configure(app)
        try:
            async with TestClient(TestServer(app)) as test_client:
                yield test_client
        finally:
            await pool.close()

    return make


@pytest_asyncio.fixture(scope="module")
async def other(ledger_settings: LedgerSettings, tokens: TokenFactory) -> AsyncIterator[TestClient]:
    """A second ledger app on the same database: another replica."""
    async for test_client in second_app(ledger_settings, tokens)():
        yield test_client


@pytest_asyncio.fixture
async def deaf(ledger_settings: LedgerSettings, tokens: TokenFactory) -> AsyncIterator[TestClient]:
    """A ledger app whose listener listens where nothing is ever notified."""

    def deafen(app: web.Application) -> None:
        app[PAGE_LISTENER].channel = "nothing_notifies_this"

    make = second_app(ledger_settings, tokens, deafen)()
    test_client = await anext(make)
    await serving(test_client.app)
    yield test_client
    await make.aclose()


async def test_own_writes_are_seen_at_once_even_with_no_notification(
    deaf: TestClient, new_user: Callable[[], User]
) -> None:
    api, me, cache = Api(deaf), new_user(), deaf.app[PAGE_CACHE]
    first = await api.create("assets", me, api.body("assets", name="first"))
    assert await names(deaf, me) == ["first"]
    assert cache.get(me.id, PAGE) is not None  # cached, and no notification will drop it
    await api.create("assets", me, api.body("assets", name="second"))
    assert await names(deaf, me) == ["second", "first"]
    response = await deaf.patch(
        f"/assets/{first['id']}", json={"name": "renamed"}, headers=me.headers
    )
    assert response.status == 200
    assert await names(deaf, me) == ["second", "renamed"]
    assert (await deaf.delete(f"/assets/{first['id']}", headers=me.headers)).status == 204
    assert await names(deaf, me) == ["second"]


async def test_a_write_through_another_replica_is_seen_once_notified(
    client: TestClient, other: TestClient, new_user: Callable[[], User], seed: Seed
) -> None:
    await serving(other.app)
    me = new_user()
    assert await names(other, me) == []
    assert other.app[PAGE_CACHE].get(me.id, PAGE) is not None
    await Api(client).create("assets", me, Api.body("assets", name="elsewhere"))

    async def seen_by_other() -> bool:
        return await names(other, me) == ["elsewhere"]

    await eventually(seen_by_other, timeout_s=2.0)
    # Any writer at all: a row inserted in SQL, outside every app.
    await seed("assets", me.id, 1)

    async def two_seen() -> bool:
        return len(await names(other, me)) == 2

    await eventually(two_seen, timeout_s=2.0)


async def test_an_erasure_elsewhere_drops_the_users_pages(
    client: TestClient,
    other: TestClient,
    new_user: Callable[[], User],
    internal_headers: dict[str, str],
) -> None:
    await serving(other.app)
    me = new_user()
    await Api(client).create("assets", me, Api.body("assets", name="mine"))
    assert await names(other, me) == ["mine"]
    event = {"id": str(uuid.uuid4()), "type": "user.deleted", "payload": {"user_id": str(me.id)}}
    response = await client.post("/internal/events", json=event, headers=internal_headers)
    assert response.status == 200
    # The erasure ran in the first app: the second drops the page on its notification.
    await eventually(lambda: _absent(other.app, me.id), timeout_s=2.0)


async def _absent(app: web.Application, owner: uuid.UUID) -> bool:
    return app[PAGE_CACHE].get(owner, PAGE) is None


async def test_a_lost_listener_empties_and_bypasses_the_cache_until_it_listens_again(
    other: TestClient,
    new_user: Callable[[], User],
    seed: Seed,
    pool: asyncpg.Pool,
    ledger_settings: LedgerSettings,
    pg_server_url: str,
) -> None:
    await serving(other.app)
    me, cache, listener = new_user(), other.app[PAGE_CACHE], other.app[PAGE_LISTENER]
    await seed("assets", me.id, 1)
    await cached(other, me, 1)
    database = database_name_of(ledger_settings.database_dsn())
    assert listener.connection is not None
    backend = listener.connection.get_server_pid()
    # No new connection may be made, so the listener cannot come back while we look (said from
    # another database: PostgreSQL refuses it from the one it closes).
    admin = await asyncpg.connect(pg_server_url)
    await admin.execute(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false')
    try:
        await pool.execute("SELECT pg_terminate_backend($1)", backend)

        async def suspended() -> bool:
            return not cache.serving

        await eventually(suspended, timeout_s=2.0)
        assert cache.size == (0, 0)
        # A write made while nobody listens is seen at once: nothing is served from memory,
        # and nothing read now is kept.
        await seed("assets", me.id, 1)
        assert len(await names(other, me)) == 2
        assert cache.size == (0, 0)
    finally:
        await admin.execute(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true')
        await admin.close()
    await serving(other.app)
    await cached(other, me, 2)


async def test_a_read_racing_a_write_never_stores_the_older_page(
    client: TestClient, new_user: Callable[[], User], monkeypatch: pytest.MonkeyPatch
) -> None:
    await serving(client.app)
    api, me = Api(client), new_user()
    await api.create("assets", me, api.body("assets", name="before"))
    read, release = asyncio.Event(), asyncio.Event()
    real = usecases.list_records_page

    async def read_then_wait(*args: Any, **kwargs: Any) -> Any:
        page = await real(*args, **kwargs)  # the snapshot is taken: it has "before" only
        read.set()
        await release.wait()
        return page

    monkeypatch.setattr(usecases, "list_records_page", read_then_wait)
    slow = asyncio.create_task(names(client, me))
    await read.wait()
    monkeypatch.setattr(usecases, "list_records_page", real)
    await api.create("assets", me, api.body("assets", name="after"))
    await asyncio.sleep(0.2)  # and its notification has arrived too: nothing drops it later
    release.set()
    assert await slow == ["before"]  # a read concurrent with the write may answer either
    assert client.app[PAGE_CACHE].get(me.id, PAGE) is None
    assert await names(client, me) == ["after", "before"]


async def test_one_users_page_is_never_anothers(
    client: TestClient, new_user: Callable[[], User]
) -> None:
    await serving(client.app)
    api, alice, bob = Api(client), new_user(), new_user()
    await api.create("assets", alice, api.body("assets", name="alice's"))
    await api.create("assets", bob, api.body("assets", name="bob's"))
    for _ in range(2):  # a miss, then a hit
        assert await names(client, alice, limit="3") == ["alice's"]
        assert await names(client, bob, limit="3") == ["bob's"]


async def test_etags_and_if_none_match_hold_cached_or_not(
    client: TestClient,
    new_user: Callable[[], User],
    ledger_settings: LedgerSettings,
    tokens: TokenFactory,
) -> None:
    await serving(client.app)
    api, me = Api(client), new_user()
    await api.create("assets", me, api.body("assets", name="one"))
    miss = await client.get("/assets", headers=me.headers)
    hit = await client.get("/assets", headers=me.headers)
    assert miss.headers["ETag"] == hit.headers["ETag"]
    assert await miss.read() == await hit.read()
    tag = hit.headers["ETag"]
    unchanged = await client.get("/assets", headers=me.with_headers(if_none_match=tag))
    assert unchanged.status == 304 and await unchanged.read() == b""
    assert unchanged.headers["ETag"] == tag
    weak = await client.get("/assets", headers=me.with_headers(if_none_match=f'"x", W/{tag}'))
    assert weak.status == 304
    await api.create("assets", me, api.body("assets", name="two"))
    changed = await client.get("/assets", headers=me.with_headers(if_none_match=tag))
    assert changed.status == 200 and changed.headers["ETag"] != tag
    # With the cache off, the same bytes carry the same tag.
    async for uncached in second_app(ledger_settings, tokens, ledger_page_cache_mb=0)():
        plain = await uncached.get("/assets", headers=me.headers)
        assert plain.headers["ETag"] == changed.headers["ETag"]
        assert not uncached.app[PAGE_CACHE].serving
        assert uncached.app[PAGE_CACHE].size == (0, 0)


async def test_the_summary_is_cached_and_dropped_with_the_pages(
    client: TestClient, other: TestClient, new_user: Callable[[], User]
) -> None:
    await serving(other.app)
    api, me = Api(client), new_user()

    async def total(via: TestClient) -> str:
        response = await via.get("/ledger/summary", headers=me.headers)
        assert response.status == 200 and "ETag" in response.headers
        value: str = (await response.json())["total_assets"]
        return value

    assert (await total(client), await total(other)) == ("0.00", "0.00")
    assert other.app[PAGE_CACHE].get(me.id, ("summary", "")) is not None
    await api.create("assets", me, api.body("assets", balance="10"))
    assert await total(client) == "10.00"  # own write: at once

    async def other_sees_it() -> bool:
        return await total(other) == "10.00"

    await eventually(other_sees_it, timeout_s=2.0)


async def test_a_query_is_keyed_as_sent_so_an_encoded_one_is_not_another(
    client: TestClient, new_user: Callable[[], User], seed: Seed
) -> None:
    await serving(client.app)
    me = new_user()
    await seed("assets", me.id, 3)
    first = await client.get("/assets?limit=1", headers=me.headers)
    cursor = (await first.json())["next_cursor"]
    plain = await client.get(f"/assets?cursor={cursor}&limit=1", headers=me.headers)
    assert plain.status == 200
    # Decoded, this is the query above; as sent, it is one cursor "…&limit=1": not ours, 400.
    encoded = await client.get(f"/assets?cursor={cursor}%26limit%3D1", headers=me.headers)
    assert encoded.status == 400


async def test_a_listen_that_stops_hearing_turns_the_cache_off_until_it_hears_again(
    ledger_settings: LedgerSettings, tokens: TokenFactory, new_user: Callable[[], User]
) -> None:
    # What PgBouncer's transaction mode does to a LISTEN: the connection answers queries but no
    # notification comes back. The listener's own ping does not return, so it stops serving.
    def quick(app: web.Application) -> None:
        app[PAGE_LISTENER].heartbeat_s = 0.3

    make = second_app(ledger_settings, tokens, quick)()
    app_client = await anext(make)
    cache, listener, me = app_client.app[PAGE_CACHE], app_client.app[PAGE_LISTENER], new_user()

    async def off() -> bool:
        return not cache.serving

    try:
        await serving(app_client.app)
        assert await names(app_client, me) == []
        assert cache.get(me.id, PAGE) is not None
        assert listener.connection is not None
        deafened = listener.connection
        await deafened.execute("UNLISTEN *")
        await eventually(off, timeout_s=2.0)
        assert cache.size == (0, 0)
        await serving(app_client.app)  # a new connection, listening and heard again
        assert listener.connection is not deafened
    finally:
        await make.aclose()


async def test_the_metrics_count_hits_misses_and_what_is_held(
    client: TestClient, new_user: Callable[[], User], internal_headers: dict[str, str]
) -> None:
    """Scraped counters move by exactly this test's reads (the module's app is shared)."""

    async def scraped() -> dict[str, float]:
        response = await client.get("/metrics", headers=internal_headers)
        assert response.status == 200
        values = {}
        for line in (await response.text()).splitlines():
            if line.startswith("nestegg_page_cache_"):
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
        return values

    await serving(client.app)
    api, me = Api(client), new_user()
    await api.create("assets", me, api.body("assets", name="counted"))
    await cached(client, me, 1)
    before = await scraped()
    assert before["nestegg_page_cache_serving"] == 1
    for _ in range(3):
        assert await names(client, me) == ["counted"]
    after = await scraped()
    hits = after["nestegg_page_cache_hits_total"] - before["nestegg_page_cache_hits_total"]
    misses = after["nestegg_page_cache_misses_total"] - before["nestegg_page_cache_misses_total"]
    # Every read counted once; hits, but for at most one miss if the create's notification
    # came after the page was kept (it drops it once; the next read keeps it again).
    assert (hits, misses) in ((3, 0), (2, 1))
    # Other users' pages come and go with earlier tests' late notifications: held is >= 1.
    assert after["nestegg_page_cache_entries"] >= 1
    assert after["nestegg_page_cache_bytes"] > len(b'{"items":[]}')
