"""Helpers for tests that serve an app or start real processes: secrets, ports, waiting."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from aiohttp.test_utils import TestServer
from aiohttp.web_runner import BaseRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True)
class TestSecrets:
    """A signing key and a service token made for one test session."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    jwt_private_key_pem: str = field(
        default_factory=lambda: (
            Ed25519PrivateKey.generate()
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode()
        )
    )
    internal_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def env(self) -> dict[str, str]:
        """Return them as the environment variables the processes read."""
        return {
            "NESTEGG_JWT_PRIVATE_KEY": self.jwt_private_key_pem,
            "NESTEGG_INTERNAL_TOKEN": self.internal_token,
        }


# Nothing listens on port 1 (tcpmux) on any machine we run on: a test app whose peers are here
# reaches none of them, in particular not a developer's `make run` on the default ports (the
# repository's root conftest.py makes it every test's default).
UNREACHABLE_URL = "http://127.0.0.1:1"


def database_name_of(url: str) -> str:
    """Return the database name in a PostgreSQL URL."""
    return urlsplit(url).path.lstrip("/")


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_healthy(
    url: str, *, timeout_s: float = 60.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Poll `url` until it answers 200; fail early when the process died.

    The generous default is for loaded machines (test runs side by side on few cores); it costs
    nothing when all is well, and a process that dies still fails the wait at once.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer 200 within {timeout_s} s")


def start_process(
    module: str, env: Mapping[str, str], *, log_path: Path
) -> subprocess.Popen[bytes]:
    """Start `python -m module` with `env` on top of ours, logging to `log_path`."""
    log = log_path.open("wb")
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", module],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_process(process: subprocess.Popen[bytes], *, timeout_s: float = 10.0) -> None:
    """Stop a process with SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class ServerAsDeployed(TestServer):
    """aiohttp's TestServer, but like `web.run_app`: a client leaving does not cancel handlers.

    TestServer turns `handler_cancellation` on, so a test of what happens on a disconnect would
    pass there and not in a deployment (nestegg_common.disconnect).
    """

    __test__ = False

    async def _make_runner(self, **kwargs: Any) -> BaseRunner:
        kwargs["handler_cancellation"] = False
        return await super()._make_runner(**kwargs)
