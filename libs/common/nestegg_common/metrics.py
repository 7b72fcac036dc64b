"""Serve each process's metrics on `GET /metrics`, in Prometheus text format, to the scraper.

Only a caller sending the deployment's service token as a bearer token is answered (Prometheus:
`authorization: {credentials_file: ...}`): the gateway's port is public, and what the metrics
tell (routes, volumes, pool sizes) is for operators.

Every app has its own registry (tests build many apps in one process). Values that live
elsewhere (the pool, the outbox) are read when scraped, not kept up to date in between.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator

import asyncpg
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from nestegg_common.errors import Unauthorized
from nestegg_common.problems import Handler
from nestegg_common.service_token import carries_service_token

ScrapeHook = Callable[[web.Application], Awaitable[None]]

# From 1 ms (a cached read) to 10 s (the upstream timeout).
LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "unmatched"  # one label for every 404, whatever path was asked for


class Metrics:
    """One app's registry, the instruments every process has, and what runs at each scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.request_duration = Histogram(
            "nestegg_http_request_duration_seconds",
            "Time from request to response, by route template, method and status.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "nestegg_http_requests_in_flight",
            "Requests being handled now.",
            registry=self.registry,
        )
        self.slow_queries = Counter(
            "nestegg_db_slow_queries",
            "Statements slower than NESTEGG_SLOW_QUERY_MS.",
            registry=self.registry,
        )
        self._scrape_hooks: list[ScrapeHook] = []

    def on_scrape(self, hook: ScrapeHook) -> None:
        """Run `hook(app)` before each scrape, to refresh gauges that need I/O."""
        self._scrape_hooks.append(hook)

    async def exposition(self, app: web.Application) -> bytes:
        """Return the registry in Prometheus text format, refreshed first."""
        for hook in self._scrape_hooks:
            await hook(app)
        return generate_latest(self.registry)


METRICS = web.AppKey("metrics", Metrics)


class PoolCollector(Collector):
    """Report an asyncpg pool's size, idle, in-use and maximum connections when scraped."""

    def __init__(self, pool: Callable[[], asyncpg.Pool | None]) -> None:
        self._pool = pool

    def describe(self) -> Iterator[Metric]:
        """Name the families without touching the pool (it may not be open yet)."""
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        """Read the pool now; nothing while it is not open."""
        pool = self._pool()
        if pool is None:
            return
        size, idle = pool.get_size(), pool.get_idle_size()
        yield from self._families((size, idle, size - idle, pool.get_max_size()))

    @staticmethod
    def _families(values: tuple[int, int, int, int] | None = None) -> Iterator[Metric]:
        names = (
            ("nestegg_db_pool_size", "Open connections in the pool."),
            ("nestegg_db_pool_idle", "Open connections not lent out."),
            ("nestegg_db_pool_in_use", "Connections lent out to requests or tasks."),
            ("nestegg_db_pool_max", "The most connections the pool will open."),
        )
        for i, (name, documentation) in enumerate(names):
            family = GaugeMetricFamily(name, documentation)
            if values is not None:
                family.add_metric([], values[i])
            yield family


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource else UNMATCHED_ROUTE


def metrics_middleware(metrics: Metrics) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Time each request and count those in flight."""

    @web.middleware
    async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        metrics.in_flight.inc()
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            metrics.in_flight.dec()
            method = request.method if request.method in _METHODS else "OTHER"
            metrics.request_duration.labels(method, _route(request), str(status)).observe(
                time.perf_counter() - started
            )

    return measure


async def get_metrics(request: web.Request) -> web.Response:
    """Serve the app's metrics in Prometheus text format; 401 without the service token."""
    if not carries_service_token(request):
        raise Unauthorized("Scraping /metrics needs `Authorization: Bearer <the service token>`.")
    body = await request.app[METRICS].exposition(request.app)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
