"""Restore a backup and prove it: files against their sha256, rows against the manifest.

Nothing is touched before every file of the backup checks out. Each database is restored with
`pg_restore -j` into a staging database and compared with the manifest (schema version, row
count and checksum of every table); only when every database passed are the staging databases
renamed to their targets. So a corrupted or missing file, or a manifest that does not match the
dump, fails with a clear message and leaves the targets as they were.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from nestegg_common.dbops.backup import (
    VERIFIED,
    BackupError,
    file_hashes,
    read_manifest,
    schema_version,
    table_facts,
    write_private,
)
from nestegg_common.dbops.scratch import (
    create_database,
    database_exists,
    drop_database,
    pg_tool,
)
from nestegg_common.settings import with_database


@dataclass
class RestoreReport:
    """What a restore did and how long each database took."""

    targets: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


def file_problems(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Return one line per missing, corrupted or unexpected file of the backup."""
    problems = []
    for name, entry in manifest["databases"].items():
        dump = folder / entry["dump_dir"]
        actual = file_hashes(dump) if dump.is_dir() else {}
        for path, digest in entry["files"].items():
            if path not in actual:
                problems.append(f"{name}: missing file {entry['dump_dir']}/{path}")
            elif actual[path] != digest:
                problems.append(f"{name}: corrupted file {entry['dump_dir']}/{path} (sha256)")
        problems.extend(
            f"{name}: unexpected file {entry['dump_dir']}/{path}"
            for path in sorted(set(actual) - set(entry["files"]))
        )
    return problems


def content_problems(dsn: str, name: str, entry: dict[str, Any]) -> list[str]:
    """Compare a restored database with its manifest entry; return the differences."""
    with psycopg.connect(dsn) as conn:
        version = schema_version(conn)
        facts = table_facts(conn)
    problems = []
    if version != entry["schema_version"]:
        problems.append(f"{name}: schema version {version} != manifest {entry['schema_version']}")
    expected = entry["tables"]
    for table in sorted(set(expected) | set(facts)):
        want, got = expected.get(table), facts.get(table)
        if want is None or got is None:
            where = "the manifest" if want is None else "the restored database"
            problems.append(f"{name}: table {table} is missing from {where}")
        elif want["rows"] != got["rows"]:
            problems.append(f"{name}.{table}: {got['rows']} rows, manifest says {want['rows']}")
        elif want["checksum"] != got["checksum"]:
            problems.append(f"{name}.{table}: content checksum differs from the manifest")
    return problems


def _stage(
    server_url: str, folder: Path, name: str, entry: dict[str, Any], staging: str, *, jobs: int
) -> int:
    """Restore one database into `staging` and verify it; return its row count."""
    drop_database(server_url, staging)
    dsn = create_database(server_url, staging)
    restored = subprocess.run(
        [
            pg_tool("pg_restore"),
            "-j",
            str(jobs),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "-d",
            dsn,
            str(folder / entry["dump_dir"]),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if restored.returncode != 0:
        raise BackupError(f"{name}: pg_restore failed: {restored.stderr.strip()[-2000:]}")
    problems = content_problems(dsn, name, entry)
    if problems:
        raise BackupError("restored data does not match the manifest:\n  " + "\n  ".join(problems))
    return sum(int(t["rows"]) for t in entry["tables"].values())


def _rename(server_url: str, source: str, target: str) -> None:
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(source), sql.Identifier(target)
            )
        )


def check_files(folder: Path) -> dict[str, Any]:
    """Read the manifest and check every file; BackupError listing what is wrong."""
    manifest = read_manifest(folder)
    problems = file_problems(folder, manifest)
    if problems:
        raise BackupError(f"backup {folder} is damaged:\n  " + "\n  ".join(problems))
    return manifest


def restore_backup(
    folder: Path,
    server_url: str,
    *,
    suffix: str = "",
    force: bool = False,
    jobs: int = 4,
    keep: bool = True,
) -> RestoreReport:
    """Restore every database of a backup as `<name><suffix>`, verified against the manifest.

    Refuses when a target exists unless `force`. With `keep=False` (backup-verify) the verified
    staging databases are dropped instead of renamed.
    """
    manifest = check_files(folder)
    targets = {name: f"{name}{suffix}" for name in manifest["databases"]}
    if keep and not force:
        existing = [t for t in targets.values() if database_exists(server_url, t)]
        if existing:
            raise BackupError(
                f"refusing to overwrite existing database(s) {', '.join(existing)}: "
                "pass FORCE=1 (force=True) or a TARGET_SUFFIX"
            )
    report = RestoreReport(targets=targets)
    staged: dict[str, str] = {}
    try:
        for name, entry in manifest["databases"].items():
            staging = f"{targets[name]}_restoring"[:63]
            staged[name] = staging
            started = time.monotonic()
            print(f"restore: {name} → {staging} (pg_restore -j {jobs}) …", flush=True)
            report.rows[name] = _stage(server_url, folder, name, entry, staging, jobs=jobs)
            report.seconds[name] = round(time.monotonic() - started, 3)
            print(
                f"restore: {name}: {report.rows[name]} rows verified in {report.seconds[name]} s",
                flush=True,
            )
    except BaseException:
        for staging in staged.values():
            drop_database(server_url, staging)
        raise
    for name, staging in staged.items():
        if not keep:
            drop_database(server_url, staging)
            continue
        drop_database(server_url, targets[name])  # only reached when absent or forced
        _rename(server_url, staging, targets[name])
        print(f"restore: {targets[name]} is in place", flush=True)
    return report


def verify_backup(folder: Path, server_url: str, *, jobs: int = 4) -> RestoreReport:
    """Restore into scratch databases, verify, drop them, and mark the backup verified."""
    report = restore_backup(folder, server_url, suffix="_verify", jobs=jobs, keep=False)
    marker = {
        "verified_at": datetime.now(UTC).isoformat(),
        "seconds": report.seconds,
        "rows": report.rows,
    }
    write_private(folder / VERIFIED, json.dumps(marker, indent=2, sort_keys=True) + "\n")
    return report
