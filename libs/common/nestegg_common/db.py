"""Create asyncpg pools: sizes from settings, a jsonb codec, slow-query logging, fair waits."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import asyncpg
import asyncpg.pool
import orjson

from nestegg_common.fair_pool import FairPool

_LOGGER = logging.getLogger(__name__)

Pool = asyncpg.Pool
# What repositories take: a bare connection or one borrowed from a pool.
Connection = asyncpg.Connection | asyncpg.pool.PoolConnectionProxy


def _log_slow_query(
    threshold_ms: float, on_slow_query: Callable[[], None] | None
) -> Callable[[Any], None]:
    def log_if_slow(record: Any) -> None:
        elapsed_ms = record.elapsed * 1000.0
        if elapsed_ms >= threshold_ms:
            if on_slow_query is not None:
                on_slow_query()
            # The statement text is logged, never its parameters: they may hold personal data.
            _LOGGER.warning(
                "slow query",
                extra={"duration_ms": round(elapsed_ms, 1), "statement": record.query},
            )

    return log_if_slow


def json_text(value: Any) -> str:
    """Return the JSON text a jsonb parameter is sent as (also for a text copy of one)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """Release a connection without asyncpg's default reset statement.

    That reset (`pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`) is one more round
    trip on every release, which the request waits for. Nothing here leaves session state
    behind: locks are transaction-scoped (`pg_advisory_xact_lock`), there are no LISTENs,
    cursors outlive no transaction, and no code SETs a session variable on a pooled connection.
    asyncpg still rolls back a transaction left open before calling this.
    """


async def create_pool(
    dsn: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    command_timeout_s: float = 10.0,
    slow_query_ms: float = 200.0,
    query_observer: Callable[[Any], None] | None = None,
    on_slow_query: Callable[[], None] | None = None,
) -> asyncpg.Pool:
    """Open a pool whose connections decode jsonb and log statements slower than the threshold.

    `query_observer` sees every statement (tests count queries with it); `on_slow_query` is
    called for each slow one (the metrics count them).
    """

    async def init_connection(conn: asyncpg.Connection) -> None:
        # orjson: a stored run is ~36 KB of jsonb, decoded on every cached run.
        await conn.set_type_codec(
            "jsonb", encoder=json_text, decoder=orjson.loads, schema="pg_catalog"
        )
        conn.add_query_logger(_log_slow_query(slow_query_ms, on_slow_query))
        if query_observer is not None:
            conn.add_query_logger(query_observer)

    # asyncpg.create_pool with its defaults, but the pool class is ours: fair under load.
    pool = FairPool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        command_timeout=command_timeout_s,
        init=init_connection,
        reset=_keep_session,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
    )
    await pool
    return pool
