"""Trace each process with OpenTelemetry: an exporter chosen by environment, and the hooks.

One client request is one trace: the server middleware continues the caller's W3C
`traceparent`, the instrumented httpx client passes it on, and asyncpg adds a span per statement
(its text, never its parameters).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from opentelemetry import trace
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.propagate import extract
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import SpanKind, Status, StatusCode, format_span_id, format_trace_id

from nestegg_common.erasure import ERASED_USERS_PATH
from nestegg_common.problems import Handler, current_request_id
from nestegg_common.settings import CommonSettings

TRACER_PROVIDER = web.AppKey("tracer_provider", trace.TracerProvider)

# Probes, scrapes and every process's poll of the recent erasures would drown the real traces
# (and /readyz would add a query each time).
UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics", ERASED_USERS_PATH})


class JsonLinesSpanExporter(SpanExporter):
    """Append one JSON object per finished span to a file that several processes may share."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Write the spans; each batch in one `write`, so lines of processes never interleave."""
        data = "".join(json.dumps(span_record(s), default=str) + "\n" for s in spans).encode()
        with self._lock:
            if self._fd < 0:
                return SpanExportResult.FAILURE
            os.write(self._fd, data)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        """Close the file."""
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def span_record(span: ReadableSpan) -> dict[str, Any]:
    """Return what the file exporter writes of a span."""
    context = span.get_span_context()
    assert context is not None
    return {
        "trace_id": format_trace_id(context.trace_id),
        "span_id": format_span_id(context.span_id),
        "parent_span_id": format_span_id(span.parent.span_id) if span.parent else None,
        "name": span.name,
        "kind": span.kind.name,
        "service.name": span.resource.attributes.get(SERVICE_NAME),
        "attributes": dict(span.attributes or {}),
        "status": span.status.status_code.name,
        "start_time_ns": span.start_time,
        "end_time_ns": span.end_time,
    }


def _span_processor(settings: CommonSettings) -> SpanProcessor:
    if settings.otel_exporter == "file":
        if settings.otel_file is None:
            raise RuntimeError("NESTEGG_OTEL_EXPORTER=file needs NESTEGG_OTEL_FILE (a path)")
        # Written as each span ends, so a test reads them as soon as the response arrives.
        return SimpleSpanProcessor(JsonLinesSpanExporter(settings.otel_file))
    if settings.otel_exporter == "console":
        return SimpleSpanProcessor(ConsoleSpanExporter())
    # Imported only when chosen: it brings protobuf along.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    # The endpoint, headers and timeout come from the standard OTEL_EXPORTER_OTLP_* variables.
    return BatchSpanProcessor(OTLPSpanExporter())


def setup_tracing(service: str, settings: CommonSettings) -> TracerProvider | None:
    """Build this process's tracer provider from `NESTEGG_OTEL_EXPORTER`; None when `none`.

    Sets it as the process's global provider and instruments asyncpg with it. Call once per
    process, before its app is built.
    """
    if settings.otel_exporter == "none":
        return None
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(_span_processor(settings))
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor(capture_parameters=False).instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]
    return provider


def app_tracer_provider(
    settings: CommonSettings, given: trace.TracerProvider | None
) -> trace.TracerProvider | None:
    """Return the provider an app traces with: the one given (tests), else the process's."""
    if given is not None:
        return given
    return None if settings.otel_exporter == "none" else trace.get_tracer_provider()


def instrument_http_client(
    client: httpx.AsyncClient, tracer_provider: trace.TracerProvider | None
) -> None:
    """Give each request of `client` a client span and a `traceparent` header."""
    if tracer_provider is not None:
        HTTPXClientInstrumentor.instrument_client(client, tracer_provider=tracer_provider)


def tracing_middleware(tracer_provider: trace.TracerProvider) -> Any:
    """Trace each request as a server span, continuing the caller's trace if it sent one."""
    tracer = tracer_provider.get_tracer("nestegg.server")

    @web.middleware
    async def trace_request(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in UNTRACED_PATHS:
            with suppress_instrumentation():
                return await handler(request)
        resource = request.match_info.route.resource
        route = resource.canonical if resource else None
        attributes = {
            "http.request.method": request.method,
            "url.path": request.path,
            "url.scheme": request.scheme,
            "nestegg.request_id": current_request_id.get(),
        }
        if route:
            attributes["http.route"] = route
        with tracer.start_as_current_span(
            f"{request.method} {route}" if route else request.method,
            context=extract(request.headers),
            kind=SpanKind.SERVER,
            attributes=attributes,
        ) as span:
            status = 500
            try:
                response = await handler(request)
                status = response.status
                return response
            except web.HTTPException as exc:
                status = exc.status
                raise
            finally:
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))

    return trace_request
