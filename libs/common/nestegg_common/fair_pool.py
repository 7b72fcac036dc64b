"""An asyncpg pool that hands out connections first come, first served.

asyncpg's pool waits on an `asyncio.Queue`, which is not fair: a released connection wakes the
longest waiter, but a request that arrives before that waiter runs takes the connection
(the queue is not empty at that moment), and the woken waiter queues again *at the back*. Under
load a few requests wait many rounds: the ledger at 64 connections answered half its requests
in 14 ms and one in a hundred after 1.9–3.7 s (docs/BENCHMARKS.md). A gate in front of the
pool, with as many places as the pool has connections, hands each freed place to the oldest
waiter directly, so nobody can overtake.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any

import asyncpg
import asyncpg.pool

if TYPE_CHECKING:
    _Pool = asyncpg.Pool[asyncpg.Record]
else:
    _Pool = asyncpg.Pool


class FifoGate:
    """A semaphore that serves waiters strictly in arrival order (a freed place is handed on)."""

    def __init__(self, places: int) -> None:
        self._free = places
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        """Return how many callers wait for a place."""
        return sum(1 for w in self._waiters if not w.done())

    async def acquire(self) -> None:
        """Take a place, waiting behind everyone who came first."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a place just as we were cancelled: pass it on
            else:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        """Give the place to the oldest waiter, or free it when nobody waits."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


class FairPool(_Pool):
    """`asyncpg.Pool` behind a `FifoGate` of `max_size` places; otherwise unchanged."""

    def __init__(self, *args: Any, max_size: int, **kwargs: Any) -> None:
        super().__init__(*args, max_size=max_size, **kwargs)
        self.gate = FifoGate(max_size)

    def acquire(self, *, timeout: float | None = None) -> _FairAcquire:  # type: ignore[override]
        """Acquire a connection in turn; use with `async with` (or await, then `release`)."""
        return _FairAcquire(self, timeout)

    async def _acquire_in_turn(self, wait_s: float | None) -> asyncpg.pool.PoolConnectionProxy:
        await self.gate.acquire()
        try:
            connection: asyncpg.pool.PoolConnectionProxy = await super().acquire(timeout=wait_s)
        except BaseException:
            self.gate.release()
            raise
        return connection

    async def release(
        self,
        connection: asyncpg.pool.PoolConnectionProxy,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (asyncpg's own signature)
    ) -> None:
        """Give the connection back to the pool and the place to the next waiter."""
        try:
            await super().release(connection, timeout=timeout)
        finally:
            self.gate.release()


class _FairAcquire:
    """What `FairPool.acquire()` returns: an async context manager, or an awaitable."""

    def __init__(self, pool: FairPool, timeout: float | None) -> None:
        self._pool = pool
        self._timeout = timeout
        self._connection: asyncpg.pool.PoolConnectionProxy | None = None

    async def __aenter__(self) -> asyncpg.pool.PoolConnectionProxy:
        self._connection = await self._pool._acquire_in_turn(self._timeout)
        return self._connection

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._connection is not None
        connection, self._connection = self._connection, None
        await self._pool.release(connection)

    def __await__(self) -> Generator[Any, None, asyncpg.pool.PoolConnectionProxy]:
        return self._pool._acquire_in_turn(self._timeout).__await__()
