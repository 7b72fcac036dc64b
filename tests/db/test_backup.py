"""Backups: round trip on a seeded cluster, and damaged backups refused with targets untouched."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from dbservices import DATABASES

from nestegg_common.dbops import backup, restore, seed
from nestegg_common.dbops.scratch import database_exists
from nestegg_common.migrations import apply_migrations
from nestegg_common.testing.postgres import create_database, drop_database, unique_database_name

ROOT = Path(__file__).resolve().parents[2]
SCALE = seed.Scale(users=60, ledger_rows_per_user=20)


def facts(dsn: str) -> dict[str, object]:
    with psycopg.connect(dsn) as conn:
        return {"version": backup.schema_version(conn), "tables": backup.table_facts(conn)}


@pytest.fixture(scope="module")
def cluster(pg_server_url: str) -> Iterator[dict[str, str]]:
    """Three seeded service databases: name → URL."""
    databases = {}
    for database in DATABASES:
        name = unique_database_name(f"bk_{database.name}")
        dsn = create_database(pg_server_url, name)
        apply_migrations(dsn, database.migrations)
        database.seed(dsn, SCALE)
        databases[name] = dsn
    yield databases
    for name in databases:
        drop_database(pg_server_url, name)
        drop_database(pg_server_url, name + "_restored")


@pytest.fixture(scope="module")
def made(cluster: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return backup.create_backup(cluster, tmp_path_factory.mktemp("backups"), jobs=2)


def test_backup_wipe_restore_brings_every_row_back(
    cluster: dict[str, str], made: Path, pg_server_url: str
) -> None:
    before = {name: facts(dsn) for name, dsn in cluster.items()}
    manifest = backup.read_manifest(made)
    ledger = next(e for n, e in manifest["databases"].items() if "ledger" in n)
    assert ledger["tables"]["assets"]["rows"] == 60 * 8
    assert ledger["schema_version"][0] == "0001.ledger"
    assert (made / next(iter(cluster)) / "toc.dat").exists()  # directory format

    with pytest.raises(backup.BackupError, match="refusing to overwrite"):
        restore.restore_backup(made, pg_server_url)
    for name in cluster:  # wipe
        drop_database(pg_server_url, name)
    report = restore.restore_backup(made, pg_server_url, jobs=2)

    assert {name: facts(dsn) for name, dsn in cluster.items()} == before
    assert sum(report.rows.values()) > 60 * 20
    assert not any(database_exists(pg_server_url, f"{n}_restoring") for n in cluster)


def modes(folder: Path) -> dict[str, int]:
    """Return the permission bits of `folder` and of everything under it, by relative path."""
    paths = [folder, *folder.rglob("*")]
    return {p.relative_to(folder).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in paths}


def test_a_backup_is_readable_by_its_owner_only_whatever_the_umask(
    cluster: dict[str, str], made: Path, pg_server_url: str, tmp_path: Path
) -> None:
    restore.verify_backup(made, pg_server_url, jobs=2)
    previous = os.umask(0o002)  # a permissive umask, as on many desktops
    try:
        root = tmp_path / "new" / "backups"
        second = backup.create_backup(cluster, root, jobs=2)
    finally:
        os.umask(previous)
    for folder in (made, second):
        found = modes(folder)
        assert (folder / backup.MANIFEST).exists() and len(found) > 10
        wrong = {
            path: oct(mode)
            for path, mode in found.items()
            if mode != (0o700 if (folder / path).is_dir() else 0o600)
        }
        assert wrong == {}, folder
    assert modes(made)[backup.VERIFIED] == 0o600
    assert stat.S_IMODE(root.stat().st_mode) == 0o700  # the root it created


def test_verify_marks_the_backup_and_backup_check_sees_its_age(
    made: Path, pg_server_url: str
) -> None:
    restore.verify_backup(made, pg_server_url, jobs=2)
    assert (made / backup.VERIFIED).exists()
    age = backup.newest_verified_age(made.parent)
    assert age is not None and age < timedelta(minutes=10)
    assert not any(
        database_exists(pg_server_url, f"{n}_verify")
        for n in backup.read_manifest(made)["databases"]
    )


def damaged_copy(made: Path, tmp_path: Path) -> tuple[Path, dict[str, object]]:
    copy = tmp_path / made.name
    shutil.copytree(made, copy)
    return copy, backup.read_manifest(copy)


@pytest.fixture
def existing_targets(cluster: dict[str, str], pg_server_url: str) -> dict[str, str]:
    """Databases `<name>_restored` holding a marker row, to prove a failed restore spares them."""
    targets = {}
    for name in cluster:
        target = f"{name}_restored"
        drop_database(pg_server_url, target)
        dsn = create_database(pg_server_url, target)
        with psycopg.connect(dsn) as conn:
            conn.execute("CREATE TABLE marker (note text)")
            conn.execute("INSERT INTO marker VALUES ('untouched')")
        targets[name] = dsn
    return targets


def assert_untouched(targets: dict[str, str], pg_server_url: str) -> None:
    for name, dsn in targets.items():
        with psycopg.connect(dsn) as conn:
            assert conn.execute("SELECT note FROM marker").fetchall() == [("untouched",)]
        assert not database_exists(pg_server_url, f"{name}_restored_restoring")


def test_a_corrupted_file_is_detected_and_targets_are_untouched(
    made: Path, tmp_path: Path, pg_server_url: str, existing_targets: dict[str, str]
) -> None:
    copy, manifest = damaged_copy(made, tmp_path)
    name = next(n for n in manifest["databases"] if "ledger" in n)  # type: ignore[attr-defined]
    data = max((copy / name).glob("*.dat.gz"), key=lambda p: p.stat().st_size)
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))
    with pytest.raises(backup.BackupError, match=f"corrupted file {name}/{data.name}"):
        restore.restore_backup(copy, pg_server_url, suffix="_restored", force=True)
    assert_untouched(existing_targets, pg_server_url)


def test_a_missing_file_is_detected_and_targets_are_untouched(
    made: Path, tmp_path: Path, pg_server_url: str, existing_targets: dict[str, str]
) -> None:
    copy, manifest = damaged_copy(made, tmp_path)
    name = next(n for n in manifest["databases"] if "accounts" in n)  # type: ignore[attr-defined]
    (copy / name / "toc.dat").unlink()
    with pytest.raises(backup.BackupError, match=f"missing file {name}/toc.dat"):
        restore.restore_backup(copy, pg_server_url, suffix="_restored", force=True)
    assert_untouched(existing_targets, pg_server_url)


def test_a_manifest_that_does_not_match_the_dump_is_detected_and_targets_are_untouched(
    made: Path, tmp_path: Path, pg_server_url: str, existing_targets: dict[str, str]
) -> None:
    copy, manifest = damaged_copy(made, tmp_path)
    databases = manifest["databases"]
    name = next(n for n in databases if "projections" in n)  # type: ignore[attr-defined]
    databases[name]["tables"]["runs"]["rows"] += 1  # type: ignore[index]
    (copy / backup.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupError, match=rf"{name}\.runs: \d+ rows, manifest says \d+"):
        restore.restore_backup(copy, pg_server_url, suffix="_restored", force=True)
    assert_untouched(existing_targets, pg_server_url)


def test_retention_keeps_the_newest_daily_and_weekly_backups() -> None:
    start = datetime(2026, 1, 1, 3, tzinfo=UTC)
    taken = [start + timedelta(hours=12 * i) for i in range(60)]  # two a day for 30 days
    keep = backup.to_keep(taken, daily=7, weekly=4)
    newest = max(taken)
    assert newest in keep
    days = {t.date() for t in keep if newest - t < timedelta(days=7)}
    assert len(days) == 7
    # The four newest ISO weeks: two fall within the dailies, two more are kept.
    older = sorted(t for t in keep if newest - t >= timedelta(days=7))
    assert older == [datetime(2026, 1, 11, 15, tzinfo=UTC), datetime(2026, 1, 18, 15, tzinfo=UTC)]
    assert all(t.hour == 15 for t in keep)  # the newest of each day
