"""HTTP load: wrk (Debian's package) with Lua scripts, or a small asyncio generator without it."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from stats import percentiles

_MARK = "BENCH_JSON "

# wrk calls done() once at the end; it prints what the run measured as one JSON line.
_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,'
    .. '"p50_us":%d,"p95_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}\\n',
    "BENCH_JSON ", summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max))
end
"""


@dataclass(frozen=True)
class Target:
    """One kind of request: method, path (`{id}` picks one of `ids` each time), body."""

    method: str
    path: str
    body: str | None = None
    ids: tuple[str, ...] = field(default=())

    def lua(self, token: str, base_path: str = "") -> str:
        """Return the wrk script that sends this request (under `base_path`) with the token."""
        lines = [
            f'wrk.method = "{self.method}"',
            f'wrk.headers["Authorization"] = "Bearer {token}"',
        ]
        if self.body is not None:
            lines += [
                'wrk.headers["Content-Type"] = "application/json"',
                f"wrk.body = {json.dumps(self.body)}",
            ]
        if self.ids:
            quoted = ", ".join(f'"{i}"' for i in self.ids)
            prefix, suffix = self.path.split("{id}")
            prefix = base_path + prefix
            lines += [
                f"local ids = {{{quoted}}}",
                "init = function(args) math.randomseed(os.time()) end",
                "request = function()",
                f'  local path = "{prefix}" .. ids[math.random(#ids)] .. "{suffix}"',
                "  return wrk.format(nil, path)",
                "end",
            ]
        return "\n".join(lines) + "\n" + _DONE


def ensure_wrk() -> str | None:
    """Return wrk's path, installing Debian's package when missing and running as root."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "wrk"]
    try:
        if subprocess.run(install, env=env, capture_output=True, timeout=300).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=300)
            subprocess.run(install, env=env, capture_output=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return shutil.which("wrk")


def run_wrk(
    wrk: str, base_url: str, target: Target, token: str, *, connections: int, duration_s: int
) -> dict[str, Any]:
    """Run wrk with one thread (the servers need the other core) and return its figures."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(target.lua(token, urlsplit(base_url).path))
    try:
        url = base_url + (target.path if not target.ids else target.path.split("{id}")[0])
        done = subprocess.run(
            [
                wrk,
                "-t1",
                f"-c{connections}",
                f"-d{duration_s}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=duration_s + 60,
        )
    finally:
        Path(script.name).unlink()
    line = next((x for x in done.stdout.splitlines() if x.startswith(_MARK)), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")
    raw = json.loads(line.removeprefix(_MARK))
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "requests": raw["requests"],
        "errors": raw["status_errors"] + raw["socket_errors"],
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "mean_ms": raw["mean_us"] / 1000,
    }


async def _asyncio_load(
    base_url: str, target: Target, token: str, connections: int, duration_s: int
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    if target.body is not None:
        headers["Content-Type"] = "application/json"
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + duration_s
    rng = random.Random(1)

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while time.monotonic() < deadline:  # bounded by the run's duration
            path = target.path
            if target.ids:
                path = path.replace("{id}", rng.choice(target.ids))
            started = time.perf_counter()
            try:
                async with session.request(
                    target.method, base_url + path, data=target.body, headers=headers
                ) as answer:
                    await answer.read()
                    if not 200 <= answer.status < 300:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=10)
    started = time.monotonic()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    elapsed = time.monotonic() - started
    return {
        "rps": len(latencies) / elapsed,
        "requests": len(latencies),
        "errors": errors,
        **percentiles(latencies),
    }


def run_asyncio(
    base_url: str, target: Target, token: str, *, connections: int, duration_s: int
) -> dict[str, Any]:
    """Closed-loop load from this process (the fallback: it competes for the CPU with the API)."""
    return asyncio.run(_asyncio_load(base_url, target, token, connections, duration_s))
