"""Stop a request's work when its client goes away.

aiohttp runs a handler to its end after the client disconnected (its `handler_cancellation`
is off, and stays off here: cancelling any handler at any await would interrupt writes between
their idempotency claim and their commit). Work worth stopping — a computation, or the
gateway's wait for one — is wrapped instead: it is cancelled as soon as the connection it
answers is closed, which also closes the connection a proxy holds to the service behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

from aiohttp import web

from nestegg_common.errors import ProblemError

T = TypeVar("T")
# aiohttp reports a lost connection to the transport only (no event a handler can await):
# checking it 10 times a second costs nothing next to the work it guards.
POLL_S = 0.1


class ClientDisconnected(ProblemError):
    """The client closed the connection before the answer; nobody reads it.

    Answered (into the void) and logged as the problem middleware answers a connection reset
    mid-request: 400 client-closed-request.
    """

    status, title, type_slug = 400, "Client closed request", "client-closed-request"


def client_gone(request: web.Request) -> bool:
    """Say whether the connection the request came on is closed or closing."""
    transport = request.transport
    return transport is None or transport.is_closing()


async def _until_gone(request: web.Request, poll_s: float) -> None:
    while not client_gone(request):  # noqa: ASYNC110 - no event to wait for (POLL_S)
        await asyncio.sleep(poll_s)


async def unless_disconnected(
    request: web.Request, work: Coroutine[Any, Any, T], *, poll_s: float = POLL_S
) -> T:
    """Await `work`; if the client disconnects first, cancel it and raise ClientDisconnected."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_until_gone(request, poll_s))
    try:
        await asyncio.wait((task, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if task.cancelled():
        raise ClientDisconnected("The client closed the connection before the answer.")
    return task.result()
