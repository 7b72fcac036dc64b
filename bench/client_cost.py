"""CPU per proxied call of the two HTTP clients the gateway could use: httpx and aiohttp's.

One process, one local aiohttp server answering a 12 KB JSON body, N calls at 1, 16 and 64 at
once; prints wall and CPU time per call (server included, the same for every client). Why the
gateway forwards with aiohttp's client: docs/ARCHITECTURE.md (Gateway), docs/BENCHMARKS.md.

    .venv/bin/python bench/client_cost.py [--calls 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
import httpx
import uvloop
from aiohttp import web
from floor_app import serve_app

from nestegg_common.testing.services import free_port

BODY = b'{"x":"' + b"a" * 12_000 + b'"}'
HEADERS = {"Authorization": "Bearer x"}


async def per_call(
    call: Callable[[], Awaitable[None]], calls: int, at_once: int
) -> tuple[float, float]:
    """Return (wall µs, CPU µs) per call, after a warm-up."""

    async def worker(n: int) -> None:
        for _ in range(n):
            await call()

    await worker(200)
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(calls // at_once) for _ in range(at_once)))
    done = calls // at_once * at_once
    return (
        (time.perf_counter() - wall) / done * 1e6,
        (time.process_time() - cpu) / done * 1e6,
    )


async def main(calls: int) -> None:
    """Serve the body (as the framework floor does) and time both clients."""

    runner = web.AppRunner(serve_app(BODY), access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}/x"
    try:
        for at_once in (1, 16, 64):
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
            async with httpx.AsyncClient(limits=limits) as client:

                async def with_httpx(client: httpx.AsyncClient = client) -> None:
                    (await client.get(url, headers=HEADERS)).raise_for_status()

                wall, cpu = await per_call(with_httpx, calls, at_once)
                print(f"httpx    at once {at_once:3d}: {wall:7.1f} µs wall, {cpu:7.1f} µs CPU")
            connector = aiohttp.TCPConnector(limit=200)
            async with aiohttp.ClientSession(connector=connector) as session:

                async def with_aiohttp(session: aiohttp.ClientSession = session) -> None:
                    async with session.get(url, headers=HEADERS) as response:
                        await response.read()

                wall, cpu = await per_call(with_aiohttp, calls, at_once)
                print(f"aiohttp  at once {at_once:3d}: {wall:7.1f} µs wall, {cpu:7.1f} µs CPU")
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    uvloop.run(main(parser.parse_args().calls))
