"""Answers the gateway composes from several services: the dashboard and the data export."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from gateway.proxy import Upstream
from nestegg_common.auth import JwtVerifier, bearer_token
from nestegg_common.http import json_response
from nestegg_common.problems import REQUEST_ID_HEADER, current_request_id
from nestegg_common.tasks import all_or_nothing
from nestegg_common.upstream import json_of
from nestegg_common.upstream_client import send
from nestegg_common.values import json_timestamp

_LOGGER = logging.getLogger(__name__)

# The dashboard answers with what it has rather than wait on a slow service.
DASHBOARD_PART_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Backends:
    """The services and credentials the composed answers need."""

    session: Callable[[], aiohttp.ClientSession]
    accounts: Upstream
    ledger: Upstream
    projections: Upstream
    internal_token: str


async def _fetch(
    backends: Backends,
    upstream: Upstream,
    path: str,
    authorization: str,
    time_limit_s: float | None = None,
) -> Any:
    headers = {"Authorization": authorization, REQUEST_ID_HEADER: current_request_id.get()}
    url = f"{upstream.base_url.rstrip('/')}{path}"
    answer = await send(
        backends.session(), upstream.name, "GET", url, headers=headers, time_limit_s=time_limit_s
    )
    return json_of(answer.status, answer.body, upstream.name)


def dashboard_handler(
    backends: Backends, verifier: JwtVerifier
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Build `GET /dashboard`: profile, ledger summary and latest run, fetched concurrently."""

    async def get_dashboard(request: web.Request) -> web.StreamResponse:
        token = bearer_token(request)
        claims = await verifier.verify(token)
        user_auth, service_auth = f"Bearer {token}", f"Bearer {backends.internal_token}"
        parts: dict[str, Awaitable[Any]] = {
            "profile": _fetch(
                backends, backends.accounts, "/me/profile", user_auth, DASHBOARD_PART_TIMEOUT_S
            ),
            "ledger_summary": _fetch(
                backends, backends.ledger, "/ledger/summary", user_auth, DASHBOARD_PART_TIMEOUT_S
            ),
            "latest_run": _fetch(
                backends,
                backends.projections,
                f"/internal/users/{claims.user_id}/latest-run",
                service_auth,
                DASHBOARD_PART_TIMEOUT_S,
            ),
        }
        results = await asyncio.gather(*parts.values(), return_exceptions=True)
        body: dict[str, Any] = {"unavailable": []}
        for name, result in zip(parts, results, strict=True):
            if isinstance(result, BaseException):
                _LOGGER.warning(
                    "dashboard part unavailable",
                    extra={"part": name, "error": type(result).__name__},
                )
                body[name] = None
                body["unavailable"].append(name)
            else:
                body[name] = result["latest_run"] if name == "latest_run" else result
        return json_response(body)

    return get_dashboard


def export_handler(
    backends: Backends, verifier: JwtVerifier
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Build `GET /me/export`: every record of the user from the three services, or an error."""

    async def export_me(request: web.Request) -> web.StreamResponse:
        claims = await verifier.verify(bearer_token(request))
        user_id: uuid.UUID = claims.user_id
        service_auth = f"Bearer {backends.internal_token}"
        # An export must be complete: if one service fails, the whole request fails.
        accounts, ledger, projections = await all_or_nothing(
            _fetch(backends, backends.accounts, f"/internal/users/{user_id}/export", service_auth),
            _fetch(backends, backends.ledger, f"/internal/users/{user_id}/snapshot", service_auth),
            _fetch(
                backends, backends.projections, f"/internal/users/{user_id}/export", service_auth
            ),
        )
        body = {
            "format": "nestegg-export/1",
            "exported_at": json_timestamp(datetime.now(UTC)),
            "user_id": str(user_id),
            "accounts": accounts,
            "ledger": ledger,
            "projections": projections,
        }
        headers = {
            "Content-Disposition": 'attachment; filename="nestegg-export.json"',
            "Cache-Control": "no-store",
        }
        return json_response(body, headers=headers)

    return export_me
