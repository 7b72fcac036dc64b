"""The pool serves waiting requests in arrival order, on a real PostgreSQL.

The scenario that starves requests in asyncpg's own pool: a request waits for the only
connection; the connection is released while another request is already scheduled to run; that
newcomer must not take the connection before the one that waited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from nestegg_common.db import create_pool
from nestegg_common.fair_pool import FifoGate

Order = list[str]


async def overtaking_scenario(pool: asyncpg.Pool) -> Order:
    """Return who got the connection first: the waiter ("waiter") or the newcomer ("newcomer")."""
    order: Order = []

    async def take(name: str) -> None:
        async with pool.acquire() as conn:
            order.append(name)
            await conn.fetchval("SELECT 1")

    holder = await pool.acquire()
    waiter = asyncio.create_task(take("waiter"))
    for _ in range(5):
        await asyncio.sleep(0)  # the waiter is now queued for the connection
    # The release runs as another request's task would; the newcomer arrives while it is under
    # way, so it is ready to run when the connection comes back, before the waiter wakes.
    release = asyncio.create_task(pool.release(holder))
    await asyncio.sleep(0)
    newcomer = asyncio.create_task(take("newcomer"))
    await asyncio.gather(release, waiter, newcomer)
    return order


async def test_a_waiting_request_is_served_before_a_newcomer(module_database_url: str) -> None:
    pool = await create_pool(module_database_url, min_size=1, max_size=1)
    try:
        assert await overtaking_scenario(pool) == ["waiter", "newcomer"]
    finally:
        await pool.close()


async def test_asyncpgs_own_pool_lets_the_newcomer_overtake(module_database_url: str) -> None:
    """The defect the fair pool exists for (if asyncpg fixes it, this test says so)."""

    async def no_reset(_conn: asyncpg.Connection) -> None:
        """As in nestegg_common.db: a release that does not give up the loop."""

    pool = await asyncpg.create_pool(module_database_url, min_size=1, max_size=1, reset=no_reset)
    assert pool is not None
    try:
        assert await overtaking_scenario(pool) == ["newcomer", "waiter"]
    finally:
        await pool.close()


async def test_many_requests_on_two_connections_finish_in_arrival_order(
    module_database_url: str,
) -> None:
    pool = await create_pool(module_database_url, min_size=2, max_size=2)
    started: Order = []

    async def query(n: int) -> None:
        async with pool.acquire() as conn:
            started.append(str(n))
            await conn.fetchval("SELECT pg_sleep(0.002)")

    try:
        await asyncio.gather(*(query(n) for n in range(40)))
        assert started == [str(n) for n in range(40)]
        assert pool.gate.waiting == 0
        # Every place came back: two connections can be held at once again, and a third waits.
        first, second = await pool.acquire(), await pool.acquire()
        third = asyncio.ensure_future(pool.acquire())
        await asyncio.sleep(0.05)
        assert not third.done()
        await pool.release(first)
        await pool.release(await third)
        await pool.release(second)
    finally:
        await pool.close()


async def test_a_cancelled_waiter_gives_its_turn_on(module_database_url: str) -> None:
    pool = await create_pool(module_database_url, min_size=1, max_size=1)
    try:
        holder = await pool.acquire()
        cancelled = asyncio.ensure_future(pool.acquire())
        patient = asyncio.ensure_future(pool.acquire())
        await asyncio.sleep(0.01)
        cancelled.cancel()
        await pool.release(holder)
        conn = await asyncio.wait_for(patient, timeout=5)
        assert await conn.fetchval("SELECT 2") == 2
        await pool.release(conn)
        assert pool.gate.waiting == 0
    finally:
        await pool.close()


@pytest.mark.parametrize("cancel_after_handover", [False, True])
async def test_the_gate_never_loses_a_place(cancel_after_handover: bool) -> None:
    gate = FifoGate(1)
    await gate.acquire()
    waiter = asyncio.ensure_future(gate.acquire())
    await asyncio.sleep(0)
    if cancel_after_handover:
        gate.release()  # the place is handed to the waiter...
        waiter.cancel()  # ...which is cancelled before it runs: the place must come back
    else:
        waiter.cancel()
        await asyncio.sleep(0)
        gate.release()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    again: Callable[[], Awaitable[None]] = gate.acquire
    await asyncio.wait_for(again(), timeout=1)  # one place, free again
