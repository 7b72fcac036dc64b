"""JSON log lines, the access log, and settings helpers."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from nestegg_common.logs import JsonFormatter
from nestegg_common.problems import current_request_id
from nestegg_common.service import new_app
from nestegg_common.settings import CommonSettings, ServiceSettings, with_database


class LedgerishSettings(ServiceSettings):
    @property
    def database_name(self) -> str:
        return "ledger"


def record(msg: str, *args: Any, **extra: Any) -> logging.LogRecord:
    rec = logging.LogRecord("nestegg.test", logging.WARNING, __file__, 1, msg, args, None)
    rec.__dict__.update(extra)
    return rec


def test_a_record_is_one_json_line_with_the_request_id_and_extras() -> None:
    token = current_request_id.set("req-abcdef12")
    try:
        line = JsonFormatter("ledger").format(
            record("moved %s rows", 3, duration_ms=12.5, route="/assets")
        )
    finally:
        current_request_id.reset(token)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry.pop("ts").endswith("+00:00")
    assert entry == {
        "level": "WARNING",
        "service": "ledger",
        "logger": "nestegg.test",
        "message": "moved 3 rows",
        "request_id": "req-abcdef12",
        "trace_id": None,  # no span is current
        "span_id": None,
        "duration_ms": 12.5,
        "route": "/assets",
    }


def test_a_record_outside_a_request_has_a_dash_request_id() -> None:
    assert json.loads(JsonFormatter("x").format(record("hi")))["request_id"] == "-"


def test_an_exception_is_one_json_line_with_its_traceback() -> None:
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        rec = record("failed")
        rec.exc_info = sys.exc_info()
    line = JsonFormatter("x").format(rec)
    assert "\n" not in line
    exception = json.loads(line)["exception"]
    assert exception.startswith("Traceback (most recent call last):")
    assert exception.endswith("ValueError: bad\nthing")


def test_an_extra_that_is_not_json_is_written_as_text() -> None:
    entry = json.loads(JsonFormatter("x").format(record("m", thing={1, 2}.__class__)))
    assert entry["thing"] == "<class 'set'>"


async def test_the_access_log_names_method_route_and_status(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def show(request: web.Request) -> web.Response:
        return web.json_response({})

    app = new_app(CommonSettings())
    app.router.add_get("/things/{id}", show)
    with caplog.at_level(logging.INFO, logger="nestegg.access"):
        async with TestClient(TestServer(app)) as client:
            assert (await client.get("/things/7")).status == 200
            assert (await client.get("/nowhere")).status == 404
    logged = [(r.method, r.route, r.status) for r in caplog.records if r.name == "nestegg.access"]
    assert logged == [("GET", "/things/{id}", 200), ("GET", "/nowhere", 404)]


async def test_the_access_log_line_carries_the_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def show(request: web.Request) -> web.Response:
        return web.json_response({})

    app = new_app(CommonSettings())
    app.router.add_get("/things", show)
    caplog.handler.setFormatter(JsonFormatter("test"))
    with caplog.at_level(logging.INFO, logger="nestegg.access"):
        async with TestClient(TestServer(app)) as client:
            await client.get("/things", headers={"X-Request-Id": "access-req-01"})
    lines = [json.loads(line) for line in caplog.text.splitlines()]
    access = [entry for entry in lines if entry["logger"] == "nestegg.access"]
    assert [entry["request_id"] for entry in access] == ["access-req-01"]


async def test_new_app_limits_the_body_to_max_body_bytes() -> None:
    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    app = new_app(CommonSettings(max_body_bytes=2048))
    app.router.add_post("/echo", echo)
    async with TestClient(TestServer(app)) as client:
        assert (await client.post("/echo", data=b"x" * 2048)).status == 200
        too_big = await client.post("/echo", data=b"x" * 2049)
        assert too_big.status == 413
        assert too_big.content_type == "application/problem+json"


@pytest.mark.parametrize(
    ("server_url", "expected"),
    [
        ("postgresql://u:p@db:5432/postgres", "postgresql://u:p@db:5432/ledger"),
        ("postgresql://u:p@db:5432", "postgresql://u:p@db:5432/ledger"),
        (
            "postgresql://postgres:@/postgres?host=/tmp/sock",
            "postgresql://postgres:@/ledger?host=/tmp/sock",
        ),
    ],
)
def test_with_database_replaces_only_the_database_name(server_url: str, expected: str) -> None:
    assert with_database(server_url, "ledger") == expected


def test_database_dsn_points_at_the_services_own_database() -> None:
    settings = LedgerishSettings(database_url="postgresql://u:p@db/any?sslmode=disable")
    assert settings.database_dsn() == "postgresql://u:p@db/ledger?sslmode=disable"


def test_database_dsn_explains_an_unset_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NESTEGG_DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError) as caught:
        LedgerishSettings().database_dsn()
    assert str(caught.value) == (
        "NESTEGG_DATABASE_URL is not set: point it at a PostgreSQL server "
        "(any database name; the service uses its own), or start everything with `make run`"
    )


def test_settings_are_read_from_nestegg_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NESTEGG_DATABASE_URL", "postgresql://u@h/x")
    monkeypatch.setenv("NESTEGG_MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("NESTEGG_INTERNAL_TOKEN", "zq-secret-77")
    settings = LedgerishSettings()
    assert settings.database_dsn() == "postgresql://u@h/ledger"
    assert settings.max_body_bytes == 4096
    assert settings.internal_token.get_secret_value() == "zq-secret-77"
    assert "zq-secret-77" not in repr(settings)
