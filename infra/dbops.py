"""Database operations from the command line: what the targets of infra/make/database.mk call.

`check`, `audit` and `docs` work on scratch databases: on NESTEGG_DATABASE_URL when set, else on an
embedded server started in a temporary folder. `backup`, `restore`… work on the local cluster's
server (devcluster.server_url()).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
from databasedoc import FRAME
from dbservices import BY_NAME, DATABASES
from devcluster import ROOT, SERVICES, migrations_dir, server_url, service_dsn

from nestegg_common.dbops import audit, backup, restore, schemacheck, schemadoc, seed
from nestegg_common.dbops.scratch import database_exists, scratch_database, scratch_server
from nestegg_common.migrations import apply_migrations

LOCK_FILE = ROOT / "infra" / "migrations.sha256"


def _services(service: str | None) -> tuple[str, ...]:
    return (service,) if service else SERVICES


def check(service: str | None) -> int:
    """Fail on a schema drift in a migration round trip or on an edited landed migration."""
    failures = 0
    problems = schemacheck.lock_problems(ROOT, [migrations_dir(s) for s in SERVICES], LOCK_FILE)
    for problem in problems:
        print(f"db-check: {problem}")
    failures += len(problems)
    with scratch_server() as server:
        for name in _services(service):
            with scratch_database(server, f"check_{name}") as dsn:
                drifts = schemacheck.check_round_trip(dsn, migrations_dir(name))
            for drift in drifts:
                print(f"db-check: {name}: {drift}")
            failures += len(drifts)
            if not drifts:
                print(f"db-check: {name}: apply → roll back step by step → apply: same schema")
    print("db-check: FAILED" if failures else "db-check: OK")
    return 1 if failures else 0


def lock(force: bool) -> int:
    """Record new migration files in infra/migrations.sha256."""
    dirs = [migrations_dir(s) for s in SERVICES]
    added, refused = schemacheck.write_lock(ROOT, dirs, LOCK_FILE, force=force)
    for name in refused:
        print(f"migrations-lock: refused, landed migration was edited: {name}")
    if refused:
        print("migrations-lock: fix forward with a new migration (FORCE=1 only if it never ran)")
        return 1
    for name in added:
        print(f"migrations-lock: recorded {name}")
    print(f"migrations-lock: {LOCK_FILE.relative_to(ROOT)} is up to date")
    return 0


def run_audit(server: str, scale: seed.Scale, service: str | None) -> list[audit.Verdict]:
    """Migrate and seed a scratch database per service, then EXPLAIN its whole catalog."""
    verdicts: list[audit.Verdict] = []
    for database in (BY_NAME[service],) if service else DATABASES:
        name = database.name
        with scratch_database(server, f"audit_{name}") as dsn:
            apply_migrations(dsn, database.migrations)
            started = time.monotonic()
            database.seed(dsn, scale)
            print(f"db-audit: {name}: seeded in {time.monotonic() - started:.1f} s", flush=True)
            verdicts.extend(audit.audit_database(dsn, name, database.catalog))
    return verdicts


def audit_command(scale: seed.Scale, service: str | None) -> int:
    """Seed, EXPLAIN every catalog query, print the table; fail below 100% coverage."""
    with scratch_server() as server:
        verdicts = run_audit(server, scale, service)
    print(audit.report(verdicts))
    return 0 if all(v.ok for v in verdicts) else 1


def docs_command(output: Path, *, check_only: bool) -> int:
    """Generate docs/DATABASE.md from the migrations (or, with --check, compare with it)."""
    with scratch_server() as server:
        generated = schemadoc.generate(
            DATABASES, FRAME, lambda label: scratch_database(server, label)
        )
    committed = output.read_text() if output.exists() else ""
    shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    if check_only:
        if committed == generated:
            print(f"docs-db: {shown} is up to date")
            return 0
        print("\n".join(schemadoc.iter_differences(committed, generated)))
        print(f"docs-db: {shown} is out of date: run `make docs-db`")
        return 1
    output.write_text(generated)
    state = "unchanged" if committed == generated else "written"
    print(f"docs-db: {shown} {state} ({len(generated.splitlines())} lines)")
    return 0


def backup_command(args: argparse.Namespace) -> int:
    """Back up every service database, then apply retention."""
    server = server_url()
    databases = {}
    for name in SERVICES:
        dsn = service_dsn(server, name)
        dbname = str(psycopg.conninfo.conninfo_to_dict(dsn)["dbname"])
        if not database_exists(server, dbname):
            print(f"backup: database {dbname} does not exist (run `make migrate` first)")
            return 1
        databases[dbname] = dsn
    folder = backup.create_backup(databases, args.dir, jobs=args.jobs)
    manifest = backup.read_manifest(folder)
    print(f"backup: {folder} complete in {manifest['duration_s']} s")
    for removed in backup.apply_retention(args.dir, daily=args.keep_daily, weekly=args.keep_weekly):
        print(f"backup: retention removed {removed.name}")
    return 0


def restore_command(args: argparse.Namespace) -> int:
    """Restore (or with --verify-only, verify) a backup folder."""
    started = time.monotonic()
    try:
        if args.verify_only:
            report = restore.verify_backup(args.backup, server_url(), jobs=args.jobs)
        else:
            report = restore.restore_backup(
                args.backup, server_url(), suffix=args.suffix, force=args.force, jobs=args.jobs
            )
    except backup.BackupError as err:
        print(f"restore: FAILED: {err}")
        return 1
    what = "verified" if args.verify_only else "restored"
    total = sum(report.rows.values())
    print(f"restore: {what} {total} rows in {time.monotonic() - started:.1f} s: OK")
    return 0


def backup_check_command(args: argparse.Namespace) -> int:
    """Fail when the newest verified backup is older than the allowed maximum."""
    age = backup.newest_verified_age(args.dir)
    limit = timedelta(hours=args.max_age_h)
    seconds = -1 if age is None else int(age.total_seconds())
    print(f"backup_age_seconds {seconds}")  # Prometheus text format, for a textfile collector
    if age is None:
        print(f"backup-check: FAILED: no verified backup in {args.dir}")
        return 1
    if age > limit:
        print(f"backup-check: FAILED: newest verified backup is {age} old (max {limit})")
        return 1
    print(f"backup-check: OK: newest verified backup is {age} old (max {limit})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="migration round trip and checksum lock")
    p.add_argument("service", nargs="?", choices=SERVICES)
    p = sub.add_parser("lock", help="record new migration files in the checksum list")
    p.add_argument("--force", action="store_true", help="also re-record edited files")
    p = sub.add_parser("audit", help="EXPLAIN every catalog query over a seeded database")
    p.add_argument("service", nargs="?", choices=SERVICES)
    p.add_argument("--users", type=int, default=seed.Scale.users)
    p.add_argument("--ledger-rows", type=int, default=seed.Scale.ledger_rows_per_user)
    p = sub.add_parser("docs", help="generate docs/DATABASE.md from the live schema")
    p.add_argument("--output", type=Path, default=ROOT / schemadoc.OUTPUT)
    p.add_argument("--check", action="store_true", help="fail when the file is out of date")
    backups_dir = ROOT / "backups"
    p = sub.add_parser("backup", help="pg_dump every service database with a manifest")
    p.add_argument("--dir", type=Path, default=backups_dir)
    p.add_argument("--jobs", type=int, default=4)
    p.add_argument("--keep-daily", type=int, default=7)
    p.add_argument("--keep-weekly", type=int, default=4)
    p = sub.add_parser("restore", help="restore a backup, verified against its manifest")
    p.add_argument("backup", type=Path)
    p.add_argument("--suffix", default="")
    p.add_argument("--force", action="store_true")
    p.add_argument("--jobs", type=int, default=4)
    p.add_argument("--verify-only", action="store_true")
    p = sub.add_parser("backup-check", help="fail when the newest verified backup is too old")
    p.add_argument("--dir", type=Path, default=backups_dir)
    p.add_argument("--max-age-h", type=float, default=26.0)
    args = parser.parse_args(argv)
    if args.command == "backup":
        return backup_command(args)
    if args.command == "restore":
        return restore_command(args)
    if args.command == "backup-check":
        return backup_check_command(args)
    if args.command == "audit":
        scale = seed.Scale(users=args.users, ledger_rows_per_user=args.ledger_rows)
        return audit_command(scale, args.service)
    if args.command == "check":
        return check(args.service)
    if args.command == "docs":
        return docs_command(args.output.resolve(), check_only=args.check)
    if args.command == "lock":
        return lock(args.force)
    parser.error(f"unknown command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
