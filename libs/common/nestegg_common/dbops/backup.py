"""Back up service databases: `pg_dump -Fd -j` in one snapshot, with a manifest to verify by.

Per database, a REPEATABLE READ transaction exports its snapshot (`pg_export_snapshot()`),
records the schema version (applied migration ids) and, per table, the row count and an md5 of
every row in primary-key order; `pg_dump --snapshot` then dumps exactly that state. The
manifest also lists the sha256 of every dump file and how long each step took. A restore is
checked against all of it (nestegg_common.dbops.restore).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from nestegg_common.dbops.scratch import pg_tool

MANIFEST = "manifest.json"
VERIFIED = "verified.json"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
# A backup holds every user's data: readable by its owner only, whatever the process's umask.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_PRIVATE_UMASK = 0o077
# Row text depends on these session settings; backup and verification use the same ones.
_STABLE_OUTPUT = (
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 3",
    "SET bytea_output = 'hex'",
)


class BackupError(Exception):
    """A backup could not be made or does not match its manifest."""


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable and writable by its owner only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "w") as f:
        os.fchmod(f.fileno(), PRIVATE_FILE_MODE)  # the mode above applies only to a new file
        f.write(text)


def make_private_dir(path: Path) -> None:
    """Create `path` (and missing parents) if needed; `path` itself ends up 0700."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR_MODE)


def _tables(conn: psycopg.Connection[Any]) -> dict[str, list[str]]:
    """Return every table of the public schema with its primary-key columns (may be empty)."""
    rows = conn.execute(
        """
        SELECT c.relname,
               coalesce(array_agg(a.attname ORDER BY k.ord)
                        FILTER (WHERE a.attname IS NOT NULL), '{}')
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
        LEFT JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k (attnum, ord) ON true
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE c.relkind IN ('r', 'p')
        GROUP BY c.relname
        ORDER BY c.relname
        """
    ).fetchall()
    return {name: list(keys) for name, keys in rows}


def table_facts(conn: psycopg.Connection[Any]) -> dict[str, dict[str, Any]]:
    """Return each table's row count and md5 of its rows in primary-key order."""
    for statement in _STABLE_OUTPUT:
        conn.execute(statement)
    facts = {}
    for table, keys in _tables(conn).items():
        order = sql.SQL(", ").join(sql.Identifier(k) for k in keys) if keys else sql.SQL("t::text")
        query = sql.SQL(
            "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {}), '')) "
            "FROM {} AS t"
        ).format(order, sql.Identifier(table))
        row = conn.execute(query).fetchone()
        assert row is not None
        facts[table] = {"rows": int(row[0]), "checksum": str(row[1])}
    return facts


def schema_version(conn: psycopg.Connection[Any]) -> list[str]:
    """Return the applied migration ids, oldest first (empty when yoyo never ran)."""
    exists = conn.execute("SELECT to_regclass('public._yoyo_migration')").fetchone()
    if not exists or exists[0] is None:
        return []
    rows = conn.execute(
        "SELECT migration_id FROM _yoyo_migration ORDER BY applied_at_utc, migration_id"
    ).fetchall()
    return [r[0] for r in rows]


def file_hashes(folder: Path) -> dict[str, str]:
    """Return the sha256 of every file under `folder`, by relative path."""
    hashes = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        hashes[path.relative_to(folder).as_posix()] = digest.hexdigest()
    return hashes


def dump_database(dsn: str, target: Path, *, jobs: int) -> dict[str, Any]:
    """Dump a database in directory format from an exported snapshot; return its manifest."""
    started = time.monotonic()
    with psycopg.connect(dsn) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        snapshot = str(row[0])
        version = schema_version(conn)
        facts = table_facts(conn)
        facts_s = time.monotonic() - started
        # The snapshot lives as long as this transaction: pg_dump must finish inside it.
        dumped = subprocess.run(
            [
                *(pg_tool("pg_dump"), "-Fd", "-j", str(jobs), f"--snapshot={snapshot}"),
                *("--no-owner", "--no-privileges", "-f", str(target), dsn),
            ],
            capture_output=True,
            text=True,
            check=False,
            umask=_PRIVATE_UMASK,  # its files 0600 and folders 0700 (it honours the umask)
        )
        conn.rollback()
    if dumped.returncode != 0:
        raise BackupError(f"pg_dump of {target.name} failed: {dumped.stderr.strip()}")
    files = file_hashes(target)
    return {
        "dump_dir": target.name,
        "schema_version": version,
        "tables": facts,
        "files": files,
        "bytes": sum((target / f).stat().st_size for f in files),
        "snapshot": snapshot,
        "checksum_s": round(facts_s, 3),
        "duration_s": round(time.monotonic() - started, 3),
    }


