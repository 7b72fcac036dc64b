"""Serve an app: aiohttp's HTTP/1.1 server with read deadlines and quiet refusals added.

aiohttp (3.14) bounds an idle connection (`keepalive_timeout`) but neither the time a client
may take to send a request head once it has started (a slowloris dribbling one byte a second
holds the connection for ever) nor the time to send a body (a `Content-Length: 1000` followed
by silence holds the handler for ever). Nor does it keep quiet about malformed requests: it
logs each as an ERROR whose traceback quotes the raw header bytes, bearer tokens included. Both
are decided per connection, in its request handler (the protocol object), so this module
gives the server its own: one place, the same for every process.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.http_parser import RawRequestMessage
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from aiohttp.web_runner import GracefulExit
from aiohttp.web_server import Server

from nestegg_common.problems import problem_response

_LOGGER = logging.getLogger("nestegg.server")

# Written straight to the socket: no handler runs for a request whose head never arrived.
_HEAD_TIMEOUT_ANSWER = (
    b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
)


@dataclass(frozen=True)
class ReadTimeouts:
    """How long a client may take to send a request."""

    head_s: float  # from the first byte of a request head to its blank line
    body_s: float  # from the end of the head to the last byte of the body
    idle_s: float  # between requests on a kept-alive connection (aiohttp's keepalive_timeout)


class GuardedRequestHandler(RequestHandler):
    """aiohttp's per-connection protocol, with head and body deadlines and quiet refusals."""

    __slots__ = ("_body", "_body_timer", "_head_timer", "_timeouts")

    def __init__(self, manager: Server, *, timeouts: ReadTimeouts, **kwargs: Any) -> None:
        super().__init__(manager, keepalive_timeout=timeouts.idle_s, **kwargs)
        self._timeouts = timeouts
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._body: StreamReader | None = None  # the body being received, if any

    def data_received(self, data: bytes) -> None:
        """Parse as aiohttp does, then start or stop the deadline of what is being received."""
        parsed_before = self._request_count
        super().data_received(data)
        if self._request_count != parsed_before:  # one or more heads complete (or an error)
            self._cancel(self._head_timer)
            self._head_timer = None
            if self._messages:
                message, payload = self._messages[-1]
                if not isinstance(message, RawRequestMessage):  # the parser gave up
                    self._refuse_body(message)
                elif not payload.is_eof():
                    self._body = payload
                    self._cancel(self._body_timer)
                    self._body_timer = self._loop.call_later(
                        self._timeouts.body_s, self._body_too_slow, payload
                    )
        elif self._head_timer is None and self._awaiting_head():
            self._head_timer = self._loop.call_later(self._timeouts.head_s, self._head_too_slow)

    def connection_lost(self, exc: BaseException | None) -> None:
        """Drop the deadlines with the connection."""
        self._cancel(self._head_timer)
        self._cancel(self._body_timer)
        self._head_timer = self._body_timer = None
        super().connection_lost(exc)

    def _awaiting_head(self) -> bool:
        # Bytes that completed no head, while no request is being handled or queued: the start
        # of the next request's head. (Body bytes arrive while a handler runs, or while
        # aiohttp drains an unread body after the answer; a bounded linger covers that.)
        idle = self._waiter is not None and not self._waiter.done()
        return not self._messages and (idle or self._request_count == 0)

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.transport is None or not self._awaiting_head():
            return
        _LOGGER.info(
            "request head too slow; connection closed",
            extra={
                "status": 408,
                "peer": _peer(self.transport),
                "timeout_s": self._timeouts.head_s,
            },
        )
        self.transport.write(_HEAD_TIMEOUT_ANSWER)
        self.force_close()

    def _refuse_body(self, error: Any) -> None:
        """Refuse a body that broke off into something that is not HTTP (a bad chunk).

        aiohttp queues the error as the next request, but the handler reading this body would
        wait for it for ever, and the error would never be answered nor logged: fail the read
        with a 400 instead, and end the connection after it.
        """
        body, self._body = self._body, None
        if body is None or body.is_eof() or self.transport is None:
            return  # the error is a request of its own; handle_error answers it
        self._messages.pop()
        _LOGGER.info(
            "malformed request refused",
            extra={
                "status": 400,
                "reason": type(getattr(error, "exc", error)).__name__,
                "peer": _peer(self.transport),
            },
        )
        if self._current_request is None:  # nobody reads it (aiohttp drains an unread body)
            self.force_close()
            return
        body.set_exception(web.HTTPBadRequest(text="The request body is not well-formed HTTP/1.1."))
        body.feed_eof()
        self.close()

    def _body_too_slow(self, payload: StreamReader) -> None:
        self._body_timer = None
        if payload.is_eof() or self.transport is None:
            return
        _LOGGER.info(
            "request body too slow; connection closed",
            extra={
                "status": 408,
                "peer": _peer(self.transport),
                "timeout_s": self._timeouts.body_s,
            },
        )
        if self._current_request is None:  # nothing reads it (aiohttp drains an unread body)
            self.force_close()
            return
        # The handler reading the body gets a 408 (through the problem middleware); the
        # connection is not reused, and what the client still sends is not parsed.
        payload.set_exception(
            web.HTTPRequestTimeout(
                text=f"The request body did not arrive within {self._timeouts.body_s:g} s."
            )
        )
        payload.feed_eof()
        self.close()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """Refuse a request that is not HTTP with one INFO line naming no header or value.

        aiohttp's own logs an ERROR with a traceback quoting the raw bytes (tokens included)
        for anything a client can send; only errors of the server itself stay errors.
        """
        if not isinstance(exc, HttpProcessingError) or status >= 500:
            return super().handle_error(request, status, exc, message)
        _LOGGER.info(
            "malformed request refused",
            extra={"status": status, "reason": type(exc).__name__, "peer": request.remote},
        )
        response = problem_response(
            status,
            "Bad request",
            "The request is not well-formed HTTP/1.1; it was not read.",
            slug="bad-request",
        )
        response.force_close()
        return response

    @staticmethod
    def _cancel(timer: asyncio.TimerHandle | None) -> None:
        if timer is not None:
            timer.cancel()


