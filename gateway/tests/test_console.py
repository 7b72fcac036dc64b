"""The gateway serves the web console at `/`: static files only, under a strict policy."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from gateway.app import create_app
from gateway.console import CONSOLE_DIR
from gateway.settings import GatewaySettings


@pytest_asyncio.fixture
async def client() -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(create_app(GatewaySettings())))
    await client.start_server()
    yield client
    await client.close()


async def test_the_page_is_served_at_the_root_with_a_strict_policy(client: TestClient) -> None:
    response = await client.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert '<script type="module" src="/console/app.js">' in await response.text()


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("app.js", "text/javascript"), ("app.css", "text/css"), ("icon.svg", "image/svg+xml")],
)
async def test_assets_are_served_with_their_type(
    client: TestClient, name: str, content_type: str
) -> None:
    response = await client.get(f"/console/{name}")
    assert response.status == 200
    assert response.content_type == content_type
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize(
    "path",
    [
        "/console/missing.js",
        "/console/index.html",
        "/console/..%2fconsole.py",
        "/console/%2e%2e/console.py",
        "/console/App.js",
        "/console/",
    ],
)
async def test_anything_but_a_console_asset_is_not_found(client: TestClient, path: str) -> None:
    response = await client.get(path)
    assert response.status == 404


def test_the_page_loads_nothing_from_another_host_and_has_no_inline_script() -> None:
    page = (CONSOLE_DIR / "index.html").read_text()
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # every script is a file
    assert " style=" not in page and "<style" not in page
    for script in CONSOLE_DIR.glob("*.js"):
        text = script.read_text()
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", ""), script.name
        assert "https://" not in text, script.name
        assert ".innerHTML" not in text, script.name  # elements are built, never parsed


def test_the_console_routes_are_outside_the_public_api() -> None:
    app = create_app(GatewaySettings())
    console_paths = {
        route.resource.canonical
        for route in app.router.routes()
        if route.resource is not None and not route.resource.canonical.startswith("/api/v1")
    }
    assert {"/", "/console/{name}"} <= console_paths
