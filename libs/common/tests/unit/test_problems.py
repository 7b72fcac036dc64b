"""The problem middleware and the body/query readers, served by a real aiohttp app."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import BaseModel, ConfigDict, Field

from nestegg_common import errors
from nestegg_common.http import json_response, read_body_model, read_query_model
from nestegg_common.logs import JsonFormatter
from nestegg_common.problems import problem_middleware, request_id_middleware

PROBLEM = "application/problem+json"
SECRET_TEXT = "db password is hunter2 at /srv/secret.py"


class NewThing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    amount: int = Field(ge=0)


class ThingQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200)


PROBLEM_CASES = [
    (errors.BadRequest, 400, "Bad request", "bad-request"),
    (errors.Unauthorized, 401, "Unauthorized", "unauthorized"),
    (errors.Forbidden, 403, "Forbidden", "forbidden"),
    (errors.NotFound, 404, "Not found", "not-found"),
    (errors.Conflict, 409, "Conflict", "conflict"),
    (errors.PreconditionFailed, 412, "Precondition failed", "precondition-failed"),
    (errors.PayloadTooLarge, 413, "Payload too large", "payload-too-large"),
    (errors.UnsupportedMediaType, 415, "Unsupported media type", "unsupported-media-type"),
    (errors.ValidationFailed, 422, "Validation failed", "validation-failed"),
    (errors.UpstreamUnavailable, 502, "Bad gateway", "upstream-unavailable"),
    (errors.UpstreamTimeout, 504, "Gateway timeout", "upstream-timeout"),
]
_BY_SLUG = {slug: cls for cls, _, _, slug in PROBLEM_CASES}


async def raise_problem(request: web.Request) -> web.Response:
    raise _BY_SLUG[request.match_info["slug"]]("Something specific went wrong.")


async def raise_too_many(request: web.Request) -> web.Response:
    raise errors.TooManyRequests("Slow down.", retry_after_s=30)


async def raise_unexpected(request: web.Request) -> web.Response:
    raise RuntimeError(SECRET_TEXT)


async def create_thing(request: web.Request) -> web.Response:
    thing = await read_body_model(request, NewThing)
    return json_response(thing, status=201)


async def list_things(request: web.Request) -> web.Response:
    query = read_query_model(request, ThingQuery)
    return json_response({"limit": query.limit})


@pytest_asyncio.fixture
async def client() -> AsyncIterator[TestClient[Any, Any]]:
    app = web.Application(
        client_max_size=1024, middlewares=[request_id_middleware, problem_middleware]
    )
    app.router.add_get("/problems/{slug}", raise_problem)
    app.router.add_get("/too-many", raise_too_many)
    app.router.add_get("/boom", raise_unexpected)
    app.router.add_post("/things", create_thing)
    app.router.add_get("/things", list_things)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.mark.parametrize(("error", "status", "title", "slug"), PROBLEM_CASES)
async def test_each_problem_error_becomes_its_problem_json_response(
    client: TestClient[Any, Any],
    error: type[errors.ProblemError],
    status: int,
    title: str,
    slug: str,
) -> None:
    response = await client.get(f"/problems/{slug}", headers={"X-Request-Id": "req-12345678"})
    assert response.status == status
    assert response.content_type == PROBLEM
    assert await response.json() == {
        "type": f"urn:nestegg:problem:{slug}",
        "title": title,
        "status": status,
        "detail": "Something specific went wrong.",
        "instance": f"/problems/{slug}",
        "request_id": "req-12345678",
    }


async def test_an_unauthorized_problem_asks_for_a_bearer_token(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get("/problems/unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="nestegg"'


async def test_too_many_requests_says_when_to_come_back(client: TestClient[Any, Any]) -> None:
    response = await client.get("/too-many")
    assert response.status == 429
    assert response.headers["Retry-After"] == "30"
    assert (await response.json())["type"] == "urn:nestegg:problem:too-many-requests"


def test_retry_after_is_at_least_one_second() -> None:
    assert errors.TooManyRequests("x", retry_after_s=0).headers == {"Retry-After": "1"}
    assert errors.TooManyRequests("x", retry_after_s=2.9).headers == {"Retry-After": "2"}


async def test_a_valid_body_is_read_into_the_model(client: TestClient[Any, Any]) -> None:
    response = await client.post("/things", json={"name": "car", "amount": 3})
    assert response.status == 201
    assert await response.json() == {"name": "car", "amount": 3}


async def test_an_invalid_body_is_422_naming_each_bad_field(client: TestClient[Any, Any]) -> None:
    response = await client.post("/things", json={"name": "", "amount": -1, "colour": "red"})
    assert response.status == 422
    assert response.content_type == PROBLEM
    body = await response.json()
    assert body["type"] == "urn:nestegg:problem:validation-failed"
    assert body["detail"] == "One or more fields are invalid; see `errors`."
    assert {(e["field"], e["type"]) for e in body["errors"]} == {
        ("name", "string_too_short"),
        ("amount", "greater_than_equal"),
        ("colour", "extra_forbidden"),
    }
    assert all(isinstance(e["message"], str) and e["message"] for e in body["errors"])


async def test_a_missing_field_is_named_in_the_errors(client: TestClient[Any, Any]) -> None:
    response = await client.post("/things", json={"name": "car"})
    body = await response.json()
    assert body["errors"] == [{"field": "amount", "message": "Field required", "type": "missing"}]


async def test_a_json_body_that_is_not_an_object_is_422(client: TestClient[Any, Any]) -> None:
    response = await client.post("/things", json=[1, 2])
    assert response.status == 422
    assert (await response.json())["errors"] == [
        {"field": "body", "message": "expected a JSON object", "type": "dict_type"}
    ]


async def test_malformed_json_is_400(client: TestClient[Any, Any]) -> None:
    response = await client.post(
        "/things", data=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert response.content_type == PROBLEM
    body = await response.json()
    assert body["type"] == "urn:nestegg:problem:bad-request"
    assert body["detail"].startswith("The body is not valid JSON: Expecting value at line 1")


async def test_a_body_that_is_not_utf8_is_400(client: TestClient[Any, Any]) -> None:
    response = await client.post(
        "/things", data=b"\xff\xfe\xfd", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert (await response.json())["detail"] == "The body is not valid UTF-8."


async def test_a_body_that_is_not_json_is_415(client: TestClient[Any, Any]) -> None:
    response = await client.post(
        "/things", data=b"name=car", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status == 415
    body = await response.json()
    assert body["type"] == "urn:nestegg:problem:unsupported-media-type"
    assert "application/x-www-form-urlencoded" in body["detail"]


async def test_a_missing_body_is_400(client: TestClient[Any, Any]) -> None:
    response = await client.post("/things")
    assert response.status == 400
    assert (await response.json())["detail"] == "The request needs a JSON body."


async def test_a_problem_json_body_counts_as_json(client: TestClient[Any, Any]) -> None:
    response = await client.post(
        "/things", data=b'{"name": "car", "amount": 1}', headers={"Content-Type": PROBLEM}
    )
    assert response.status == 201


async def test_an_unknown_route_is_a_404_problem(client: TestClient[Any, Any]) -> None:
    response = await client.get("/nowhere")
    assert response.status == 404
    assert response.content_type == PROBLEM
    body = await response.json()
    assert body["type"] == "urn:nestegg:problem:not-found"
    assert body["detail"] == "No route matches /nowhere."
    assert body["instance"] == "/nowhere"


async def test_a_wrong_method_is_a_405_problem_with_allow(client: TestClient[Any, Any]) -> None:
    response = await client.delete("/things")
    assert response.status == 405
    assert response.content_type == PROBLEM
    assert set(response.headers["Allow"].split(",")) == {"GET", "HEAD", "POST"}
    body = await response.json()
    assert body["type"] == "urn:nestegg:problem:method-not-allowed"
    assert body["detail"] == "DELETE is not allowed on /things."


async def test_a_body_over_the_size_limit_is_a_413_problem(client: TestClient[Any, Any]) -> None:
    big = json.dumps({"name": "x" * 4096, "amount": 1}).encode()
    response = await client.post("/things", data=big, headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert response.content_type == PROBLEM
    body = await response.json()
    assert body["type"] == "urn:nestegg:problem:payload-too-large"
    assert body["detail"] == "The request body is larger than this service accepts."


async def test_an_unexpected_error_is_a_500_that_leaks_nothing(
    client: TestClient[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.setFormatter(JsonFormatter("test"))
    with caplog.at_level(logging.ERROR, logger="nestegg_common.problems"):
        response = await client.get("/boom", headers={"X-Request-Id": "boom-req-0001"})
    assert response.status == 500
    assert response.content_type == PROBLEM
    text = await response.text()
    assert "hunter2" not in text
    assert "RuntimeError" not in text
    assert "Traceback" not in text
    assert json.loads(text) == {
        "type": "urn:nestegg:problem:internal-error",
        "title": "Internal server error",
        "status": 500,
        "detail": "Something went wrong on our side. "
        "Quote request id boom-req-0001 when reporting it.",
        "instance": "/boom",
        "request_id": "boom-req-0001",
    }
    lines = [json.loads(line) for line in caplog.text.splitlines() if line.startswith("{")]
    logged = [entry for entry in lines if entry["message"] == "unhandled error"]
    assert len(logged) == 1
    assert logged[0]["request_id"] == "boom-req-0001"
    assert logged[0]["route"] == "/boom"
    assert SECRET_TEXT in logged[0]["exception"]


async def test_a_well_formed_request_id_is_echoed(client: TestClient[Any, Any]) -> None:
    response = await client.get("/things", headers={"X-Request-Id": "abc.DEF_123-xyz"})
    assert response.status == 200
    assert response.headers["X-Request-Id"] == "abc.DEF_123-xyz"


@pytest.mark.parametrize(
    "given", ["short", "has space in it", "a" * 129, "evil\u00e9header", "semi;colon;x"]
)
async def test_a_malformed_request_id_is_replaced(client: TestClient[Any, Any], given: str) -> None:
    response = await client.get(
        "/nowhere", headers={"X-Request-Id": given.encode().decode("latin-1")}
    )
    replaced = response.headers["X-Request-Id"]
    assert replaced != given
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)
    assert (await response.json())["request_id"] == replaced


async def test_a_request_without_an_id_gets_a_fresh_one(client: TestClient[Any, Any]) -> None:
    first = await client.get("/things")
    second = await client.get("/things")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["X-Request-Id"])
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


async def test_a_valid_query_is_read_into_the_model(client: TestClient[Any, Any]) -> None:
    response = await client.get("/things", params={"limit": "7"})
    assert await response.json() == {"limit": 7}


async def test_an_invalid_query_is_422_with_query_prefixed_fields(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get("/things", params={"limit": "0", "sort": "name"})
    assert response.status == 422
    body = await response.json()
    assert body["detail"] == "One or more query parameters are invalid; see `errors`."
    assert {(e["field"], e["type"]) for e in body["errors"]} == {
        ("query.limit", "greater_than_equal"),
        ("query.sort", "extra_forbidden"),
    }
