"""A stand-in for a subscribing service: a real HTTP server that records the events it gets."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Received:
    """One request as the subscriber saw it."""

    authorization: str
    body: dict[str, Any]
    status: int


@dataclass
class InFlight:
    """Requests being answered right now, and the most at once, across subscribers."""

    now: int = 0
    peak: int = 0


@dataclass
class Subscriber:
    """Serve `POST /internal/events` on 127.0.0.1; fail each event's first `fail_first` tries."""

    fail_first: int = 0
    delay_s: float = 0.0
    in_flight: InFlight = field(default_factory=InFlight)
    received: list[Received] = field(default_factory=list)
    _tries: Counter[str] = field(default_factory=Counter)
    _server: TestServer | None = None

    async def start(self, port: int | None = None) -> str:
        app = web.Application()
        app.router.add_post("/internal/events", self._events)
        self._server = TestServer(app, host="127.0.0.1", port=port)
        await self._server.start_server()
        return self.url

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}"

    def acknowledged(self, event_id: str) -> int:
        """Say how many times the event was answered with 2xx."""
        return sum(1 for r in self.received if r.body["id"] == event_id and r.status == 204)

    def tries(self, event_id: str) -> int:
        return self._tries[event_id]

    async def _events(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._tries[body["id"]] += 1
        self.in_flight.now += 1
        self.in_flight.peak = max(self.in_flight.peak, self.in_flight.now)
        try:
            await asyncio.sleep(self.delay_s)
        finally:
            self.in_flight.now -= 1
        status = 503 if self._tries[body["id"]] <= self.fail_first else 204
        self.received.append(Received(request.headers.get("Authorization", ""), body, status))
        return web.Response(status=status)
