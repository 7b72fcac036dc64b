"""The asyncpg pool: codecs and slow-query logging, on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg
import pytest
import pytest_asyncio

from nestegg_common.db import create_pool

SECRET_PARAMETER = "jane.doe+pii-7731@example.com"


@pytest_asyncio.fixture(scope="module")
async def pool(module_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(module_database_url, min_size=1, max_size=2, slow_query_ms=10_000)
    yield pool
    await pool.close()


async def slow_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    # asyncpg calls query loggers with loop.call_soon: let the loop run them.
    for _ in range(20):
        await asyncio.sleep(0)
        found = [r for r in caplog.records if r.getMessage() == "slow query"]
        if found:
            return found
    return []


async def test_jsonb_round_trips_as_a_python_dict(pool: asyncpg.Pool) -> None:
    value = {"a": 1, "nested": {"list": [1, "two", None]}, "flag": True}
    assert await pool.fetchval("SELECT $1::jsonb", value) == value


async def test_jsonb_from_sql_arrives_as_a_dict(pool: asyncpg.Pool) -> None:
    assert await pool.fetchval("""SELECT '{"k": [1, 2]}'::jsonb""") == {"k": [1, 2]}


async def test_numeric_comes_back_as_decimal(pool: asyncpg.Pool) -> None:
    value = await pool.fetchval("SELECT 1234567.10::numeric(14, 2)")
    assert isinstance(value, Decimal)
    assert value == Decimal("1234567.10")
    assert str(value) == "1234567.10"


async def test_the_pool_has_the_sizes_asked_for(pool: asyncpg.Pool) -> None:
    assert pool.get_min_size() == 1
    assert pool.get_max_size() == 2


async def test_a_fast_query_under_the_threshold_is_not_logged(
    pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="nestegg_common.db"):
        await pool.fetchval("SELECT 1")
        assert await slow_records(caplog) == []


async def test_a_slow_query_logs_its_statement_and_duration_but_never_its_parameters(
    module_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    pool = await create_pool(module_database_url, min_size=1, max_size=1, slow_query_ms=0)
    try:
        with caplog.at_level(logging.WARNING, logger="nestegg_common.db"):
            assert await pool.fetchval("SELECT length($1::text)", SECRET_PARAMETER) == len(
                SECRET_PARAMETER
            )
            records = await slow_records(caplog)
    finally:
        await pool.close()
    ours = [r for r in records if getattr(r, "statement", None) == "SELECT length($1::text)"]
    assert len(ours) == 1
    record = ours[0]
    assert record.levelno == logging.WARNING
    assert isinstance(record.duration_ms, float)  # type: ignore[attr-defined]
    assert record.duration_ms >= 0  # type: ignore[attr-defined]
    assert SECRET_PARAMETER not in repr(record.__dict__)
    assert SECRET_PARAMETER not in caplog.text


async def test_a_statement_over_the_command_timeout_is_cancelled(module_database_url: str) -> None:
    pool = await create_pool(module_database_url, min_size=1, max_size=1, command_timeout_s=0.2)
    try:
        with pytest.raises(TimeoutError):
            await pool.execute("SELECT pg_sleep(5)")
    finally:
        await pool.close()
