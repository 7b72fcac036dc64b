"""The server's read deadlines and its refusal of malformed requests, over raw sockets."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from nestegg_common.http import read_json
from nestegg_common.server import ReadTimeouts, serve_until_stopped
from nestegg_common.service import new_app
from nestegg_common.settings import CommonSettings
from nestegg_common.testing.services import free_port

TIMEOUTS = ReadTimeouts(head_s=0.6, body_s=0.6, idle_s=5.0)


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(1.5)  # longer than either read deadline
    return web.json_response({"slow": True})


async def echo(request: web.Request) -> web.Response:
    return web.json_response(await read_json(request))


@pytest.fixture
async def port() -> AsyncIterator[int]:
    app = new_app(CommonSettings())
    app.router.add_get("/slow", slow)
    app.router.add_post("/echo", echo)
    chosen = free_port()
    serving = asyncio.create_task(
        serve_until_stopped(
            app, host="127.0.0.1", port=chosen, timeouts=TIMEOUTS, handle_signals=False
        )
    )
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", chosen)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        break
    yield chosen
    serving.cancel()
    await asyncio.gather(serving, return_exceptions=True)


async def until_closed(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, drip: bytes = b""
) -> tuple[float, bytes]:
    """Send `drip` a byte every 0.1 s (then nothing); return when and what the server closed."""
    started, received = time.monotonic(), b""
    while time.monotonic() - started < 10:
        if drip:
            writer.write(drip[:1])
            drip = drip[1:]
        try:
            chunk = await asyncio.wait_for(reader.read(65536), 0.1)
        except TimeoutError:
            continue
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
    return time.monotonic() - started, received


async def test_a_head_sent_a_byte_at_a_time_is_cut_off_with_a_408(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /slow HTTP/1.1\r\n")
    took, answer = await until_closed(reader, writer, drip=b"X-Slow: " + b"a" * 200)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert TIMEOUTS.head_s <= took < TIMEOUTS.head_s + 1.0


async def test_a_body_that_never_completes_is_a_408_and_the_connection_ends(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\n\r\n{"
    )
    took, answer = await until_closed(reader, writer)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"application/problem+json" in answer
    assert TIMEOUTS.body_s <= took < TIMEOUTS.body_s + 1.0


async def test_slow_handlers_idle_connections_and_prompt_bodies_are_not_cut_off(
    port: int,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200 "), head
    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    await reader.readexactly(length)
    await asyncio.sleep(TIMEOUTS.head_s * 2)  # idle on a kept-alive connection: not a slow head
    body = b'{"a": 1}'
    writer.write(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    await asyncio.sleep(TIMEOUTS.body_s / 2)
    writer.write(body)
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200 "), head
    writer.close()


async def test_a_malformed_request_is_one_info_line_naming_no_header(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /slow HTTP/1.1\r\nAuthorization: Bearer s3cr3t\r\nX-Bad: a\rb\r\n\r\n")
    _, answer = await until_closed(reader, writer)
    assert answer.startswith(b"HTTP/1.0 400 ") and b"application/problem+json" in answer
    assert b"s3cr3t" not in answer
    server_records = [r for r in caplog.records if r.name.startswith(("aiohttp", "nestegg"))]
    assert [(r.levelname, r.getMessage()) for r in server_records] == [
        ("INFO", "malformed request refused")
    ]
    assert server_records[0].exc_info is None


async def test_a_bad_chunk_while_the_body_is_read_is_a_prompt_400_and_one_info_line(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    await asyncio.sleep(0.1)  # the handler is waiting for the body now
    writer.write(b"zz\r\n{}\r\n0\r\n\r\n")
    took, answer = await until_closed(reader, writer)
    assert answer.startswith(b"HTTP/1.1 400 ") and b"application/problem+json" in answer
    assert took < TIMEOUTS.body_s  # not left to the body deadline
    server_records = [r for r in caplog.records if r.name.startswith(("aiohttp", "nestegg.server"))]
    assert [(r.levelname, r.getMessage()) for r in server_records] == [
        ("INFO", "malformed request refused")
    ]


async def test_the_start_up_heap_is_frozen_before_serving(port: int) -> None:
    # What exists once the app has started lives as long as the process: frozen, a full cyclic
    # collection does not walk it in the middle of requests (docs/ARCHITECTURE.md, Serving).
    try:
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # this is the test process, not a server: let its objects go again
