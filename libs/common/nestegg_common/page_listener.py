"""Keep a `PageCache` right across processes: LISTEN for the owners whose data changed.

One dedicated connection per process (never a pooled one: a pool's connections are shared and
released without UNLISTEN; and not through PgBouncer in transaction mode, which cannot LISTEN).
The cache serves only while this connection is known to be listening: it is resumed once a
notification of its own has come back through the LISTEN, and suspended (emptied, bypassed) as
soon as the connection closes, a heartbeat ping does not come back in time or the task stops,
so no answer is served from a cache that may have missed a notification. A payload is an
owner's UUID, `*` for everyone, or another listener's ping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg

from nestegg_common.logs import unreachable_peer_level
from nestegg_common.page_cache import PageCache
from nestegg_common.retry import doubling_delay_s

_LOGGER = logging.getLogger(__name__)

EVERYONE = "*"
# Payloads a listener sends itself to prove notifications reach it; every listener ignores the
# others' (they name no owner).
PING = "ping:"


class PageCacheListener:
    """LISTEN on `channel` for as long as `run()` runs, reconnecting with a doubling back-off.

    `dsn` is asked at each connection (settings may lack a database until the app runs).
    """

    def __init__(
        self,
        dsn: Callable[[], str],
        channel: str,
        cache: PageCache,
        *,
        heartbeat_s: float = 5.0,
        retry_base_s: float = 0.05,
        retry_max_s: float = 2.0,
    ) -> None:
        self._dsn = dsn
        self.channel = channel
        self._cache = cache
        self.heartbeat_s = heartbeat_s
        self._retry_base_s = retry_base_s
        self._retry_max_s = retry_max_s
        self.connection: asyncpg.Connection | None = None  # tests close it to lose it
        self._listened = False  # once listening, a failure is a loss, not a slow start
        self._ping: tuple[str, asyncio.Future[None]] | None = None

    def notified(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        """Drop the named owner's answers (everyone's for `*` or a payload we cannot read)."""
        text = str(payload)
        if text.startswith(PING):
            if self._ping is not None and text == self._ping[0] and not self._ping[1].done():
                self._ping[1].set_result(None)
            return  # another process's ping: nothing changed
        if text == EVERYONE:
            self._cache.invalidate_all()
            return
        try:
            owner = uuid.UUID(text)
        except ValueError:
            _LOGGER.warning("unreadable page cache notification; dropping every page")
            self._cache.invalidate_all()
            return
        self._cache.invalidate(owner)

    async def _round_trip(self, conn: asyncpg.Connection) -> None:
        """NOTIFY a ping of our own and wait for it to come back: notifications reach us.

        A connection that answers queries proves less: through PgBouncer in transaction mode
        the LISTEN stays on some other server connection and nothing would ever arrive.
        """
        ping = (f"{PING}{uuid.uuid4().hex}", asyncio.get_running_loop().create_future())
        self._ping = ping
        try:
            await conn.execute("SELECT pg_notify($1, $2)", self.channel, ping[0])
            await asyncio.wait_for(ping[1], self.heartbeat_s)
        finally:
            self._ping = None

    async def run(self) -> None:
        """Listen until cancelled; the cache serves only while a listen is in place."""
        if self._cache.max_bytes <= 0:
            return
        failures = 0
        try:
            while True:
                try:
                    await self._listen_until_lost()
                    failures = 0
                except (
                    OSError,
                    asyncpg.PostgresError,
                    asyncpg.InterfaceError,
                    TimeoutError,
                ) as err:
                    failures += 1
                    level = unreachable_peer_level(failures, starting=not self._listened)
                    if level is not None:
                        _LOGGER.log(
                            level,
                            "page cache listener down; pages are read from the database",
                            extra={"error": type(err).__name__, "failures": failures},
                        )
                finally:
                    self._cache.suspend()
                await asyncio.sleep(
                    doubling_delay_s(
                        max(failures, 1), base_s=self._retry_base_s, max_s=self._retry_max_s
                    )
                )
        finally:
            self._cache.suspend()

    async def _listen_until_lost(self) -> None:
        conn = await asyncpg.connect(self._dsn(), timeout=self.heartbeat_s)
        lost = asyncio.Event()

        def on_termination(_conn: Any) -> None:
            self._cache.suspend()  # at once, not at the next heartbeat
            lost.set()

        try:
            conn.add_termination_listener(on_termination)
            await conn.add_listener(self.channel, self.notified)
            await self._round_trip(conn)
            self.connection = conn
            self._cache.resume()
            self._listened = True
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), self.heartbeat_s)
                if not lost.is_set():
                    # A half-open connection raises no termination: ping through it.
                    await self._round_trip(conn)
        finally:
            self._cache.suspend()
            self.connection = None
            with contextlib.suppress(Exception):
                await conn.close(timeout=1.0)
