"""`GET /metrics`: request latency by route and status, requests in flight, pool gauges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from nestegg_common.metrics import METRICS, PoolCollector
from nestegg_common.service import new_app
from nestegg_common.settings import CommonSettings

TOKEN = "scraper-t0ken"
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Return every sample of a Prometheus text exposition by name and labels."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def count_of(text: str, route: str, status: str, method: str = "GET") -> float:
    labels = frozenset({"method": method, "route": route, "status": status}.items())
    return samples(text).get(("nestegg_http_request_duration_seconds_count", labels), 0.0)


async def test_request_durations_are_counted_by_route_template_and_status() -> None:
    async def show(request: web.Request) -> web.Response:
        return web.json_response({})

    app = new_app(CommonSettings(internal_token=TOKEN))
    app.router.add_get("/things/{id}", show)
    async with TestClient(TestServer(app)) as client:
        before = await (await client.get("/metrics", headers=SCRAPER)).text()
        for n in range(3):
            await client.get(f"/things/{n}")
        await client.get("/no/such/thing")
        response = await client.get("/metrics", headers=SCRAPER)
        after = await response.text()
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert count_of(before, "/things/{id}", "200") == 0
    assert count_of(after, "/things/{id}", "200") == 3
    assert count_of(after, "unmatched", "404") == 1  # one label, whatever the path
    assert "/no/such/thing" not in after


async def test_in_flight_counts_the_request_being_handled() -> None:
    async def peek(request: web.Request) -> web.Response:
        text = (await request.app[METRICS].exposition(request.app)).decode()
        return web.json_response(samples(text)[("nestegg_http_requests_in_flight", frozenset())])

    app = new_app(CommonSettings(internal_token=TOKEN))
    app.router.add_get("/peek", peek)
    async with TestClient(TestServer(app)) as client:
        assert await (await client.get("/peek")).json() == 1.0
        after = await (await client.get("/metrics", headers=SCRAPER)).text()
    # The scrape itself is the one request in flight while it renders.
    assert samples(after)[("nestegg_http_requests_in_flight", frozenset())] == 1.0


@pytest.mark.parametrize(
    ("configured", "sent"),
    [
        (TOKEN, {}),
        (TOKEN, {"Authorization": "Bearer not-the-token"}),
        (TOKEN, {"Authorization": f"Basic {TOKEN}"}),
        ("", {"Authorization": "Bearer "}),  # no token configured: nobody scrapes
    ],
)
async def test_metrics_are_refused_without_the_service_token(
    configured: str, sent: dict[str, str]
) -> None:
    app = new_app(CommonSettings(internal_token=configured))
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/metrics", headers=sent)
        body = await response.text()
    assert response.status == 401
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "nestegg_http" not in body


@dataclass
class FakePool:
    size: int
    idle: int
    max_size: int

    def get_size(self) -> int:
        return self.size

    def get_idle_size(self) -> int:
        return self.idle

    def get_max_size(self) -> int:
        return self.max_size


def test_the_pool_is_read_when_scraped() -> None:
    pool: Any = None
    registry = CollectorRegistry()
    registry.register(PoolCollector(lambda: pool))
    assert registry.get_sample_value("nestegg_db_pool_size") is None  # not open yet
    pool = FakePool(size=4, idle=1, max_size=10)
    assert registry.get_sample_value("nestegg_db_pool_size") == 4
    assert registry.get_sample_value("nestegg_db_pool_idle") == 1
    assert registry.get_sample_value("nestegg_db_pool_in_use") == 3
    assert registry.get_sample_value("nestegg_db_pool_max") == 10


def test_each_app_has_its_own_registry() -> None:
    first, second = new_app(CommonSettings()), new_app(CommonSettings())
    assert first[METRICS].registry is not second[METRICS].registry