def _peer(transport: asyncio.BaseTransport) -> str | None:
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if peer else None


class GuardedServer(Server):
    """aiohttp's low-level server, making a `GuardedRequestHandler` per connection."""

    def __init__(self, plain: Server, timeouts: ReadTimeouts, **kwargs: Any) -> None:
        super().__init__(
            plain.request_handler,
            request_factory=plain.request_factory,
            handler_cancellation=plain.handler_cancellation,
            **kwargs,
        )
        self._timeouts = timeouts

    def __call__(self) -> RequestHandler:
        """Make the protocol object of a new connection."""
        return GuardedRequestHandler(self, loop=self._loop, timeouts=self._timeouts, **self._kwargs)


class GuardedAppRunner(web.AppRunner):
    """An `AppRunner` whose server guards every connection (see the module docstring)."""

    def __init__(self, app: web.Application, *, timeouts: ReadTimeouts, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._timeouts = timeouts

    async def _make_server(self) -> Server:
        plain = await super()._make_server()
        kwargs = {**self._kwargs, "loop": asyncio.get_running_loop()}
        kwargs.pop("handler_cancellation", None)
        return GuardedServer(plain, self._timeouts, **kwargs)


async def serve_until_stopped(
    app: web.Application,
    *,
    host: str,
    port: int,
    timeouts: ReadTimeouts,
    reuse_port: bool = False,
    shutdown_timeout_s: float = 60.0,
    handle_signals: bool = True,
) -> None:
    """Serve `app` on host:port until cancelled, or SIGINT or SIGTERM; then shut down gracefully."""
    runner = GuardedAppRunner(
        app,
        timeouts=timeouts,
        handle_signals=handle_signals,  # SIGINT/SIGTERM raise GracefulExit out of the loop
        access_log=None,  # our access log middleware writes one line per request
        shutdown_timeout=shutdown_timeout_s,
    )
    await runner.setup()
    # Everything made so far (modules, the app, its pools) lives as long as the process: move it
    # out of the collector's sight, so a full collection scans only what requests left behind
    # instead of 100,000+ objects (tens of ms, each one a latency spike: issue 19's p99).
    gc.collect()
    gc.freeze()
    try:
        site = web.TCPSite(runner, host, port, reuse_port=reuse_port)
        await site.start()
        await asyncio.Event().wait()  # until cancelled
    finally:
        await runner.cleanup()


def run(app: web.Application, loop: asyncio.AbstractEventLoop, **kwargs: Any) -> None:
    """Run `serve_until_stopped(app, **kwargs)` on `loop`, as `web.run_app` would, then close it."""
    asyncio.set_event_loop(loop)
    main = loop.create_task(serve_until_stopped(app, **kwargs))
    try:
        loop.run_until_complete(main)
    except (GracefulExit, KeyboardInterrupt):
        pass
    finally:
        if not main.done():
            main.cancel()
            with suppress(asyncio.CancelledError):
                loop.run_until_complete(main)
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
