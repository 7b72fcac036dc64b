"""Gateway health: `/healthz` for the process, `/readyz` for the services behind it."""

from __future__ import annotations

import asyncio

import httpx
from aiohttp import web

from gateway.proxy import Upstream
from nestegg_common.problems import Handler
from nestegg_common.service import HTTP_CLIENT


async def _is_ready(client: httpx.AsyncClient, upstream: Upstream) -> bool:
    try:
        answer = await client.get(f"{upstream.base_url.rstrip('/')}/readyz", timeout=2.0)
    except httpx.HTTPError:
        return False
    return answer.status_code == 200


def readiness_handler(upstreams: list[Upstream]) -> Handler:
    """Build `/readyz`: 200 when every service is ready, else 503 naming those that are not."""

    async def readyz(request: web.Request) -> web.Response:
        client = request.app[HTTP_CLIENT]
        ready = await asyncio.gather(*(_is_ready(client, u) for u in upstreams))
        down = [u.name for u, ok in zip(upstreams, ready, strict=True) if not ok]
        body = {"status": "unavailable" if down else "ok", "unavailable": down}
        return web.json_response(body, status=503 if down else 200)

    return readyz
