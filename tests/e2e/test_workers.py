"""Several copies of a process on one port (NESTEGG_REUSE_PORT=1): each serves, any may stop.

The gateway is the process started here because it needs no database; every process shares the
same `serve` (nestegg_common.service), so what holds for it holds for the services.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nestegg_common.testing.services import (
    free_port,
    start_process,
    stop_process,
    wait_until_healthy,
)


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        stop_process(process)


def gateway_env(port: int, *, reuse_port: bool) -> dict[str, str]:
    return {
        "NESTEGG_GATEWAY_PORT": str(port),
        "NESTEGG_REUSE_PORT": "1" if reuse_port else "0",
        "NESTEGG_INTERNAL_TOKEN": "workers-test-internal-token",
        "NESTEGG_LOG_LEVEL": "WARNING",
    }


def test_two_workers_share_a_port_and_either_can_stop(
    tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    port = free_port()
    for n in range(2):
        log = tmp_path / f"gateway-{n}.log"
        started.append(start_process("gateway", gateway_env(port, reuse_port=True), log_path=log))
    url = f"http://127.0.0.1:{port}/healthz"
    for process in started:
        wait_until_healthy(url, timeout_s=30, process=process)
    # Fresh connections, spread by the kernel: both copies stay up and answer.
    answers = [httpx.get(url, headers={"Connection": "close"}).status_code for _ in range(20)]
    assert answers == [200] * 20
    assert [p.poll() for p in started] == [None, None]
    stop_process(started[0])
    assert [httpx.get(url).status_code for _ in range(5)] == [200] * 5


def test_without_reuse_port_a_second_copy_cannot_start(
    tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    port = free_port()
    first = start_process(
        "gateway", gateway_env(port, reuse_port=False), log_path=tmp_path / "first.log"
    )
    started.append(first)
    wait_until_healthy(f"http://127.0.0.1:{port}/healthz", timeout_s=30, process=first)
    second = start_process(
        "gateway", gateway_env(port, reuse_port=False), log_path=tmp_path / "second.log"
    )
    started.append(second)
    assert second.wait(timeout=30) != 0
    assert "address already in use" in (tmp_path / "second.log").read_text().lower()
