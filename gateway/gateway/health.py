"""Gateway health: `/healthz` for the process, `/readyz` for the services behind it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

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


def readiness_handler(
    upstreams: list[Upstream], *, waiting_for: Callable[[], list[str]] = list
) -> Handler:
    """Build `/readyz`: 200 when every service is ready, else 503 naming those that are not.

    Also 503 while `waiting_for` names something the gateway itself lacks (its JWKS keys, the
    erased users), without which it would refuse valid tokens or accept erased users' ones.
    """

    async def readyz(request: web.Request) -> web.Response:
        client = request.app[HTTP_CLIENT]
        ready = await asyncio.gather(*(_is_ready(client, u) for u in upstreams))
        down = [u.name for u, ok in zip(upstreams, ready, strict=True) if not ok]
        body: dict[str, object] = {"status": "unavailable" if down else "ok", "unavailable": down}
        missing = waiting_for()
        if missing:
            body.update(status="unavailable", waiting_for=missing)
        return web.json_response(body, status=503 if down or missing else 200)

    return readyz
