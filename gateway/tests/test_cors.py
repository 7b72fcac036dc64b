"""CORS on the gateway: off by default; with NESTEGG_CORS_ORIGINS, exact origins only, preflight
answered for /api/v1/*, chosen headers exposed, never credentials."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import ValidationError

from gateway.app import create_app
from gateway.settings import GatewaySettings

ALLOWED = "https://app.example.com"
Serve = Callable[..., Awaitable[TestClient]]


@pytest_asyncio.fixture
async def accounts_stand_in() -> AsyncIterator[str]:
    """Plays accounts' login: answers with an ETag and a Location to expose."""

    async def login(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True}, headers={"ETag": '"v1"', "Location": "/api/v1/me"})

    app = web.Application()
    app.router.add_post("/auth/login", login)
    server = TestServer(app)
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


@pytest_asyncio.fixture
async def serve(accounts_stand_in: str) -> AsyncIterator[Serve]:
    clients: list[TestClient] = []

    async def start(**settings: object) -> TestClient:
        client = TestClient(
            TestServer(create_app(GatewaySettings(accounts_url=accounts_stand_in, **settings)))
        )
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


def cors_headers(response: object) -> dict[str, str]:
    headers = response.headers  # type: ignore[attr-defined]
    return {k: v for k, v in headers.items() if k.lower().startswith("access-control-")}


async def test_cors_is_off_by_default(serve: Serve) -> None:
    client = await serve()
    response = await client.post("/api/v1/auth/login", json={}, headers={"Origin": ALLOWED})
    assert response.status == 200
    assert cors_headers(response) == {}
    preflight = await client.options(
        "/api/v1/auth/login",
        headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 405 and cors_headers(preflight) == {}


async def test_an_allowed_origin_may_read_the_answer_and_its_exposed_headers(
    serve: Serve,
) -> None:
    client = await serve(cors_origins=f"{ALLOWED},http://localhost:5173")
    response = await client.post("/api/v1/auth/login", json={}, headers={"Origin": ALLOWED})
    assert response.status == 200
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": ALLOWED,
        "Access-Control-Expose-Headers": "ETag, Location, Retry-After, X-Request-Id",
    }
    assert "Origin" in response.headers.getall("Vary")
    assert response.headers["ETag"] == '"v1"'


async def test_an_allowed_origin_may_read_an_error_too(serve: Serve) -> None:
    client = await serve(cors_origins=ALLOWED)
    response = await client.get("/api/v1/me", headers={"Origin": ALLOWED})  # no token
    assert response.status == 401
    assert response.content_type == "application/problem+json"
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_another_origin_gets_no_cors_headers(serve: Serve) -> None:
    client = await serve(cors_origins=ALLOWED)
    for origin in ("https://evil.example.com", "https://app.example.com.evil.com", "null"):
        response = await client.post("/api/v1/auth/login", json={}, headers={"Origin": origin})
        assert response.status == 200 and cors_headers(response) == {}, origin
        assert "Origin" in response.headers.getall("Vary")
        preflight = await client.options(
            "/api/v1/auth/login",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status == 405 and cors_headers(preflight) == {}, origin


async def test_a_preflight_from_an_allowed_origin_is_answered(serve: Serve) -> None:
    client = await serve(cors_origins=ALLOWED)
    response = await client.options(
        "/api/v1/assets/0b7e2a52-6f0c-4c4e-9d0e-2f5d8f2b9a11",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, content-type, if-match",
        },
    )
    assert response.status == 204
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": ALLOWED,
        "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE",
        "Access-Control-Allow-Headers": (
            "Authorization, Content-Type, Idempotency-Key, If-Match, X-Request-Id"
        ),
        "Access-Control-Max-Age": "600",
    }
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_paths_outside_the_api_get_no_cors_headers(serve: Serve) -> None:
    client = await serve(cors_origins=ALLOWED)
    response = await client.get("/healthz", headers={"Origin": ALLOWED})
    assert response.status == 200 and cors_headers(response) == {}


def test_origins_are_split_trimmed_and_lower_cased() -> None:
    settings = GatewaySettings(cors_origins=" https://App.Example.com , http://localhost:5173,, ")
    assert settings.cors_origins == ("https://app.example.com", "http://localhost:5173")


@pytest.mark.parametrize(
    "origin", ["*", "https://app.example.com/", "app.example.com", "https://x.com/path", "null"]
)
def test_anything_but_an_exact_origin_is_refused(origin: str) -> None:
    with pytest.raises(ValidationError, match="exact origins"):
        GatewaySettings(cors_origins=origin)
