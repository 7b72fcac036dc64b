"""Talk HTTP/1.1 over a raw socket: the malformed and slow requests no HTTP client will send."""

from __future__ import annotations

import contextlib
import socket
import time
from urllib.parse import urlsplit


def port_of(url: str) -> int:
    """Return the port of an `http://host:port` URL."""
    port = urlsplit(url).port
    assert port is not None, url
    return port


def exchange(
    port: int, data: bytes, *, then: bytes = b"", pause_s: float = 0.2, timeout_s: float = 5.0
) -> bytes:
    """Send `data` (and `then` after `pause_s`); return all the server answers until it closes.

    `then` arrives in a packet of its own, after the server has acted on `data`: the second
    request of a connection, or the body of a request whose head the handler already has.
    """
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        sock.sendall(data)
        if then:
            time.sleep(pause_s)
            with contextlib.suppress(OSError):  # the server may have closed already
                sock.sendall(then)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            received += chunk
    return received


def seconds_until_closed(
    port: int, start: bytes, *, drip: bytes = b"", every_s: float = 0.5, limit_s: float = 30.0
) -> tuple[float | None, bytes]:
    """Send `start`, then a byte of `drip` every `every_s`; time how long until the server hangs up.

    Returns (seconds, what the server sent), seconds None when it still held the connection
    after `limit_s`. Running out of `drip` keeps the connection open without sending more.
    """
    received = b""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5.0) as sock:
        sock.sendall(start)
        sock.settimeout(every_s)
        remaining = drip
        while time.monotonic() - started < limit_s:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                chunk = None
            except ConnectionResetError:
                return time.monotonic() - started, received
            if chunk == b"":
                return time.monotonic() - started, received
            if chunk:
                received += chunk
                continue
            if remaining:
                try:
                    sock.sendall(remaining[:1])
                except (BrokenPipeError, ConnectionResetError):
                    return time.monotonic() - started, received
                remaining = remaining[1:]
    return None, received
