"""Apply, roll back and report yoyo migrations of one service's database (psycopg 3)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from yoyo import get_backend, read_migrations
from yoyo.backends import DatabaseBackend

from nestegg_common.settings import with_database

MIGRATION_TABLE = "_yoyo_migration"


@dataclass(frozen=True)
class MigrationStatus:
    """Which migrations of a service are applied and which are pending."""

    applied: list[str]
    pending: list[str]


def _yoyo_url(dsn: str) -> str:
    # yoyo picks its driver from the scheme; psycopg 3 answers to `postgresql+psycopg`.
    scheme, _, rest = dsn.partition("://")
    return f"postgresql+psycopg://{rest}" if scheme in ("postgresql", "postgres") else dsn


def ensure_database(dsn: str) -> bool:
    """Create the database named in `dsn` when it is missing; return whether it was created."""
    database = psycopg.conninfo.conninfo_to_dict(dsn).get("dbname")
    if not database:
        raise ValueError("the database URL names no database")
    maintenance = with_database(dsn, "postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if exists:
            return False
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(database))))
        except psycopg.errors.DuplicateDatabase:
            return False  # another process created it between our check and our CREATE
        return True


@contextmanager
def _backend(dsn: str) -> Iterator[DatabaseBackend]:
    backend = get_backend(_yoyo_url(dsn), migration_table=MIGRATION_TABLE)
    try:
        yield backend
    finally:
        backend.connection.close()  # yoyo leaves its connection to the garbage collector


def apply_migrations(dsn: str, migrations_dir: Path, steps: int | None = None) -> list[str]:
    """Create the database if needed and apply the oldest `steps` pending ones (all when None)."""
    ensure_database(dsn)
    migrations = read_migrations(str(migrations_dir))
    with _backend(dsn) as backend, backend.lock():
        pending = backend.to_apply(migrations)
        if steps is not None:
            pending = pending[:steps]
        backend.apply_migrations(pending)
    return [m.id for m in pending]


def rollback_migrations(dsn: str, migrations_dir: Path, steps: int | None = None) -> list[str]:
    """Roll back the newest `steps` applied migrations (all when None); return their ids."""
    migrations = read_migrations(str(migrations_dir))
    with _backend(dsn) as backend, backend.lock():
        to_rollback = backend.to_rollback(migrations)
        if steps is not None:
            to_rollback = to_rollback[:steps]
        backend.rollback_migrations(to_rollback)
    return [m.id for m in to_rollback]


def migration_status(dsn: str, migrations_dir: Path) -> MigrationStatus:
    """Report which migrations are applied and which are pending."""
    migrations = read_migrations(str(migrations_dir))
    with _backend(dsn) as backend:
        pending = {m.id for m in backend.to_apply(migrations)}
    return MigrationStatus(
        applied=[m.id for m in migrations if m.id not in pending],
        pending=[m.id for m in migrations if m.id in pending],
    )


def break_stale_lock(dsn: str) -> None:
    """Remove the lock left by a migration process that was killed half-way."""
    with _backend(dsn) as backend:
        backend.break_lock()


def main(argv: list[str] | None = None) -> int:
    """Run `apply`, `rollback`, `status` or `break-lock` for one database from the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["apply", "rollback", "status", "break-lock"])
    parser.add_argument("--dsn", required=True, help="URL of the service's own database")
    parser.add_argument("--dir", required=True, type=Path, help="the service's migrations folder")
    parser.add_argument("--steps", type=int, default=None, help="rollback: how many (default all)")
    args = parser.parse_args(argv)
    label = args.dir.parent.name
    if args.command == "apply":
        applied = apply_migrations(args.dsn, args.dir)
        print(f"{label}: applied {len(applied)} migration(s) {applied}")
    elif args.command == "rollback":
        rolled = rollback_migrations(args.dsn, args.dir, args.steps)
        print(f"{label}: rolled back {len(rolled)} migration(s) {rolled}")
    elif args.command == "status":
        status = migration_status(args.dsn, args.dir)
        print(f"{label}: {len(status.applied)} applied, {len(status.pending)} pending")
        for mid in status.applied:
            print(f"  applied  {mid}")
        for mid in status.pending:
            print(f"  pending  {mid}")
    else:
        break_stale_lock(args.dsn)
        print(f"{label}: lock released")
    return 0


if __name__ == "__main__":
    sys.exit(main())
