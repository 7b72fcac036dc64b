"""Run awaitables concurrently, all or nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


async def all_or_nothing(*coroutines: Coroutine[Any, Any, T]) -> list[T]:
    """Return every result in order; on the first failure cancel the rest and raise it.

    `asyncio.TaskGroup` wraps failures in an ExceptionGroup, which the problem middleware would
    not recognise; callers want the first error itself (a 502, a 404…).
    """
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(c) for c in coroutines]
    except BaseExceptionGroup as failures:
        raise failures.exceptions[0] from None
    return [t.result() for t in tasks]
