"""Security headers on every answer of an app built by `new_app`, served on a real socket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from nestegg_common import errors
from nestegg_common.security import API_CONTENT_SECURITY_POLICY
from nestegg_common.service import new_app
from nestegg_common.settings import CommonSettings

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": API_CONTENT_SECURITY_POLICY,
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}
PAGE_POLICY = "default-src 'none'; style-src 'self'; frame-ancestors 'none'"


async def ok(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def own_policy(_request: web.Request) -> web.Response:
    headers = {"Content-Security-Policy": PAGE_POLICY, "Cache-Control": "public, max-age=300"}
    return web.Response(text="<p>page</p>", content_type="text/html", headers=headers)


async def not_found(_request: web.Request) -> web.Response:
    raise errors.NotFound("No such thing.")


async def crash(_request: web.Request) -> web.Response:
    raise RuntimeError("boom")


async def redirect(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/ok")


async def echo(request: web.Request) -> web.Response:
    return web.Response(body=await request.read())


async def serve(settings: CommonSettings) -> TestClient:
    app = new_app(settings)
    app.router.add_get("/ok", ok)
    app.router.add_get("/page", own_policy)
    app.router.add_get("/missing", not_found)
    app.router.add_get("/crash", crash)
    app.router.add_get("/redirect", redirect)
    app.router.add_post("/echo", echo)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest_asyncio.fixture
async def client() -> AsyncIterator[TestClient]:
    test_client = await serve(CommonSettings())
    yield test_client
    await test_client.close()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/ok", 200),
        ("GET", "/missing", 404),
        ("GET", "/no-such-route", 404),
        ("DELETE", "/ok", 405),
        ("GET", "/crash", 500),
        ("GET", "/metrics", 401),  # without the service token
    ],
)
async def test_every_answer_carries_the_security_headers(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path)
    assert response.status == status
    for name, value in EXPECTED.items():
        assert response.headers.getall(name) == [value], name
    assert "Strict-Transport-Security" not in response.headers


async def test_a_body_over_the_limit_is_refused_with_the_security_headers(
    client: TestClient,
) -> None:
    response = await client.post("/echo", data=b"x" * (1024 * 1024 + 1))
    assert response.status == 413
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_a_redirect_carries_the_security_headers(client: TestClient) -> None:
    response = await client.get("/redirect", allow_redirects=False)
    assert response.status == 302
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_a_policy_the_handler_set_is_kept(client: TestClient) -> None:
    response = await client.get("/page")
    assert response.headers.getall("Content-Security-Policy") == [PAGE_POLICY]
    assert response.headers.getall("Cache-Control") == ["public, max-age=300"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_strict_transport_security_is_sent_only_when_configured() -> None:
    client = await serve(CommonSettings(hsts_max_age_s=31_536_000))
    try:
        response = await client.get("/ok")
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    finally:
        await client.close()


def test_the_hsts_age_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="hsts_max_age_s"):
        CommonSettings(hsts_max_age_s=-1)
