"""Serve the OpenAPI document of the whole public API, merged from the services' fragments.

Each service serves the fragment of its public operations at `GET /internal/openapi.json`
(behind the service token). The gateway fetches them concurrently, adds its own operations and
the 502/504 answers it gives for a service that is down, and keeps the merge in memory for
`fresh_s` seconds; a merge that misses a service is kept only `retry_s` seconds, and names the
missing services in `x-nestegg-unavailable`.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Sequence
from typing import Any

import httpx
from aiohttp import web

from gateway import api_spec
from gateway.docs_page import render_docs_page
from gateway.proxy import Upstream
from nestegg_common.openapi import SERVERS, build_document, merge_documents, problem_reply
from nestegg_common.service import HTTP_CLIENT

_LOGGER = logging.getLogger(__name__)

FRAGMENT_PATH = "/internal/openapi.json"
UNAVAILABLE = "x-nestegg-unavailable"
_FETCH_TIMEOUT_S = 3.0
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
# The gateway's own pages refer only to themselves; nothing to fetch, frame or post elsewhere.
_PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

Document = dict[str, Any]
# Services whose signed-in routes the gateway counts against the user's request limit.
USER_LIMITED_SERVICES = frozenset({"projections"})


def with_gateway_errors(fragment: Document, *, user_limited: bool = False) -> Document:
    """Return a copy of a service's fragment whose operations also list the gateway's 502/504.

    `user_limited`: the gateway counts the service's signed-in operations against the user's
    request limit (user_limits.py), so they may also answer 429.
    """
    fragment = copy.deepcopy(fragment)
    for methods in fragment.get("paths", {}).values():
        for method, operation in methods.items():
            if method in _METHODS:
                statuses = [502, 504]
                if user_limited and operation.get("security") != []:
                    statuses.append(429)
                for status in statuses:
                    operation["responses"].setdefault(str(status), problem_reply(status))
    return fragment


class ApiDocument:
    """The merged OpenAPI document, fetched from the services and cached in memory."""

    def __init__(
        self,
        sources: Sequence[Upstream],
        *,
        internal_token: str,
        fresh_s: float = 60.0,
        retry_s: float = 5.0,
    ) -> None:
        self._sources = tuple(sources)
        self._authorization = f"Bearer {internal_token}"
        self._fresh_s, self._retry_s = fresh_s, retry_s
        self._document: Document | None = None
        self._page: tuple[Document, str] | None = None  # the page and the document it shows
        self._expires_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _fragment(self, client: httpx.AsyncClient, source: Upstream) -> Document | None:
        url = source.base_url.rstrip("/") + FRAGMENT_PATH
        try:
            answer = await client.get(
                url, headers={"Authorization": self._authorization}, timeout=_FETCH_TIMEOUT_S
            )
            if answer.status_code == 404:
                _LOGGER.info(
                    "service publishes no OpenAPI fragment", extra={"service": source.name}
                )
                return None
            answer.raise_for_status()
            fragment: Document = answer.json()
            return fragment
        except (httpx.HTTPError, ValueError) as err:
            _LOGGER.warning(
                "OpenAPI fragment unavailable: %s",
                type(err).__name__,
                extra={"service": source.name},
            )
            return None

    async def _merge(self, client: httpx.AsyncClient) -> tuple[Document, list[str]]:
        fragments = await asyncio.gather(*(self._fragment(client, s) for s in self._sources))
        document = build_document(
            [], title=api_spec.TITLE, description=api_spec.DESCRIPTION, servers=SERVERS
        )
        missing = []
        for source, fragment in zip(self._sources, fragments, strict=True):
            if fragment is None:
                missing.append(source.name)
                continue
            try:
                limited = source.name in USER_LIMITED_SERVICES
                document = merge_documents(
                    document, with_gateway_errors(fragment, user_limited=limited)
                )
            except (ValueError, KeyError, TypeError, AttributeError) as err:
                _LOGGER.error(
                    "OpenAPI fragment does not merge: %s", err, extra={"service": source.name}
                )
                missing.append(source.name)
        own = build_document(api_spec.operations(), title=api_spec.TITLE, tags=api_spec.TAGS)
        document = merge_documents(document, own)  # last, so its tags come after the services'
        if missing:
            document[UNAVAILABLE] = missing
        return document, missing

    async def document(self, client: httpx.AsyncClient) -> Document:
        """Return the merged document, refetching the fragments once it is stale."""
        async with self._lock:  # one refetch at a time; the others wait and reuse it
            if time.monotonic() >= self._expires_at or self._document is None:
                self._document, missing = await self._merge(client)
                self._expires_at = time.monotonic() + (self._retry_s if missing else self._fresh_s)
            return self._document

    async def page(self, client: httpx.AsyncClient) -> str:
        """Return the document rendered as an HTML page."""
        document = await self.document(client)
        if self._page is None or self._page[0] is not document:
            self._page = (document, render_docs_page(document))
        return self._page[1]


API_DOCUMENT = web.AppKey("api_document", ApiDocument)


async def get_openapi_document(request: web.Request) -> web.StreamResponse:
    """Serve the OpenAPI 3.1 document of the public API."""
    document = await request.app[API_DOCUMENT].document(request.app[HTTP_CLIENT])
    return web.json_response(document, headers={"Cache-Control": "no-cache"})


async def get_docs_page(request: web.Request) -> web.StreamResponse:
    """Serve the document as a self-contained, script-free HTML page."""
    page = await request.app[API_DOCUMENT].page(request.app[HTTP_CLIENT])
    return web.Response(
        text=page,
        content_type="text/html",
        headers={"Content-Security-Policy": _PAGE_POLICY, "Cache-Control": "no-cache"},
    )
