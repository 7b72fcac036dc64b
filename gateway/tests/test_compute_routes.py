"""The compute routes through the gateway: given the service's budget, and dropped with the
client. A stand-in service (JWKS and slow projections routes) serves over a real socket."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.settings import GatewaySettings
from nestegg_common.disconnect import client_gone
from nestegg_common.erasure import ERASED_USERS_PATH
from nestegg_common.testing.services import ServerAsDeployed
from nestegg_common.testing.tokens import TokenFactory

UPSTREAM_TIMEOUT_S, BUDGET_S, MARGIN_S = 1.0, 1.5, 1.0
# DESIGN §4: the routes that may take the whole compute budget.
COMPUTE_ROUTES = ("run", "compare", "solve", "optimize")
SERVICE_TAKES_S = 2.0  # over the usual timeout, within the budget plus the margin


@dataclass
class StandIn:
    """Records when a slow request arrived and when its connection went away, if it did."""

    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    gone_at: float | None = None


@pytest_asyncio.fixture
async def gateway() -> AsyncIterator[tuple[TestClient, StandIn, dict[str, str]]]:
    tokens, seen = TokenFactory(), StandIn()

    async def jwks(_request: web.Request) -> web.Response:
        return web.json_response(tokens.jwks())

    async def slow(request: web.Request) -> web.Response:
        seen.arrived.set()
        finish = time.monotonic() + SERVICE_TAKES_S
        while time.monotonic() < finish:
            if client_gone(request):
                seen.gone_at = time.monotonic()
                break
            await asyncio.sleep(0.01)
        return web.json_response({"done": True})

    async def erased_users(_request: web.Request) -> web.Response:
        # The gateway is not ready until it has read accounts' recent erasures: none here.
        return web.json_response({"items": []})

    service = web.Application()
    service.router.add_get("/.well-known/jwks.json", jwks)
    service.router.add_get(ERASED_USERS_PATH, erased_users)
    for action in COMPUTE_ROUTES:
        service.router.add_post(f"/projections/{{id}}/{action}", slow)
    service.router.add_get("/projections/{id}", slow)
    service_server = ServerAsDeployed(service)
    await service_server.start_server()
    url = f"http://127.0.0.1:{service_server.port}"
    settings = GatewaySettings(
        accounts_url=url,
        projections_url=url,
        upstream_timeout_s=UPSTREAM_TIMEOUT_S,
        compute_budget_s=BUDGET_S,
        gateway_compute_margin_s=MARGIN_S,
        internal_token="compute-routes-test",  # the gateway reads erased users with it
    )
    client = TestClient(ServerAsDeployed(create_app(settings)))
    await client.start_server()
    yield client, seen, tokens.headers(uuid.uuid4())
    await client.close()
    await service_server.close()


@pytest.mark.parametrize("action", COMPUTE_ROUTES)
async def test_a_compute_route_may_take_the_budget_plus_the_margin_and_others_do_not(
    gateway: tuple[TestClient, StandIn, dict[str, str]], action: str
) -> None:
    client, _, auth = gateway
    pid = uuid.uuid4()
    started = time.monotonic()
    solved = await client.post(f"/api/v1/projections/{pid}/{action}", json={}, headers=auth)
    assert solved.status == 200, await solved.text()
    assert time.monotonic() - started >= SERVICE_TAKES_S
    started = time.monotonic()
    read = await client.get(f"/api/v1/projections/{pid}", headers=auth)
    assert read.status == 504
    assert time.monotonic() - started < SERVICE_TAKES_S


async def test_a_client_that_leaves_takes_the_forwarded_request_with_it(
    gateway: tuple[TestClient, StandIn, dict[str, str]],
) -> None:
    client, seen, auth = gateway
    _, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(
        f"POST /api/v1/projections/{uuid.uuid4()}/solve HTTP/1.1\r\nHost: test\r\n"
        f"Authorization: {auth['Authorization']}\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\n\r\n{}".encode()
    )
    await writer.drain()
    await asyncio.wait_for(seen.arrived.wait(), 5)
    left_at = time.monotonic()
    writer.close()
    await asyncio.sleep(SERVICE_TAKES_S)
    assert seen.gone_at is not None, "the service's connection stayed open"
    assert seen.gone_at - left_at < 0.5
