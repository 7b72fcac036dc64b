"""The gateway merges the services' OpenAPI fragments, caches them, and survives a missing one."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from openapi_spec_validator import validate
from pydantic import BaseModel

from gateway.app import create_app
from gateway.openapi import UNAVAILABLE, ApiDocument
from gateway.proxy import Upstream
from gateway.settings import GatewaySettings
from nestegg_common.openapi import Operation, Reply, build_document
from nestegg_common.testing.services import free_port

TOKEN = "gateway-openapi-test-token"


class Gadget(BaseModel):
    """A gadget."""

    name: str


def gadget_fragment(*, max_length: int | None = None) -> dict[str, Any]:
    document = build_document(
        [
            Operation(
                "get",
                "/api/v1/gadgets",
                "listGadgets",
                "List gadgets",
                ("gadgets",),
                {200: Reply("The gadget.", Gadget)},
            )
        ],
        title="gadgets",
    )
    if max_length is not None:  # the same schema name with other content: a clash
        document["components"]["schemas"]["Gadget"]["properties"]["name"]["maxLength"] = max_length
    return document


@dataclass
class FakeService:
    """A service that serves an OpenAPI fragment to callers with the service token."""

    fragment: dict[str, Any] | None
    hits: int = 0
    server: TestServer | None = field(default=None, repr=False)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"detail": "no"}, status=401)
        return web.json_response(self.fragment)

    async def start(self) -> str:
        app = web.Application()
        if self.fragment is not None:
            app.router.add_get("/internal/openapi.json", self.serve)
        self.server = TestServer(app)
        await self.server.start_server()
        return str(self.server.make_url("")).rstrip("/")


@pytest_asyncio.fixture
async def services() -> AsyncIterator[dict[str, tuple[FakeService, str]]]:
    """`accounts` publishes a fragment, `ledger` is down, `projections` publishes none (404)."""
    accounts, projections = FakeService(gadget_fragment()), FakeService(None)
    urls = {
        "accounts": await accounts.start(),
        "ledger": f"http://127.0.0.1:{free_port()}",
        "projections": await projections.start(),
    }
    yield {
        "accounts": (accounts, urls["accounts"]),
        "ledger": (FakeService(None), urls["ledger"]),
        "projections": (projections, urls["projections"]),
    }
    for fake in (accounts, projections):
        assert fake.server is not None
        await fake.server.close()


def upstreams(services: dict[str, tuple[FakeService, str]]) -> list[Upstream]:
    return [Upstream(name, url) for name, (_, url) in services.items()]


async def test_the_merge_serves_what_is_up_and_names_what_is_missing(
    services: dict[str, tuple[FakeService, str]],
) -> None:
    async with httpx.AsyncClient() as client:
        document = await ApiDocument(upstreams(services), internal_token=TOKEN).document(client)
    validate(document)
    assert document["info"]["title"] == "Nestegg API"
    assert {"/api/v1/gadgets", "/api/v1/openapi.json", "/api/v1/docs"} <= set(document["paths"])
    assert document[UNAVAILABLE] == ["ledger", "projections"]
    # Proxied operations also answer 502/504 when their service is down; the gateway's own do not.
    assert {"502", "504"} <= set(document["paths"]["/api/v1/gadgets"]["get"]["responses"])
    assert "502" not in document["paths"]["/api/v1/openapi.json"]["get"]["responses"]
    assert [t["name"] for t in document["tags"]] == ["gadgets", "aggregate", "docs"]


async def test_a_complete_merge_is_cached_and_an_incomplete_one_is_retried(
    services: dict[str, tuple[FakeService, str]],
) -> None:
    accounts, _ = services["accounts"]
    only_accounts = [Upstream("accounts", services["accounts"][1])]
    async with httpx.AsyncClient() as client:
        cached = ApiDocument(only_accounts, internal_token=TOKEN, fresh_s=60)
        first = await cached.document(client)
        assert await cached.document(client) is first
        assert UNAVAILABLE not in first and accounts.hits == 1

        retried = ApiDocument(upstreams(services), internal_token=TOKEN, retry_s=0)
        await retried.document(client)
        await retried.document(client)
        assert accounts.hits == 3


async def test_a_wrong_service_token_leaves_that_service_out(
    services: dict[str, tuple[FakeService, str]],
) -> None:
    async with httpx.AsyncClient() as client:
        document = await ApiDocument(upstreams(services), internal_token="wrong").document(client)
    assert "/api/v1/gadgets" not in document["paths"]
    assert document[UNAVAILABLE] == ["accounts", "ledger", "projections"]


async def test_a_fragment_that_clashes_with_another_is_left_out_not_fatal() -> None:
    first, clashing = FakeService(gadget_fragment()), FakeService(gadget_fragment(max_length=3))
    clashing.fragment = json.loads(
        json.dumps(clashing.fragment).replace("listGadgets", "listOtherGadgets")
    )
    assert clashing.fragment is not None
    clashing.fragment["paths"] = {"/api/v1/other": clashing.fragment["paths"]["/api/v1/gadgets"]}
    sources = [Upstream("first", await first.start()), Upstream("clash", await clashing.start())]
    try:
        async with httpx.AsyncClient() as client:
            document = await ApiDocument(sources, internal_token=TOKEN).document(client)
        assert "/api/v1/gadgets" in document["paths"]
        assert "/api/v1/other" not in document["paths"]
        assert document[UNAVAILABLE] == ["clash"]
    finally:
        for fake in (first, clashing):
            assert fake.server is not None
            await fake.server.close()


async def test_the_gateway_serves_the_document_and_a_self_contained_page(
    services: dict[str, tuple[FakeService, str]],
) -> None:
    settings = GatewaySettings(
        internal_token=TOKEN,
        accounts_url=services["accounts"][1],
        ledger_url=services["ledger"][1],
        projections_url=services["projections"][1],
    )
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    try:
        answer = await client.get("/api/v1/openapi.json")
        assert answer.status == 200 and answer.content_type == "application/json"
        assert "/api/v1/gadgets" in (await answer.json())["paths"]
        page = await client.get("/api/v1/docs")
        assert page.status == 200 and page.content_type == "text/html"
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        text = await page.text()
        assert '<html lang="en">' in text and "<script" not in text
        assert 'id="op-listGadgets"' in text and "Not documented right now" in text
    finally:
        await client.close()


def test_the_page_shows_each_request_body_s_example_escaped() -> None:
    from gateway.docs_page import render_docs_page

    class Note(BaseModel):
        """A note."""

        model_config = {"json_schema_extra": {"examples": [{"text": "<b>Café</b>"}]}}
        text: str

    document = build_document(
        [
            Operation(
                "post",
                "/api/v1/notes",
                "createNote",
                "Create a note",
                ("notes",),
                {201: Reply("Created.", Note)},
                request=Note,
            )
        ],
        title="notes",
    )
    assert document["paths"]["/api/v1/notes"]["post"]["requestBody"]["content"]["application/json"][
        "example"
    ] == {"text": "<b>Café</b>"}
    page = render_docs_page(document)
    assert "&quot;text&quot;: &quot;&lt;b&gt;Café&lt;/b&gt;&quot;" in page
    assert "<b>Café</b>" not in page
