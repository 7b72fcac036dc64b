"""The outbox dispatcher against real subscribers over HTTP and a real PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from accounts import outbox, outbox_repository
from accounts.app import create_app
from accounts.settings import AccountsSettings
from nestegg_common.db import create_pool
from nestegg_common.testing.services import TestSecrets, free_port

from .helpers import bearer, logged_in, registered_user
from .subscriber import Subscriber

# Small poll interval and back-off keep retries quick; the send timeout bounds a hung call.
FAST: dict[str, Any] = {
    "outbox_dispatcher_enabled": True,
    "outbox_poll_interval_s": 0.02,
    "outbox_backoff_base_s": 0.02,
    "outbox_backoff_max_s": 0.2,
    "outbox_send_timeout_s": 2.0,
    # The gateway subscribes too; it has tests of its own (test_erasure_push.py).
    "event_subscribers": ("ledger", "projections"),
}


def dispatching(settings: AccountsSettings, **changes: Any) -> AccountsSettings:
    return AccountsSettings(**{**settings.model_dump(), **FAST, **changes})


@asynccontextmanager
async def running(settings: AccountsSettings) -> AsyncIterator[TestClient]:
    """Serve a fresh accounts app (its own pool, client and dispatcher) until the block ends."""
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


async def eventually(check: Callable[[], Awaitable[bool]], *, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def erase_someone(client: TestClient, db: asyncpg.Connection) -> tuple[str, uuid.UUID]:
    """Delete a new user through the API; return their id and the id of the event it wrote."""
    email, user = await registered_user(client, prefix="outbox")
    response = await client.delete("/me", headers=bearer(await logged_in(client, email)))
    assert response.status == 204
    event_id = await db.fetchval("SELECT id FROM outbox WHERE payload->>'user_id' = $1", user["id"])
    return user["id"], event_id


async def record_events(db: asyncpg.Connection, count: int, *subscribers: str) -> list[uuid.UUID]:
    async with db.transaction():
        return [
            await outbox.record_event(
                db,
                event_type=outbox.USER_DELETED,
                payload={"user_id": str(uuid.uuid4())},
                subscribers=subscribers,
            )
            for _ in range(count)
        ]


async def deliveries(db: asyncpg.Connection, event_id: uuid.UUID) -> dict[str, asyncpg.Record]:
    rows = await db.fetch(
        "SELECT subscriber, attempts, delivered_at, last_error "
        "FROM outbox_deliveries WHERE event_id = $1",
        event_id,
    )
    return {r["subscriber"]: r for r in rows}


def delivered(db: asyncpg.Connection, *event_ids: uuid.UUID) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        pending = await db.fetchval(
            "SELECT count(*) FROM outbox_deliveries "
            "WHERE event_id = ANY($1) AND delivered_at IS NULL",
            list(event_ids),
        )
        return bool(pending == 0)

    return check


@pytest_asyncio.fixture
async def ledger() -> AsyncIterator[Subscriber]:
    subscriber = Subscriber()
    await subscriber.start()
    yield subscriber
    await subscriber.stop()


@pytest_asyncio.fixture
async def projections() -> AsyncIterator[Subscriber]:
    subscriber = Subscriber()
    await subscriber.start()
    yield subscriber
    await subscriber.stop()


async def test_every_subscriber_gets_the_event_with_the_service_token(
    accounts_settings: AccountsSettings,
    db: asyncpg.Connection,
    test_secrets: TestSecrets,
    ledger: Subscriber,
    projections: Subscriber,
) -> None:
    settings = dispatching(
        accounts_settings, ledger_url=ledger.url, projections_url=projections.url
    )
    async with running(settings) as client:
        user_id, event_id = await erase_someone(client, db)
        await eventually(delivered(db, event_id))

    for subscriber in (ledger, projections):
        [got] = [r for r in subscriber.received if r.body["id"] == str(event_id)]
        assert got.authorization == f"Bearer {test_secrets.internal_token}"
        assert got.body == {
            "id": str(event_id),
            "type": "user.deleted",
            "occurred_at": got.body["occurred_at"],
            "payload": {"user_id": user_id},
        }
        assert datetime.fromisoformat(got.body["occurred_at"]).tzinfo is not None
    state = await deliveries(db, event_id)
    assert {s: (r["attempts"], r["last_error"]) for s, r in state.items()} == {
        "ledger": (1, None),
        "projections": (1, None),
    }


async def test_a_subscriber_failing_twice_gets_the_event_on_the_third_attempt(
    accounts_settings: AccountsSettings,
    db: asyncpg.Connection,
    ledger: Subscriber,
    projections: Subscriber,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ledger.fail_first = 2
    settings = dispatching(
        accounts_settings, ledger_url=ledger.url, projections_url=projections.url
    )
    with caplog.at_level(logging.INFO, logger="accounts.outbox"):
        async with running(settings) as client:
            user_id, event_id = await erase_someone(client, db)
            await eventually(delivered(db, event_id))

    state = await deliveries(db, event_id)
    assert (state["ledger"]["attempts"], state["ledger"]["last_error"]) == (3, None)
    assert state["projections"]["attempts"] == 1
    assert [r.status for r in ledger.received if r.body["id"] == str(event_id)] == [503, 503, 204]
    assert ledger.acknowledged(str(event_id)) == projections.acknowledged(str(event_id)) == 1
    failures = [r for r in caplog.records if r.getMessage() == "outbox delivery failed"]
    assert len(failures) >= 2 and all(r.__dict__["error"] == "HTTP 503" for r in failures)
    assert not any(user_id in repr(r.__dict__) for r in caplog.records)  # ids of events only


async def test_a_refusing_subscriber_keeps_the_delivery_pending_with_the_status_as_error(
    accounts_settings: AccountsSettings,
    db: asyncpg.Connection,
    ledger: Subscriber,
    projections: Subscriber,
) -> None:
    ledger.fail_first = 10**6
    settings = dispatching(
        accounts_settings, ledger_url=ledger.url, projections_url=projections.url
    )
    async with running(settings) as client:
        _, event_id = await erase_someone(client, db)

        async def refused_twice() -> bool:
            row = (await deliveries(db, event_id))["ledger"]
            return bool(row["attempts"] >= 2)

        await eventually(refused_twice)
        row = (await deliveries(db, event_id))["ledger"]
        assert row["delivered_at"] is None and row["last_error"] == "HTTP 503"
        ledger.fail_first = 0
        await eventually(delivered(db, event_id))
    assert ledger.acknowledged(str(event_id)) == 1


async def test_a_subscriber_that_is_down_stays_pending_then_gets_the_event_once_it_starts(
    accounts_settings: AccountsSettings, db: asyncpg.Connection, projections: Subscriber
) -> None:
    port = free_port()  # nothing listens here yet: connections are refused
    ledger = Subscriber()
    settings = dispatching(
        accounts_settings, ledger_url=f"http://127.0.0.1:{port}", projections_url=projections.url
    )
    async with running(settings) as client:
        _, event_id = await erase_someone(client, db)

        async def ledger_refused() -> bool:
            return (await deliveries(db, event_id))["ledger"]["last_error"] is not None

        await eventually(ledger_refused)
        state = await deliveries(db, event_id)
        assert state["ledger"]["delivered_at"] is None
        assert state["ledger"]["last_error"] == "ConnectError"

        async def projections_delivered() -> bool:
            return (await deliveries(db, event_id))["projections"]["delivered_at"] is not None

        await eventually(projections_delivered)  # each subscriber is delivered independently

        await ledger.start(port)
        try:
            await eventually(delivered(db, event_id))
        finally:
            await ledger.stop()
    assert ledger.acknowledged(str(event_id)) == 1
    assert projections.acknowledged(str(event_id)) == 1


async def test_a_new_app_instance_delivers_what_a_stopped_one_left_pending(
    accounts_settings: AccountsSettings, db: asyncpg.Connection, projections: Subscriber
) -> None:
    port = free_port()
    ledger = Subscriber()
    settings = dispatching(
        accounts_settings, ledger_url=f"http://127.0.0.1:{port}", projections_url=projections.url
    )
    async with running(settings) as client:
        _, event_id = await erase_someone(client, db)

        async def ledger_tried() -> bool:
            return (await deliveries(db, event_id))["ledger"]["attempts"] >= 1

        await eventually(ledger_tried)
    attempts_at_stop = (await deliveries(db, event_id))["ledger"]["attempts"]
    await ledger.start(port)
    try:
        await asyncio.sleep(0.3)  # the stopped app's dispatcher must not be running any more
        assert (await deliveries(db, event_id))["ledger"]["attempts"] == attempts_at_stop
        assert ledger.received == []

        async with running(settings):
            await eventually(delivered(db, event_id))
    finally:
        await ledger.stop()
    assert ledger.acknowledged(str(event_id)) == 1
    assert (await deliveries(db, event_id))["ledger"]["attempts"] == attempts_at_stop + 1


async def test_two_dispatchers_deliver_each_event_exactly_once_per_subscriber(
    accounts_settings: AccountsSettings,
    db: asyncpg.Connection,
    ledger: Subscriber,
    projections: Subscriber,
) -> None:
    event_ids = await record_events(db, 40, "ledger", "projections")
    ledger.delay_s = projections.delay_s = 0.02  # slow acknowledgements keep both replicas busy
    projections.in_flight = ledger.in_flight
    settings = dispatching(
        accounts_settings,
        ledger_url=ledger.url,
        projections_url=projections.url,
        outbox_batch_size=4,
    )

    async with running(settings), running(settings):
        await eventually(delivered(db, *event_ids))

    wanted = {str(e) for e in event_ids}
    for subscriber in (ledger, projections):
        counts = Counter(r.body["id"] for r in subscriber.received if r.body["id"] in wanted)
        assert counts == dict.fromkeys(wanted, 1)
    # One dispatcher sends at most a batch (4) at a time: more means both ran side by side.
    assert ledger.in_flight.peak > 4


async def test_purging_removes_only_old_events_that_every_subscriber_acknowledged(
    accounts_settings: AccountsSettings, db: asyncpg.Connection
) -> None:
    old_done, new_done = await record_events(db, 2, "ledger", "projections")
    # A subscriber no dispatcher serves: its delivery stays pending and keeps the event.
    [old_pending] = await record_events(db, 1, "ledger", "retired_service")
    for event_id in (old_done, new_done, old_pending):
        await outbox_repository.mark_delivered(db, event_id=event_id, subscriber="ledger")
        await outbox_repository.mark_delivered(db, event_id=event_id, subscriber="projections")
    await db.execute(
        "UPDATE outbox SET occurred_at = now() - interval '8 days' WHERE id = ANY($1)",
        [old_done, old_pending],
    )
    pool = await create_pool(accounts_settings.database_dsn())
    try:
        async with httpx.AsyncClient() as http:
            dispatcher = outbox.OutboxDispatcher(
                pool=pool, http=http, subscriber_urls={}, internal_token="unused", retention_days=7
            )
            assert await dispatcher.purge_delivered() == 1
    finally:
        await pool.close()

    ids = [old_done, new_done, old_pending]
    remaining = {r["id"] for r in await db.fetch("SELECT id FROM outbox WHERE id = ANY($1)", ids)}
    assert remaining == {new_done, old_pending}
    assert await deliveries(db, old_done) == {}
