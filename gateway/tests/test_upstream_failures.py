"""The gateway answers fast with 502/504 problem+json when a service is down or silent."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from gateway.app import create_app
from gateway.settings import GatewaySettings
from nestegg_common.testing.services import free_port


@pytest_asyncio.fixture
async def silent_upstream() -> AsyncIterator[int]:
    """A server that accepts connections and never answers."""
    accepted: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield port
    for writer in accepted:
        writer.close()
    server.close()
    await server.wait_closed()


async def gateway_client(accounts_url: str) -> TestClient:
    # Every upstream is given: the defaults (8081–8083) may be a `make run` on this machine.
    settings = GatewaySettings(
        accounts_url=accounts_url,
        ledger_url=f"http://127.0.0.1:{free_port()}",
        projections_url=f"http://127.0.0.1:{free_port()}",
        upstream_timeout_s=1.0,
        upstream_connect_timeout_s=1.0,
    )
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    return client


async def test_a_service_that_is_down_gives_a_quick_502_problem() -> None:
    client = await gateway_client(f"http://127.0.0.1:{free_port()}")
    try:
        started = time.monotonic()
        response = await client.post(
            "/api/v1/auth/login", json={"email": "a@example.com", "password": "x"}
        )
        elapsed = time.monotonic() - started
        assert response.status == 502
        assert response.content_type == "application/problem+json"
        body = await response.json()
        assert body["detail"] == "The accounts service is unavailable."
        assert elapsed < 3.0
    finally:
        await client.close()


async def test_a_service_that_never_answers_gives_a_504_problem_after_the_timeout(
    silent_upstream: int,
) -> None:
    client = await gateway_client(f"http://127.0.0.1:{silent_upstream}")
    try:
        started = time.monotonic()
        response = await client.post(
            "/api/v1/auth/login", json={"email": "a@example.com", "password": "x"}
        )
        elapsed = time.monotonic() - started
        assert response.status == 504
        assert (await response.json())["detail"] == "The accounts service did not answer in time."
        assert 0.9 <= elapsed < 3.0
    finally:
        await client.close()


async def test_a_protected_route_is_refused_without_a_token_before_any_upstream_call() -> None:
    client = await gateway_client(f"http://127.0.0.1:{free_port()}")
    try:
        response = await client.get("/api/v1/me")
        assert response.status == 401  # not 502: the token check comes first
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    finally:
        await client.close()


async def test_readiness_names_the_services_that_are_down() -> None:
    client = await gateway_client(f"http://127.0.0.1:{free_port()}")
    try:
        response = await client.get("/readyz")
        assert response.status == 503
        assert (await response.json())["unavailable"] == ["accounts", "ledger", "projections"]
    finally:
        await client.close()


def test_free_port_is_really_free() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))
