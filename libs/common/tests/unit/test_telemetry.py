"""Traces: server spans, propagation over the shared HTTP client, log fields, the file exporter."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pydantic
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id

from nestegg_common.logs import JsonFormatter
from nestegg_common.service import HTTP_CLIENT, http_client_context, new_app
from nestegg_common.settings import CommonSettings
from nestegg_common.telemetry import TRACER_PROVIDER, JsonLinesSpanExporter, setup_tracing

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


async def show(request: web.Request) -> web.Response:
    logging.getLogger("nestegg.test").info("showing")
    return web.json_response({"id": request.match_info.get("id")})


@pytest_asyncio.fixture
async def backend(provider: TracerProvider) -> AsyncIterator[TestClient[Any, Any]]:
    app = new_app(CommonSettings(), tracer_provider=provider)
    app.router.add_get("/things/{id}", show)
    app.router.add_get("/healthz", show)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_a_request_is_a_server_span_named_by_its_route(
    backend: TestClient[Any, Any], exporter: InMemorySpanExporter
) -> None:
    response = await backend.get("/things/7", headers={"X-Request-Id": "trace-req-0001"})
    assert response.status == 200
    (span,) = exporter.get_finished_spans()
    assert span.name == "GET /things/{id}"
    assert span.kind is SpanKind.SERVER
    assert span.parent is None
    assert span.attributes is not None
    assert span.attributes["http.route"] == "/things/{id}"
    assert span.attributes["http.response.status_code"] == 200
    assert span.attributes["nestegg.request_id"] == "trace-req-0001"


async def test_a_callers_traceparent_is_continued(
    backend: TestClient[Any, Any], exporter: InMemorySpanExporter
) -> None:
    traceparent = f"00-{TRACE_ID}-{PARENT_ID}-01"
    await backend.get("/things/7", headers={"traceparent": traceparent})
    (span,) = exporter.get_finished_spans()
    assert format_trace_id(span.context.trace_id) == TRACE_ID
    assert span.parent is not None and format_span_id(span.parent.span_id) == PARENT_ID


async def test_probes_are_not_traced(
    backend: TestClient[Any, Any], exporter: InMemorySpanExporter
) -> None:
    assert (await backend.get("/healthz")).status == 200
    assert (await backend.get("/metrics")).status == 401  # no service token: still untraced
    assert exporter.get_finished_spans() == ()


async def test_a_missing_route_is_one_span_with_its_404(
    backend: TestClient[Any, Any], exporter: InMemorySpanExporter
) -> None:
    assert (await backend.get("/nowhere/at/all")).status == 404
    (span,) = exporter.get_finished_spans()
    assert span.name == "GET"  # never the raw path: it is unbounded
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 404


async def test_log_lines_carry_the_trace_and_span_of_the_request(
    backend: TestClient[Any, Any],
    exporter: InMemorySpanExporter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.handler.setFormatter(JsonFormatter("test"))
    with caplog.at_level(logging.INFO):
        await backend.get("/things/7", headers={"X-Request-Id": "trace-req-0002"})
    (span,) = exporter.get_finished_spans()
    lines = [json.loads(line) for line in caplog.text.splitlines()]
    by_logger = {entry["logger"]: entry for entry in lines}
    for logger in ("nestegg.test", "nestegg.access"):
        assert by_logger[logger]["trace_id"] == format_trace_id(span.context.trace_id)
        assert by_logger[logger]["span_id"] == format_span_id(span.context.span_id)
        assert by_logger[logger]["request_id"] == "trace-req-0002"
    access = by_logger["nestegg.access"]
    assert access["route"] == "/things/{id}" and access["status"] == 200
    assert access["duration_ms"] >= 0


async def test_the_shared_client_carries_the_trace_to_the_next_service(
    backend: TestClient[Any, Any], provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """Server span → client span → the next service's server span, one trace."""
    backend_url = str(backend.make_url("")).rstrip("/")

    async def relay(request: web.Request) -> web.Response:
        answer = await request.app[HTTP_CLIENT].get(f"{backend_url}/things/9")
        return web.json_response(answer.json())

    settings = CommonSettings()
    front = new_app(settings, tracer_provider=provider)
    front.cleanup_ctx.append(http_client_context(settings))
    front.router.add_get("/relay", relay)
    async with TestClient(TestServer(front)) as client:
        assert (await client.get("/relay")).status == 200

    spans = {s.name: s for s in exporter.get_finished_spans()}
    front_server, back_server = spans["GET /relay"], spans["GET /things/{id}"]
    client_span = spans["GET"]
    assert client_span.kind is SpanKind.CLIENT
    assert {s.context.trace_id for s in spans.values()} == {front_server.context.trace_id}
    assert client_span.parent is not None and back_server.parent is not None
    assert client_span.parent.span_id == front_server.context.span_id
    assert back_server.parent.span_id == client_span.context.span_id


def test_the_file_exporter_writes_one_json_object_per_span(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(path)))
    tracer = provider.get_tracer("test")
    with (
        tracer.start_as_current_span("outer") as outer,
        tracer.start_as_current_span("inner", attributes={"n": 1}),
    ):
        pass
    provider.shutdown()
    inner, outer_line = (json.loads(line) for line in path.read_text().splitlines())
    assert inner["name"] == "inner" and inner["attributes"] == {"n": 1}
    assert inner["trace_id"] == outer_line["trace_id"] == format_trace_id(outer.context.trace_id)
    assert inner["parent_span_id"] == outer_line["span_id"]
    assert outer_line["parent_span_id"] is None
    assert set(inner) >= {"trace_id", "span_id", "parent_span_id", "name", "service.name"}


def test_tracing_is_off_by_default() -> None:
    settings = CommonSettings()
    assert settings.otel_exporter == "none"
    assert setup_tracing("test", settings) is None
    assert TRACER_PROVIDER not in new_app(settings)


def test_an_unknown_exporter_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        CommonSettings(otel_exporter="zipkin")
