"""`GET /metrics` of a service app on a real pool: pool gauges, slow queries, request latency."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from nestegg_common.service import POOL, new_service_app
from nestegg_common.settings import ServiceSettings
from nestegg_common.testing.services import database_name_of


class GaugeSettings(ServiceSettings):
    database: str = ""

    @property
    def database_name(self) -> str:
        return self.database


async def no_keys() -> dict[str, Any]:
    return {"keys": []}


def values(text: str) -> dict[str, float]:
    """Return the unlabelled samples and each request count, keyed by name (and route)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if not s.labels:
                found[s.name] = s.value
            elif s.name == "nestegg_http_request_duration_seconds_count":
                found[f"requests {s.labels['route']} {s.labels['status']}"] = s.value
    return found


async def test_pool_slow_query_and_request_metrics_move_with_requests(
    module_database_url: str, tmp_path: Path
) -> None:
    settings = GaugeSettings(
        database_url=module_database_url,
        database=database_name_of(module_database_url),
        internal_token="t0ken-for-metrics-tests",
        db_pool_min=1,
        db_pool_max=3,
        slow_query_ms=0,  # every statement counts as slow
    )
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold_a_connection(request: web.Request) -> web.Response:
        async with request.app[POOL].acquire() as conn:
            await conn.fetchval("SELECT 1")
            holding.set()
            await release.wait()
        return web.json_response({})

    app = new_service_app(settings, migrations_dir=tmp_path, fetch_jwks=no_keys)
    app.router.add_get("/internal/hold", hold_a_connection)
    headers = {"Authorization": "Bearer t0ken-for-metrics-tests"}
    async with TestClient(TestServer(app)) as client:
        before = values(await (await client.get("/metrics", headers=headers)).text())
        held = asyncio.create_task(client.get("/internal/hold", headers=headers))
        await holding.wait()
        during = values(await (await client.get("/metrics", headers=headers)).text())
        release.set()
        assert (await held).status == 200
        after = values(await (await client.get("/metrics", headers=headers)).text())

    assert before["nestegg_db_pool_max"] == during["nestegg_db_pool_max"] == 3
    assert before["nestegg_db_pool_in_use"] == 0
    assert during["nestegg_db_pool_in_use"] == 1
    assert during["nestegg_db_pool_size"] >= 1
    assert after["nestegg_db_pool_in_use"] == 0
    assert after["nestegg_db_pool_idle"] == after["nestegg_db_pool_size"]
    assert after["nestegg_db_slow_queries_total"] > before["nestegg_db_slow_queries_total"]
    assert before.get("requests /internal/hold 200", 0) == 0
    assert after["requests /internal/hold 200"] == 1
    assert after["requests /metrics 200"] == 2  # the scrapes count too, their own excepted
