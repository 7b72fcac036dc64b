"""An aiohttp client session for calls on a hot path: one session per process.

The services call each other with httpx (DESIGN §1). The gateway forwards every public request,
and projections checks the versions of a stored result's inputs on every cached run; there
httpx/httpcore cost 0.6–1.3 ms of CPU per call against aiohttp's 0.1 ms (bench/client_cost.py;
docs/BENCHMARKS.md, "What changed in session 2"; issue 19's profile: httpcore 37 % of
projections' CPU on cached runs).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from opentelemetry import trace
from opentelemetry.instrumentation.aiohttp_client import create_trace_config
from yarl import URL

from nestegg_common.settings import CommonSettings
from nestegg_common.telemetry import TRACER_PROVIDER
from nestegg_common.upstream import upstream_errors

UPSTREAM_SESSION = web.AppKey("upstream_session", aiohttp.ClientSession)

# The client's own headers are forwarded as they came; none are invented.
_NOT_INVENTED = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


class _AsSent(aiohttp.ClientRequest):
    """A request whose headers are only those given: aiohttp adds none of its own.

    The session's `skip_auto_headers` means the same, but aiohttp then sorts and copies them
    and the request's headers on every request: 8-11 % of the gateway's CPU per forwarded
    `GET /assets` (py-spy, docs/BENCHMARKS.md "Session 6"). Here they are one shared set.
    """

    _SKIPPED: CIMultiDict[None] = CIMultiDict((name, None) for name in _NOT_INVENTED)

    def update_auto_headers(self, skip_auto_headers: object) -> None:
        self._skip_auto_headers = self._SKIPPED  # read only, by aiohttp: safe to share


@dataclass(frozen=True)
class UpstreamAnswer:
    """A service's whole answer, read before its connection went back to the pool."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes


def new_upstream_session(
    settings: CommonSettings, tracer_provider: trace.TracerProvider | None = None
) -> aiohttp.ClientSession:
    """Create the session; with a `tracer_provider`, each call is a client span with traceparent.

    Timeouts mirror the services' httpx client: connecting may take `upstream_connect_timeout_s`,
    a pool slot or each read `upstream_timeout_s`.
    """
    timeout = aiohttp.ClientTimeout(
        total=None,
        connect=settings.upstream_timeout_s,
        sock_connect=settings.upstream_connect_timeout_s,
        sock_read=settings.upstream_timeout_s,
    )
    tracing = [create_trace_config(tracer_provider=tracer_provider)] if tracer_provider else []
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=200),
        timeout=timeout,
        # A shared jar would hand one user's cookies to the next request, whoever sent it.
        cookie_jar=aiohttp.DummyCookieJar(),
        trace_configs=tracing,
        skip_auto_headers=_NOT_INVENTED,
        request_class=_AsSent,
        raise_for_status=False,
    )


def upstream_session_context(
    settings: CommonSettings,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """Keep one session for the app's lifetime."""

    async def session_ctx(app: web.Application) -> AsyncIterator[None]:
        app[UPSTREAM_SESSION] = new_upstream_session(settings, app.get(TRACER_PROVIDER))
        yield
        await app[UPSTREAM_SESSION].close()

    return session_ctx


async def send(
    session: aiohttp.ClientSession,
    service: str,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: bytes | None = None,
    time_limit_s: float | None = None,
) -> UpstreamAnswer:
    """Send one request and read the whole answer; failures are 502/504 problems naming `service`.

    `url` is used as encoded: the public request's path and query pass through unchanged.
    """
    timeout = session.timeout
    if time_limit_s:  # the whole exchange within the limit; connecting as quickly as ever
        timeout = aiohttp.ClientTimeout(
            total=time_limit_s, sock_connect=session.timeout.sock_connect
        )
    with upstream_errors(service):
        async with session.request(
            method, URL(url, encoded=True), headers=headers, data=body, timeout=timeout
        ) as answer:
            return UpstreamAnswer(answer.status, answer.headers, await answer.read())
