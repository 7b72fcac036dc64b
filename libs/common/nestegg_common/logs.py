"""Configure logging: one JSON line per event, carrying the request id and the trace ids."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import format_span_id, format_trace_id

from nestegg_common.problems import current_request_id

# Attributes every LogRecord has; anything else was passed through `extra=` and is kept.
_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object per line."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON line with the request id, trace ids and `extra=` fields."""
        span = trace.get_current_span().get_span_context()
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": current_request_id.get(),
            # null outside a span, or when tracing is off (NESTEGG_OTEL_EXPORTER=none)
            "trace_id": format_trace_id(span.trace_id) if span.is_valid else None,
            "span_id": format_span_id(span.span_id) if span.is_valid else None,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, *, level: str = "INFO", fmt: str = "json") -> None:
    """Send this process's logs to stderr, as JSON lines or plain text."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(
            logging.Formatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO; our access log already says what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)


# Tries after which a peer still unreachable at start-up is worth a WARNING: with the 50 ms
# doubling back-off capped at 1 s (auth, erasure), about twelve seconds.
STARTUP_GRACE_FAILURES = 15


def unreachable_peer_level(failures: int, *, starting: bool) -> int | None:
    """Return the level to log the `failures`-th failed call to a peer at, or None to stay quiet.

    Under `make run` or a rollout every process starts at once, so a peer that does not answer
    yet is expected: one INFO line, and a WARNING only if it still does not answer after
    `STARTUP_GRACE_FAILURES` tries. A peer lost later is a WARNING at once. Either way one line
    per 100 further failures, so an outage cannot flood the log.
    """
    if failures % 100 == 0:
        return logging.WARNING
    if starting:
        if failures == 1:
            return logging.INFO
        return logging.WARNING if failures == STARTUP_GRACE_FAILURES else None
    return logging.WARNING if failures == 1 else None
