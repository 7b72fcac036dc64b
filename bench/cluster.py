"""Start a scratch PostgreSQL and the four Nestegg processes on free ports, for the benchmark."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nestegg_common.migrations import apply_migrations
from nestegg_common.pgserver import EmbeddedServer, start_embedded
from nestegg_common.settings import with_database
from nestegg_common.testing.services import (
    TestSecrets,
    free_port,
    start_process,
    stop_process,
    wait_until_healthy,
)

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("accounts", "ledger", "projections")
PROCESSES = (*SERVICES, "gateway")
PACKAGE_DIRS = (
    "libs/common",
    "services/accounts",
    "services/ledger",
    "services/projections",
    "gateway",
)


@dataclass
class ScratchPostgres:
    """An embedded PostgreSQL in a temporary folder, removed on stop."""

    server: EmbeddedServer
    url: str
    folder: tempfile.TemporaryDirectory[str]

    @classmethod
    def start(cls) -> ScratchPostgres:
        """Start an empty server."""
        folder = tempfile.TemporaryDirectory(prefix="nestegg-bench-pg-")
        server = start_embedded(Path(folder.name) / "pgdata", cleanup_mode="delete")
        return cls(server, server.get_uri("postgres"), folder)

    def dsn(self, database: str) -> str:
        """Return the URL of one database on the server."""
        return with_database(self.url, database)

    def stop(self) -> None:
        """Stop the server and delete its data."""
        self.server.cleanup()
        self.folder.cleanup()


@dataclass
class Cluster:
    """The four processes, their ports and environment; restartable with other settings."""

    pg: ScratchPostgres
    logs_dir: Path
    secrets: TestSecrets = field(default_factory=TestSecrets)
    ports: dict[str, int] = field(default_factory=lambda: {n: free_port() for n in PROCESSES})
    databases: dict[str, str] = field(default_factory=lambda: {n: f"bench_{n}" for n in SERVICES})
    processes: dict[str, list[subprocess.Popen[bytes]]] = field(default_factory=dict)
    generation: int = 0

    def migrate(self) -> None:
        """Create and migrate each service's database."""
        for name, database in self.databases.items():
            apply_migrations(self.pg.dsn(database), ROOT / "services" / name / "migrations")

    def url(self, name: str) -> str:
        """Return the base URL of a process."""
        return f"http://127.0.0.1:{self.ports[name]}"

    def base_env(self) -> dict[str, str]:
        """Return the environment every process gets, before a variant's additions."""
        return {
            **self.secrets.env(),
            "NESTEGG_DATABASE_URL": self.pg.url,
            "NESTEGG_LOG_LEVEL": "WARNING",
            "NESTEGG_ACCESS_TOKEN_TTL_S": "3600",
            # One user sends the whole load; cached runs pass the per-user compute limits too.
            "NESTEGG_RUNS_PER_MINUTE_PER_USER": "1000000",
            "NESTEGG_RUNS_IN_FLIGHT_PER_USER": "1000",
            # ... and the gateway's per-user request limit (counted, never reached).
            "NESTEGG_USER_REQUESTS_PER_S": "1000000",
            "NESTEGG_USER_REQUEST_BURST": "100000",
            # The POST load adds thousands of assets to that user (deleted after each point).
            "NESTEGG_MAX_RECORDS_PER_COLLECTION": "100000",
            **{f"NESTEGG_{n.upper()}_PORT": str(p) for n, p in self.ports.items()},
            **{f"NESTEGG_{n.upper()}_DATABASE": d for n, d in self.databases.items()},
            # The gateway too: accounts pushes user.deleted to it (never to the default port).
            **{f"NESTEGG_{n.upper()}_URL": self.url(n) for n in PROCESSES},
        }

    def start(
        self, extra_env: Mapping[str, str] | None = None, copies: Mapping[str, int] | None = None
    ) -> None:
        """Start the processes with `extra_env` on top and wait until all are ready.

        `copies` runs several copies of a process on its port (NESTEGG_REUSE_PORT): workers.
        """
        self.generation += 1
        env = {**self.base_env(), **(extra_env or {})}
        for name in PROCESSES:
            count = (copies or {}).get(name, 1)
            own_env = {**env, "NESTEGG_REUSE_PORT": "1"} if count > 1 else env
            self.processes[name] = [
                start_process(
                    name, own_env, log_path=self.logs_dir / f"{name}.{self.generation}.{n}.log"
                )
                for n in range(count)
            ]
        for name, copies_of_name in self.processes.items():
            for process in copies_of_name:
                # 180 s: on a loaded machine, projections' workers may compile the us kernel.
                wait_until_healthy(f"{self.url(name)}/readyz", timeout_s=180, process=process)

    def stop(self) -> None:
        """Stop every process."""
        for copies_of_name in self.processes.values():
            for process in copies_of_name:
                stop_process(process)
        self.processes.clear()

    def restart(self, extra_env: Mapping[str, str] | None = None) -> None:
        """Stop everything and start again (same ports, same databases) with other settings."""
        self.stop()
        self.start(extra_env)

    def pid(self, name: str) -> int:
        """Return the process id of a process (its first copy)."""
        return self.processes[name][0].pid


@dataclass
class CodeAt:
    """The code of another git revision, checked out beside the repository (a worktree).

    Its processes import it first (PYTHONPATH), so one run compares two revisions on the
    same machine at the same moment.
    """

    rev: str
    folder: tempfile.TemporaryDirectory[str] = field(
        default_factory=lambda: tempfile.TemporaryDirectory(prefix="nestegg-bench-rev-")
    )

    def __post_init__(self) -> None:
        subprocess.run(
            ["git", "worktree", "add", "--detach", self.path, self.rev],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        # numba keys its cache by each source file's path and time, so a fresh checkout compiles
        # the us kernel again — in every projections worker at once, which on a loaded machine
        # outlasts the worker pool's start-up wait. Compile it once here (a revision without the
        # compiled kernel just fails this import, harmlessly).
        subprocess.run(
            [sys.executable, "-c", "import projections.engine.warm"],
            env={**os.environ, **self.env()},
            cwd=self.path,
            check=False,
            capture_output=True,
        )

    @property
    def path(self) -> str:
        """Return the worktree's folder."""
        return str(Path(self.folder.name) / "tree")

    def env(self) -> dict[str, str]:
        """Return the environment that makes a process run this revision's packages."""
        return {"PYTHONPATH": os.pathsep.join(str(Path(self.path) / p) for p in PACKAGE_DIRS)}

    def remove(self) -> None:
        """Delete the worktree."""
        subprocess.run(
            ["git", "worktree", "remove", "--force", self.path], cwd=ROOT, capture_output=True
        )
        self.folder.cleanup()
