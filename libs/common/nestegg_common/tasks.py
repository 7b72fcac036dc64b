"""Run awaitables concurrently, all or nothing; run background work for an app's lifetime."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, TypeVar

from aiohttp import web

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


def lifetime_task(
    work: Callable[[web.Application], Coroutine[Any, Any, None]], *, name: str
) -> Callable[[web.Application], AsyncIterator[None]]:
    """Return a `cleanup_ctx` that runs `work(app)` from the app's start and cancels it at stop."""

    async def run_for_the_apps_lifetime(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(work(app), name=name)
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return run_for_the_apps_lifetime
