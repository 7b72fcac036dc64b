"""ETags from versions and If-Match preconditions, read from real requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from nestegg_common.etags import etag_for, expected_version
from nestegg_common.problems import problem_middleware


async def show_expected_version(request: web.Request) -> web.Response:
    return web.json_response({"expected": expected_version(request)})


@pytest_asyncio.fixture
async def client() -> AsyncIterator[TestClient[Any, Any]]:
    app = web.Application(middlewares=[problem_middleware])
    app.router.add_patch("/things/1", show_expected_version)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.mark.parametrize(("version", "tag"), [(1, '"v1"'), (42, '"v42"'), (0, '"v0"')])
def test_an_etag_is_the_quoted_version(version: int, tag: str) -> None:
    assert etag_for(version) == tag


@pytest.mark.parametrize(
    ("if_match", "expected"),
    [('"v7"', 7), (' "v7" ', 7), ('"v0"', 0), ('"v9999999999"', 9_999_999_999)],
)
async def test_if_match_names_the_expected_version(
    client: TestClient[Any, Any], if_match: str, expected: int
) -> None:
    response = await client.patch("/things/1", headers={"If-Match": if_match})
    assert response.status == 200
    assert await response.json() == {"expected": expected}


async def test_an_etag_round_trips_through_if_match(client: TestClient[Any, Any]) -> None:
    response = await client.patch("/things/1", headers={"If-Match": etag_for(123)})
    assert await response.json() == {"expected": 123}


async def test_no_if_match_expects_no_version(client: TestClient[Any, Any]) -> None:
    response = await client.patch("/things/1")
    assert await response.json() == {"expected": None}


async def test_if_match_star_expects_no_version(client: TestClient[Any, Any]) -> None:
    response = await client.patch("/things/1", headers={"If-Match": "*"})
    assert await response.json() == {"expected": None}


@pytest.mark.parametrize(
    "if_match",
    ['W/"v3"', "v3", '"3"', '"v3", "v4"', '"vx"', '"v12345678901"', "garbage", '"v-1"'],
)
async def test_an_unusable_if_match_is_412(client: TestClient[Any, Any], if_match: str) -> None:
    response = await client.patch("/things/1", headers={"If-Match": if_match})
    assert response.status == 412
    assert response.content_type == "application/problem+json"
    body = await response.json()
    assert body["type"] == "urn:nestegg:problem:precondition-failed"
    assert body["detail"] == "If-Match does not name the current version of this record."