def create_backup(
    databases: Mapping[str, str], root: Path, *, jobs: int = 4, now: datetime | None = None
) -> Path:
    """Back up each database (name → URL) into `root/<UTC timestamp>/`; return that folder.

    The folder and everything in it are its owner's only (folders 0700, files 0600).
    """
    created = now or datetime.now(UTC)
    folder = root / created.strftime(TIMESTAMP_FORMAT)
    partial = folder.with_name(folder.name + ".partial")
    if not root.exists():
        make_private_dir(root)  # an operator's existing folder keeps the mode they gave it
    partial.mkdir(mode=PRIVATE_DIR_MODE)
    partial.chmod(PRIVATE_DIR_MODE)
    started = time.monotonic()
    manifest: dict[str, Any] = {"format": 1, "created_at": created.isoformat(), "databases": {}}
    try:
        for name, dsn in databases.items():
            print(f"backup: {name} …", flush=True)
            entry = dump_database(dsn, partial / name, jobs=jobs)
            manifest["databases"][name] = entry
            rows = sum(t["rows"] for t in entry["tables"].values())
            print(f"backup: {name}: {rows} rows, {entry['bytes']} bytes, {entry['duration_s']} s")
        manifest["duration_s"] = round(time.monotonic() - started, 3)
        write_private(partial / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(folder)  # only complete backups carry a timestamp name
    return folder


def read_manifest(folder: Path) -> dict[str, Any]:
    """Return a backup's manifest; BackupError when it is missing or unreadable."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError as err:
        raise BackupError(f"{folder}: no {MANIFEST}; not a complete backup") from err
    except json.JSONDecodeError as err:
        raise BackupError(f"{folder}/{MANIFEST} is not valid JSON: {err}") from err
    if manifest.get("format") != 1 or not isinstance(manifest.get("databases"), dict):
        raise BackupError(f"{folder}/{MANIFEST} is not a backup manifest of format 1")
    return manifest


def backups(root: Path) -> list[tuple[datetime, Path]]:
    """Return the complete backups under `root`, newest first."""
    found = []
    for path in root.iterdir() if root.exists() else ():
        try:
            taken = datetime.strptime(path.name, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            continue  # .partial folders and anything else
        if (path / MANIFEST).exists():
            found.append((taken, path))
    return sorted(found, reverse=True)


def to_keep(taken: list[datetime], *, daily: int, weekly: int) -> set[datetime]:
    """Return the backups retention keeps.

    That is the newest of each of the newest `daily` days, the newest of each of the newest
    `weekly` ISO weeks, and always the newest backup.
    """
    newest_first = sorted(taken, reverse=True)
    keep: set[datetime] = set(newest_first[:1])
    days: dict[Any, datetime] = {}
    weeks: dict[Any, datetime] = {}
    for t in newest_first:
        days.setdefault(t.date(), t)
        weeks.setdefault(t.isocalendar()[:2], t)
    keep.update(list(days.values())[:daily])
    keep.update(list(weeks.values())[:weekly])
    return keep


def apply_retention(root: Path, *, daily: int, weekly: int) -> list[Path]:
    """Delete the backups retention does not keep; return them."""
    found = backups(root)
    keep = to_keep([t for t, _ in found], daily=daily, weekly=weekly)
    removed = [path for t, path in found if t not in keep]
    for path in removed:
        shutil.rmtree(path)
    return removed


def newest_verified_age(root: Path, now: datetime | None = None) -> timedelta | None:
    """Return the age of the newest backup that `backup-verify` passed, None when none did."""
    for taken, path in backups(root):
        if (path / VERIFIED).exists():
            return (now or datetime.now(UTC)) - taken
    return None
