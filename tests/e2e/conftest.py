"""Start every Nestegg process as a real subprocess on free ports, against fresh databases."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest

from nestegg_common.migrations import apply_migrations
from nestegg_common.settings import with_database
from nestegg_common.testing.postgres import drop_database, unique_database_name
from nestegg_common.testing.services import (
    TestSecrets,
    free_port,
    start_process,
    stop_process,
    wait_until_healthy,
)

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("accounts", "ledger", "projections")


@dataclass
class Cluster:
    """The running processes and how to reach them."""

    gateway_url: str
    service_urls: dict[str, str]
    secrets: TestSecrets
    env: dict[str, str]
    logs_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def spans_file(self) -> Path:
        """Where every process writes its finished spans, one JSON object per line."""
        return self.logs_dir / "spans.jsonl"

    def api(self, path: str) -> str:
        return f"{self.gateway_url}/api/v1{path}"

    def stop(self, name: str) -> None:
        """Stop one process (SIGTERM), as an outage would."""
        stop_process(self.processes[name])

    def start(self, name: str) -> None:
        """Start a stopped process again on its port and wait until it is ready."""
        log = self.logs_dir / f"{name}.restarted.log"
        self.processes[name] = start_process(name, self.env, log_path=log)
        url = self.service_urls.get(name, self.gateway_url)
        wait_until_healthy(f"{url}/readyz", process=self.processes[name])


@contextmanager
def cluster_on(
    server_url: str, logs_dir: Path, *, label: str = "e2e", **extra_env: str
) -> Iterator[Cluster]:
    """Start the four processes against fresh databases on `server_url`; stop and drop after."""
    secrets = TestSecrets()
    ports = {name: free_port() for name in (*SERVICES, "gateway")}
    databases = {name: unique_database_name(f"{label}_{name}") for name in SERVICES}
    for name, database in databases.items():
        apply_migrations(
            with_database(server_url, database), ROOT / "services" / name / "migrations"
        )
    env = {
        **secrets.env(),
        "NESTEGG_DATABASE_URL": server_url,
        "NESTEGG_LOG_LEVEL": "INFO",
        "NESTEGG_UPSTREAM_TIMEOUT_S": "5",
        # Outages in these tests last seconds: retry deliveries at least every 2 s.
        "NESTEGG_OUTBOX_BACKOFF_MAX_S": "2",
        # Empty means the series shipped in the engine, whatever the developer's shell says.
        "NESTEGG_HISTORICAL_DATA": "",
        # Every test registers its users from 127.0.0.1; tests/e2e/test_login_throttles.py
        # checks the registration throttle (20 a minute) on its own cluster.
        "NESTEGG_REGISTRATIONS_PER_ADDRESS_PER_MINUTE": "100000",
        "NESTEGG_REGISTRATIONS_PER_ADDRESS_PER_DAY": "100000",
        # One user drives whole tests (schemathesis sends hundreds of requests a second): the
        # gateway's per-user request limit is off here (gateway/tests/test_user_limits.py).
        "NESTEGG_USER_REQUESTS_PER_S": "0",
        **{f"NESTEGG_{n.upper()}_PORT": str(p) for n, p in ports.items()},
        **{f"NESTEGG_{n.upper()}_DATABASE": d for n, d in databases.items()},
        **{
            f"NESTEGG_{n.upper()}_URL": f"http://127.0.0.1:{ports[n]}"
            for n in (*SERVICES, "gateway")
        },
        **extra_env,
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name in (*SERVICES, "gateway"):
            processes[name] = start_process(name, env, log_path=logs_dir / f"{name}.log")
        for name, process in processes.items():
            wait_until_healthy(f"http://127.0.0.1:{ports[name]}/readyz", process=process)
        yield Cluster(
            gateway_url=f"http://127.0.0.1:{ports['gateway']}",
            service_urls={n: f"http://127.0.0.1:{ports[n]}" for n in SERVICES},
            secrets=secrets,
            env=env,
            logs_dir=logs_dir,
            processes=processes,
        )
    finally:
        for process in processes.values():
            stop_process(process)
        for database in databases.values():
            # A test that took the server away may leave it down; its folder goes anyway.
            with contextlib.suppress(psycopg.OperationalError):
                drop_database(server_url, database)


@pytest.fixture(scope="session")
def cluster(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    logs_dir = tmp_path_factory.mktemp("e2e-logs")
    spans = str(logs_dir / "spans.jsonl")
    with cluster_on(
        pg_server_url, logs_dir, NESTEGG_OTEL_EXPORTER="file", NESTEGG_OTEL_FILE=spans
    ) as running:
        yield running


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=15.0) as client:
        yield client
