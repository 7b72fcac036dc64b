"""The framework floor: a bare aiohttp server and a bare aiohttp proxy, for `make bench`.

`serve` answers every GET with the same bytes; `proxy` forwards every GET to an upstream with
one shared aiohttp session, as the gateway does (gateway/gateway/upstream_client.py, proxy.py).
Neither has middlewares, auth, metrics, logs or problem handling, and both run on uvloop as the
services do (nestegg_common.service.serve): what they reach on this machine is the most that
aiohttp and one HTTP hop allow, so the gap between them and Nestegg is Nestegg's own code.

    python bench/floor_app.py serve --port 8101 --body page.json
    python bench/floor_app.py proxy --port 8102 --upstream http://127.0.0.1:8101
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import uvloop
from aiohttp import web
from yarl import URL

from nestegg_common.settings import CommonSettings
from nestegg_common.upstream_client import new_upstream_session

SESSION = web.AppKey("session", aiohttp.ClientSession)


def serve_app(body: bytes) -> web.Application:
    """Answer GET on any path with `body` as JSON."""

    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/{tail:.*}", answer)
    return app


def proxy_app(upstream: str) -> web.Application:
    """Forward GET on any path (with its query) to `upstream`; return its status and body."""
    base = upstream.rstrip("/")

    async def session_ctx(app: web.Application) -> AsyncIterator[None]:
        # The gateway's own session (timeouts, pool, no cookie jar, no invented headers).
        app[SESSION] = new_upstream_session(CommonSettings())
        yield
        await app[SESSION].close()

    async def forward(request: web.Request) -> web.Response:
        # Path and query as encoded, as the gateway sends them; no headers are copied, so this
        # is the hop's floor (the gateway also forwards the client's end-to-end headers).
        url = URL(base + request.rel_url.raw_path_qs, encoded=True)
        async with request.app[SESSION].get(url) as answer:
            body = await answer.read()
            headers = {}
            if "Content-Type" in answer.headers:
                headers["Content-Type"] = answer.headers["Content-Type"]
            return web.Response(status=answer.status, body=body, headers=headers)

    app = web.Application()
    app.cleanup_ctx.append(session_ctx)
    app.router.add_get("/{tail:.*}", forward)
    return app


def main(argv: list[str] | None = None) -> None:
    """Run one of the two apps on 127.0.0.1 until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    serve = modes.add_parser("serve", help="answer every GET with the bytes of a file")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--body", type=Path, required=True)
    proxy = modes.add_parser("proxy", help="forward every GET to an upstream")
    proxy.add_argument("--port", type=int, required=True)
    proxy.add_argument("--upstream", required=True)
    args = parser.parse_args(argv)
    # The file is read once: the floor must not pay for disk or JSON encoding per request.
    app = serve_app(args.body.read_bytes()) if args.mode == "serve" else proxy_app(args.upstream)
    web.run_app(
        app,
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=None,
        loop=uvloop.new_event_loop(),
    )


if __name__ == "__main__":
    main()
