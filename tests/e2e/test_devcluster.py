"""`make run` for real (infra/devcluster.py run) on free ports and fresh databases.

What a new user sees (the two URLs it prints answer, no warnings), a crashed process coming back
on its own, and a SIGTERM that stops everything with status 0.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from nestegg_common.testing.postgres import drop_database, unique_database_name
from nestegg_common.testing.services import TestSecrets, free_port, wait_until_healthy

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("accounts", "ledger", "projections")
STARTED = re.compile(r"\| (\w+) started \(pid (\d+)\)$")


@dataclass
class Output:
    """The lines a running devcluster has printed so far, read by a thread."""

    lines: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def follow(self, stream: Iterator[bytes]) -> None:
        for raw in stream:
            with self.changed:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self.changed.notify_all()

    def wait_for(self, pattern: str, *, after: int = 0, timeout_s: float = 60.0) -> re.Match[str]:
        """Return the first match of `pattern` in a line numbered `after` or later."""
        deadline = time.monotonic() + timeout_s
        with self.changed:
            while True:
                for line in self.lines[after:]:
                    if found := re.search(pattern, line):
                        return found
                left = deadline - time.monotonic()
                if left <= 0:
                    tail = "\n".join(self.lines[-30:])
                    raise TimeoutError(f"no line matching {pattern!r}; last lines:\n{tail}")
                self.changed.wait(left)

    def pids(self) -> dict[str, int]:
        """The latest pid of each process."""
        return {m[1]: int(m[2]) for line in self.lines if (m := STARTED.search(line))}


@dataclass
class DevCluster:
    process: subprocess.Popen[bytes]
    output: Output
    ports: dict[str, int]


@pytest.fixture
def devcluster(pg_server_url: str) -> Iterator[DevCluster]:
    ports = {name: free_port() for name in (*SERVICES, "gateway")}
    databases = {name: unique_database_name(f"devcluster_{name}") for name in SERVICES}
    env = {
        **os.environ,
        **TestSecrets().env(),  # given, so nothing is written to .nestegg/
        "NESTEGG_DATABASE_URL": pg_server_url,  # given, so .nestegg/pgdata is not used
        "NESTEGG_HISTORICAL_DATA": "",
        **{f"NESTEGG_{n.upper()}_PORT": str(p) for n, p in ports.items()},
        **{f"NESTEGG_{n.upper()}_DATABASE": d for n, d in databases.items()},
        **{f"NESTEGG_{n.upper()}_URL": f"http://127.0.0.1:{ports[n]}" for n in SERVICES},
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "infra" / "devcluster.py"), "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = Output()
    assert process.stdout is not None
    threading.Thread(target=output.follow, args=(process.stdout,), daemon=True).start()
    try:
        yield DevCluster(process, output, ports)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        for database in databases.values():
            drop_database(pg_server_url, database)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_run_prints_urls_that_answer_restarts_a_crash_and_stops_with_0(
    devcluster: DevCluster,
) -> None:
    output, gateway = devcluster.output, devcluster.ports["gateway"]
    console = output.wait_for(r"^\s+console:\s+(\S+)$")[1]
    docs = output.wait_for(r"^\s+API docs:\s+(\S+)$")[1]
    assert console == f"http://127.0.0.1:{gateway}/"
    with httpx.Client(timeout=5.0) as http:
        page = http.get(console)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert http.get(docs).status_code == 200

    # kill -9 one process: it comes back on its own, the other three never stop.
    before = output.pids()
    assert set(before) == {*SERVICES, "gateway"}
    mark = len(output.lines)
    os.kill(before["projections"], signal.SIGKILL)
    output.wait_for(r"projections was killed by SIGKILL; restarting in 0\.5 s", after=mark)
    output.wait_for(r"\| projections started", after=mark, timeout_s=10)
    wait_until_healthy(f"http://127.0.0.1:{devcluster.ports['projections']}/healthz")
    after = output.pids()
    assert after["projections"] != before["projections"]
    assert {n: after[n] for n in after if n != "projections"} == {
        n: before[n] for n in before if n != "projections"
    }

    # SIGTERM (what make passes on at Ctrl-C) stops everything, and that is a success.
    devcluster.process.send_signal(signal.SIGTERM)
    assert devcluster.process.wait(20) == 0
    assert not [name for name, pid in after.items() if pid_alive(pid)]
    printed = "\n".join(output.lines)
    assert "XDG_RUNTIME_DIR" not in printed and "Traceback" not in printed
    assert not re.search(r"http://\S+/api/v1/?\s", printed)  # the old banner's URL, a 404
