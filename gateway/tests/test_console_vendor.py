"""The console's chart library: plotly.js from the installed wheel, and its style sheet, served
under the console's policy; nothing fetched from elsewhere, nothing inline."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from importlib import metadata, resources

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from gateway.app import create_app
from gateway.console import CONSOLE_DIR, CONSOLE_POLICY
from gateway.console_vendor import plotly_bundle, plotly_css
from gateway.settings import GatewaySettings


@pytest_asyncio.fixture
async def client() -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(create_app(GatewaySettings())))
    await client.start_server()
    yield client
    await client.close()


async def test_plotly_is_served_from_the_installed_wheel(client: TestClient) -> None:
    response = await client.get("/console/vendor/plotly.min.js")
    assert response.status == 200
    assert response.content_type == "text/javascript"
    assert response.headers["Content-Security-Policy"] == CONSOLE_POLICY
    body = await response.read()
    shipped = resources.files("plotly").joinpath("package_data/plotly.min.js").read_bytes()
    assert body == shipped
    # the pinned wheel (constraints.txt) and the bundle it carries
    assert metadata.version("plotly") == "7.1.0"
    assert body.startswith(b"/**\n* plotly.js v")


async def test_an_unchanged_bundle_is_revalidated_not_resent(client: TestClient) -> None:
    first = await client.get("/console/vendor/plotly.min.js")
    etag = first.headers["ETag"]
    again = await client.get("/console/vendor/plotly.min.js", headers={"If-None-Match": etag})
    assert again.status == 304
    assert await again.read() == b""


async def test_the_style_sheet_holds_the_rules_plotly_would_write_inline(
    client: TestClient,
) -> None:
    response = await client.get("/console/vendor/plotly.css")
    assert response.status == 200
    assert response.content_type == "text/css"
    css = await response.text()
    assert css == plotly_css()
    assert ".js-plotly-plot .plotly .modebar{" in css
    assert ".plotly-notifier .notifier-close:hover{" in css
    # every selector rewritten from the bundle's X/Y shorthand
    assert not re.search(r"(^|[ ,])[XY]([ ,.:{]|$)", css, re.MULTILINE)
    assert len(css.splitlines()) > 40


@pytest.mark.parametrize("name", ["plotly.js", "widgetbundle.js", "..%2fplotly.min.js"])
async def test_nothing_else_of_the_wheel_is_served(client: TestClient, name: str) -> None:
    assert (await client.get(f"/console/vendor/{name}")).status == 404


def test_the_map_style_placeholder_matches_the_bundle() -> None:
    """charts.js stands in an element for the inline <style> the bundle writes at load for map
    traces; the id must be the one this bundle checks, or the policy refuses a style."""
    charts = (CONSOLE_DIR / "charts.js").read_text()
    placeholder = re.search(r'MAP_STYLES_ID = "([0-9a-f]{64})"', charts)
    assert placeholder is not None
    source = plotly_bundle().decode()
    assert f'document.getElementById("{placeholder.group(1)}")' in source
    # and it is the only inline <style> besides the base rules plotly.css stands in for
    assert source.count('document.createElement("style")') == 2
    assert 'getElementById(i);if(!(n&&n.matches(".no-inline-styles")))' in source


def test_the_page_loads_plotly_only_when_a_chart_is_drawn() -> None:
    page = (CONSOLE_DIR / "index.html").read_text()
    assert "plotly" not in page
