"""What the gateway's upstream client passes on, and what it must not add or keep.

A stand-in accounts service records each request it receives, over a real socket.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gateway.app import create_app
from gateway.settings import GatewaySettings


@dataclass
class Seen:
    """The requests the stand-in received."""

    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)


@pytest_asyncio.fixture
async def gateway_and_seen() -> AsyncIterator[tuple[TestClient, Seen]]:
    seen = Seen()

    async def register(request: web.Request) -> web.Response:
        seen.requests.append(
            (
                request.method,
                request.raw_path,
                {k.lower(): v for k, v in request.headers.items()},
                await request.read(),
            )
        )
        # A service that (wrongly) sets a cookie: the gateway must not replay it for anyone.
        response = web.json_response({"ok": True}, status=201)
        response.set_cookie("session", "user-a-secret")
        return response

    upstream = web.Application()
    upstream.router.add_post("/auth/register", register)
    upstream_server = TestServer(upstream)
    await upstream_server.start_server()
    # By name, not 127.0.0.1: cookie jars refuse cookies from IP addresses, and in a deployment
    # the services have names.
    port = upstream_server.port
    settings = GatewaySettings(accounts_url=f"http://localhost:{port}")
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    yield client, seen
    await client.close()
    await upstream_server.close()


async def test_path_query_and_body_pass_through_unchanged(
    gateway_and_seen: tuple[TestClient, Seen],
) -> None:
    client, seen = gateway_and_seen
    body = b'{"email": "a@example.com", "password": "caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9"}'
    response = await client.post(
        "/api/v1/auth/register?note=a%2Bb%20c&x=%C3%A9",
        data=body,
        headers={"Content-Type": "application/json", "User-Agent": "curl/8"},
    )
    assert response.status == 201
    method, path, headers, received = seen.requests[0]
    assert (method, path, received) == ("POST", "/auth/register?note=a%2Bb%20c&x=%C3%A9", body)
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "curl/8"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert len(headers["x-request-id"]) == 32


async def test_no_header_is_invented_for_the_client(
    gateway_and_seen: tuple[TestClient, Seen],
) -> None:
    client, seen = gateway_and_seen
    # aiohttp's test client adds its own headers; skip them to send a bare request.
    response = await client.post(
        "/api/v1/auth/register",
        data=b"{}",
        skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
    )
    assert response.status == 201
    headers = seen.requests[0][2]
    assert not {"content-type", "user-agent", "accept", "accept-encoding"} & set(headers)


async def test_an_upstream_cookie_reaches_its_client_but_is_never_replayed(
    gateway_and_seen: tuple[TestClient, Seen],
) -> None:
    client, seen = gateway_and_seen
    first = await client.post("/api/v1/auth/register", json={})
    assert "session=user-a-secret" in first.headers["Set-Cookie"]
    client.session.cookie_jar.clear()  # the next caller is somebody else, with no cookie
    await client.post("/api/v1/auth/register", json={})
    assert "cookie" not in seen.requests[1][2]
