"""`make bench-db`: time backup, restore and verification of a cluster with 1,000,000 ledger rows.

Seeds the three service databases in scratch databases (each service's `dbseed.py`, listed in
infra/dbservices.py, scaled up: 10,000 users × 100 ledger rows by default, with their accounts
and projections), then times
what the operations targets run:

- backup: `make backup` (snapshot, per-table row counts and checksums, `pg_dump -Fd -j`);
- restore: `make restore` (file sha256s, `pg_restore -j` into staging databases, verification
  of every table against the manifest, rename into place);
- verification alone: the file sha256s plus row counts and checksums of the restored databases;
- backup-verify: `make backup-verify` (restore into scratch databases, verify, drop them).

On NESTEGG_DATABASE_URL when set, else on an embedded server in a temporary folder.
Targets (issue 6): backup < 5 min, restore < 10 min; goal < 60 s each.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import psycopg

from nestegg_common.dbops import backup, restore, seed
from nestegg_common.dbops.scratch import drop_database, scratch_database, scratch_server
from nestegg_common.migrations import apply_migrations
from nestegg_common.settings import with_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "infra"))  # the registry of services' database pieces
from dbservices import DATABASES  # noqa: E402

SERVICES = tuple(database.name for database in DATABASES)
LEDGER_TABLES = ("assets", "debts", "incomes", "expenses")
TARGETS_S = {"backup": 300.0, "restore": 600.0}
GOAL_S = 60.0


def _dbname(dsn: str) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(dsn)["dbname"])


def _server_version(dsn: str) -> str:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def _verdict(seconds: float, target: float | None) -> str:
    if target is None:
        return ""
    if seconds < GOAL_S:
        return f"meets target (< {target / 60:.0f} min) and goal (< {GOAL_S:.0f} s)"
    if seconds < target:
        return f"meets target (< {target / 60:.0f} min), over the {GOAL_S:.0f} s goal"
    return f"MISSES target (< {target / 60:.0f} min)"


def run(scale: seed.Scale, jobs: int, workdir: Path) -> int:
    with ExitStack() as stack:
        server = stack.enter_context(scratch_server())
        databases: dict[str, str] = {}
        seeded_s = time.monotonic()
        for database in DATABASES:
            service = database.name
            dsn = stack.enter_context(scratch_database(server, f"bench_{service}"))
            apply_migrations(dsn, database.migrations)
            started = time.monotonic()
            database.seed(dsn, scale)
            print(f"bench-db: seeded {service} in {time.monotonic() - started:.1f} s", flush=True)
            databases[_dbname(dsn)] = dsn
        seeded_s = time.monotonic() - seeded_s

        started = time.monotonic()
        folder = backup.create_backup(databases, workdir, jobs=jobs)
        backup_s = time.monotonic() - started
        manifest = backup.read_manifest(folder)

        restored: list[str] = []
        stack.callback(lambda: [drop_database(server, name) for name in restored])
        started = time.monotonic()
        report = restore.restore_backup(folder, server, suffix="_restored", jobs=jobs)
        restore_s = time.monotonic() - started
        restored.extend(report.targets.values())

        started = time.monotonic()
        restore.check_files(folder)
        files_s = time.monotonic() - started
        problems = []
        for name, entry in manifest["databases"].items():
            target = with_database(server, report.targets[name])
            problems += restore.content_problems(target, name, entry)
        verify_s = time.monotonic() - started
        if problems:
            print("bench-db: verification FAILED:\n  " + "\n  ".join(problems))
            return 1

        started = time.monotonic()
        restore.verify_backup(folder, server, jobs=jobs)
        backup_verify_s = time.monotonic() - started
        version = _server_version(next(iter(databases.values())))

    entries = manifest["databases"]
    rows = {n: sum(t["rows"] for t in e["tables"].values()) for n, e in entries.items()}
    ledger = next(e for n, e in entries.items() if "ledger" in n)
    ledger_rows = sum(ledger["tables"][t]["rows"] for t in LEDGER_TABLES)
    dump_mb = sum(e["bytes"] for e in entries.values()) / 1e6
    checksum_s = sum(e["checksum_s"] for e in entries.values())

    print()
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    )
    print(f"PostgreSQL {version}, jobs = {jobs}")
    split = ", ".join(f"{t} {ledger['tables'][t]['rows']:,}" for t in LEDGER_TABLES)
    print(
        f"seeded: {scale.users:,} users; ledger records {ledger_rows:,} ({split}); "
        f"all rows {sum(rows.values()):,} in {seeded_s:.1f} s"
    )
    for service in SERVICES:
        count = next(c for n, c in rows.items() if f"_{service}_" in n)
        print(f"  {service:<12} {count:>10,} rows")
    print(f"dump: {dump_mb:.1f} MB (directory format, compressed)")
    print()
    print(f"{'operation':<48} {'seconds':>8}  verdict")
    figures = (
        ("backup (make backup)", backup_s, TARGETS_S["backup"]),
        ("  of which row counts + checksums", checksum_s, None),
        ("restore (make restore, verification included)", restore_s, TARGETS_S["restore"]),
        ("verification alone (sha256s + rows + checksums)", verify_s, None),
        ("  of which file sha256s", files_s, None),
        ("backup-verify (make backup-verify)", backup_verify_s, None),
    )
    for label, seconds, target in figures:
        print(f"{label:<48} {seconds:>8.1f}  {_verdict(seconds, target)}".rstrip())
    met = backup_s < TARGETS_S["backup"] and restore_s < TARGETS_S["restore"]
    print("bench-db: targets met" if met else "bench-db: a target was MISSED")
    return 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--rows-per-user", type=int, default=100, help="ledger records per user")
    parser.add_argument("--jobs", type=int, default=4, help="pg_dump / pg_restore -j")
    args = parser.parse_args(argv)
    scale = seed.Scale(users=args.users, ledger_rows_per_user=args.rows_per_user)
    with tempfile.TemporaryDirectory(prefix="nestegg-bench-db-") as workdir:
        return run(scale, args.jobs, Path(workdir))


if __name__ == "__main__":
    sys.exit(main())
