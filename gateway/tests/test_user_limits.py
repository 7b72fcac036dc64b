"""The gateway's per-user request limit (issue 19): what bounds a user's stored reads, which take
no computation slot. A token bucket per verified user, per gateway process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.user_limits import UserRequestLimiter
from nestegg_common.erasure import ERASED_USERS_PATH
from nestegg_common.errors import TooManyRequests
from nestegg_common.testing.services import ServerAsDeployed
from nestegg_common.testing.tokens import TokenFactory

RUN = f"/api/v1/projections/{uuid.uuid4()}/run"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_sustained_rate_then_429_with_retry_after() -> None:
    clock = Clock()
    limiter = UserRequestLimiter(rate_per_s=2.0, burst=3, clock=clock)
    me, other = uuid.uuid4(), uuid.uuid4()
    for _ in range(3):
        limiter.take(me)
    with pytest.raises(TooManyRequests) as refused:
        limiter.take(me)
    assert refused.value.headers["Retry-After"] == "1"
    limiter.take(other)  # each user has their own bucket
    clock.now += 0.5  # one token back at 2 a second
    limiter.take(me)
    with pytest.raises(TooManyRequests):
        limiter.take(me)
    clock.now += 60  # never more than the burst
    for _ in range(3):
        limiter.take(me)
    with pytest.raises(TooManyRequests):
        limiter.take(me)


def test_rate_zero_is_off_and_refilled_buckets_are_forgotten() -> None:
    off = UserRequestLimiter(rate_per_s=0, burst=1)
    user = uuid.uuid4()
    for _ in range(1000):
        off.take(user)
    clock = Clock()
    limiter = UserRequestLimiter(rate_per_s=10.0, burst=10, max_users=5, clock=clock)
    for _ in range(5):
        limiter.take(uuid.uuid4())
    clock.now += 1.0  # all refilled
    limiter.take(uuid.uuid4())  # the sixth: the full ones go
    assert len(limiter._buckets) == 1


@pytest_asyncio.fixture
async def gateway() -> AsyncIterator[tuple[TestClient, TokenFactory, list[str]]]:
    tokens, arrived = TokenFactory(), []

    async def jwks(_request: web.Request) -> web.Response:
        return web.json_response(tokens.jwks())

    async def erased_users(_request: web.Request) -> web.Response:
        return web.json_response({"items": []})

    async def run(request: web.Request) -> web.Response:
        arrived.append(request.path)
        return web.json_response({"cached": True})

    service = web.Application()
    service.router.add_get("/.well-known/jwks.json", jwks)
    service.router.add_get(ERASED_USERS_PATH, erased_users)
    service.router.add_post("/projections/{id}/run", run)
    service.router.add_get("/projections", run)
    service.router.add_get("/assets", run)
    server = ServerAsDeployed(service)
    await server.start_server()
    url = f"http://127.0.0.1:{server.port}"
    settings = GatewaySettings(
        accounts_url=url,
        projections_url=url,
        ledger_url=url,
        internal_token="user-limits-test",
        user_requests_per_s=0.001,  # nothing comes back during the test
        user_request_burst=3,
    )
    client = TestClient(ServerAsDeployed(create_app(settings)))
    await client.start_server()
    yield client, tokens, arrived
    await client.close()
    await server.close()


async def test_past_its_burst_a_users_stored_reads_are_429_before_projections_is_asked(
    gateway,
) -> None:
    client, tokens, arrived = gateway
    me, other = tokens.headers(uuid.uuid4()), tokens.headers(uuid.uuid4())
    assert (await client.post(RUN, headers={"Authorization": "Bearer nonsense"})).status == 401
    statuses = [(await client.post(RUN, headers=me)).status for _ in range(3)]
    refused = await client.get("/api/v1/projections", headers=me)  # every projections route
    assert statuses == [200, 200, 200] and refused.status == 429
    assert refused.content_type == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1
    assert len(arrived) == 3  # the refused one never reached the service
    assert (await client.post(RUN, headers=other)).status == 200  # others are not affected
    # Routes of the other services are not limited here.
    assert (await client.get("/api/v1/assets", headers=me)).status == 200
