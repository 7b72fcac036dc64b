"""Turn every error into an RFC 9457 problem+json response, in exactly one middleware."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import asyncpg
from aiohttp import web
from pydantic import ValidationError

from nestegg_common.errors import ProblemError

_LOGGER = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,128}$")

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# What an unreachable, restarting or shutting-down PostgreSQL raises through asyncpg: a 503 with
# Retry-After, not a 500, since retrying shortly is exactly what the client should do.
DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)
DATABASE_RETRY_AFTER_S = 2

_HTTP_TITLES = {
    400: ("Bad request", "bad-request"),
    401: ("Unauthorized", "unauthorized"),
    403: ("Forbidden", "forbidden"),
    404: ("Not found", "not-found"),
    405: ("Method not allowed", "method-not-allowed"),
    413: ("Payload too large", "payload-too-large"),
    415: ("Unsupported media type", "unsupported-media-type"),
}


def problem_type(slug: str) -> str:
    """Return the `type` URI of a problem slug."""
    return f"urn:nestegg:problem:{slug}"


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> web.Response:
    """Build an `application/problem+json` response."""
    body: dict[str, Any] = {
        "type": problem_type(slug),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    body["request_id"] = current_request_id.get()
    return web.Response(
        status=status,
        text=json.dumps(body),
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


def validation_errors(err: ValidationError, *, prefix: str = "") -> list[dict[str, Any]]:
    """Name each bad field of a pydantic error as `{field, message, type}`."""
    items = []
    for e in err.errors(include_url=False, include_input=False):
        field = ".".join(str(p) for p in e["loc"]) or "body"
        message = str(e["msg"]).removeprefix("Value error, ")
        items.append({"field": prefix + field, "message": message, "type": e["type"]})
    return items


def _from_http_exception(exc: web.HTTPException, request: web.Request) -> web.StreamResponse:
    title, slug = _HTTP_TITLES.get(exc.status, (exc.reason, "http-error"))
    detail = {
        404: f"No route matches {request.path}.",
        405: f"{request.method} is not allowed on {request.path}.",
        413: "The request body is larger than this service accepts.",
    }.get(exc.status, exc.text or exc.reason)
    headers = {}
    if exc.status == 405 and "Allow" in exc.headers:
        headers["Allow"] = exc.headers["Allow"]
    return problem_response(
        exc.status, title, detail, slug=slug, headers=headers, instance=request.path
    )


def incoming_request_id(request: web.Request) -> str:
    """Return the caller's `X-Request-Id` when it is well-formed, else a new one."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    # 128 random bits as 32 hex digits, as uuid4().hex wrote them, at a fifth of its cost.
    return given if _REQUEST_ID_PATTERN.match(given) else os.urandom(16).hex()


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request an id (the caller's when well-formed) for logs and the response."""
    request_id = incoming_request_id(request)
    token = current_request_id.set(request_id)
    try:
        response = await handler(request)
        if not response.prepared:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response
    finally:
        current_request_id.reset(token)


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every failure with problem+json."""
    request_id = current_request_id.get()
    try:
        response = await handler(request)
    except ProblemError as exc:
        response = problem_response(
            exc.status,
            exc.title,
            exc.detail,
            slug=exc.type_slug,
            errors=exc.errors,
            headers=exc.headers,
            instance=request.path,
        )
    except ValidationError as exc:
        response = problem_response(
            422,
            "Validation failed",
            "One or more fields are invalid; see `errors`.",
            slug="validation-failed",
            errors=validation_errors(exc),
            instance=request.path,
        )
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = _from_http_exception(exc, request)
    except ConnectionResetError:
        # The client left mid-request: nothing failed on our side and nobody reads the answer.
        _LOGGER.info("client closed the connection", extra={"route": request.path})
        response = problem_response(
            400,
            "Client closed request",
            "The connection was closed before the request was read.",
            slug="client-closed-request",
            instance=request.path,
        )
    except DATABASE_UNAVAILABLE as exc:
        _LOGGER.warning(
            "database unavailable: %s", type(exc).__name__, extra={"route": request.path}
        )
        response = problem_response(
            503,
            "Service unavailable",
            "The service cannot reach its database right now; retry shortly.",
            slug="service-unavailable",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
            instance=request.path,
        )
    except Exception:
        _LOGGER.exception("unhandled error", extra={"route": request.path})
        response = problem_response(
            500,
            "Internal server error",
            f"Something went wrong on our side. Quote request id {request_id} when reporting it.",
            slug="internal-error",
            instance=request.path,
        )
    return response
