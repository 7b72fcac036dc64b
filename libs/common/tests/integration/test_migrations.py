"""Apply, roll back, report and unlock yoyo migrations on a real PostgreSQL."""

from __future__ import annotations

import gc
import os
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from nestegg_common.migrations import (
    MigrationStatus,
    apply_migrations,
    break_stale_lock,
    ensure_database,
    main,
    migration_status,
    rollback_migrations,
)
from nestegg_common.settings import with_database
from nestegg_common.testing.postgres import create_database, drop_database, unique_database_name

FIRST = "0001.create_things"
SECOND = "0002.add_thing_name"


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / f"{FIRST}.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);\n")
    (folder / f"{FIRST}.rollback.sql").write_text("DROP TABLE things;\n")
    (folder / f"{SECOND}.sql").write_text(
        f"-- depends: {FIRST}\nALTER TABLE things ADD COLUMN name text NOT NULL DEFAULT '';\n"
    )
    (folder / f"{SECOND}.rollback.sql").write_text("ALTER TABLE things DROP COLUMN name;\n")
    return folder


@pytest.fixture
def fresh_dsn(pg_server_url: str, request: pytest.FixtureRequest) -> Iterator[str]:
    name = unique_database_name(request.node.name)
    yield create_database(pg_server_url, name)
    drop_database(pg_server_url, name)


def columns_of_things(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'things' ORDER BY ordinal_position"
        ).fetchall()
    return [r[0] for r in rows]


def database_exists(server_url: str, name: str) -> bool:
    with psycopg.connect(with_database(server_url, "postgres")) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


def test_ensure_database_creates_a_missing_database_once(pg_server_url: str) -> None:
    name = unique_database_name("ensure database")
    dsn = with_database(pg_server_url, name)
    try:
        assert not database_exists(pg_server_url, name)
        assert ensure_database(dsn) is True
        assert database_exists(pg_server_url, name)
        assert ensure_database(dsn) is False
        assert database_exists(pg_server_url, name)
    finally:
        drop_database(pg_server_url, name)


def test_ensure_database_refuses_a_url_without_a_database() -> None:
    with pytest.raises(ValueError, match="names no database"):
        ensure_database("postgresql://postgres@127.0.0.1:1")


def test_a_new_database_has_every_migration_pending(fresh_dsn: str, migrations_dir: Path) -> None:
    assert migration_status(fresh_dsn, migrations_dir) == MigrationStatus(
        applied=[], pending=[FIRST, SECOND]
    )


def test_apply_runs_every_pending_migration_in_order(fresh_dsn: str, migrations_dir: Path) -> None:
    assert apply_migrations(fresh_dsn, migrations_dir) == [FIRST, SECOND]
    assert migration_status(fresh_dsn, migrations_dir) == MigrationStatus(
        applied=[FIRST, SECOND], pending=[]
    )
    assert columns_of_things(fresh_dsn) == ["id", "name"]
    assert apply_migrations(fresh_dsn, migrations_dir) == []


def test_apply_creates_a_missing_database(pg_server_url: str, migrations_dir: Path) -> None:
    name = unique_database_name("apply creates")
    dsn = with_database(pg_server_url, name)
    try:
        assert apply_migrations(dsn, migrations_dir) == [FIRST, SECOND]
        assert columns_of_things(dsn) == ["id", "name"]
    finally:
        drop_database(pg_server_url, name)


def test_rollback_one_step_leaves_the_newest_pending(fresh_dsn: str, migrations_dir: Path) -> None:
    apply_migrations(fresh_dsn, migrations_dir)
    assert rollback_migrations(fresh_dsn, migrations_dir, steps=1) == [SECOND]
    assert migration_status(fresh_dsn, migrations_dir) == MigrationStatus(
        applied=[FIRST], pending=[SECOND]
    )
    assert columns_of_things(fresh_dsn) == ["id"]


def test_rollback_all_then_apply_restores_the_same_schema(
    fresh_dsn: str, migrations_dir: Path
) -> None:
    apply_migrations(fresh_dsn, migrations_dir)
    assert rollback_migrations(fresh_dsn, migrations_dir) == [SECOND, FIRST]
    assert migration_status(fresh_dsn, migrations_dir) == MigrationStatus(
        applied=[], pending=[FIRST, SECOND]
    )
    assert columns_of_things(fresh_dsn) == []
    assert apply_migrations(fresh_dsn, migrations_dir) == [FIRST, SECOND]
    assert columns_of_things(fresh_dsn) == ["id", "name"]


def test_a_stale_lock_is_broken_so_apply_can_proceed(fresh_dsn: str, migrations_dir: Path) -> None:
    migration_status(fresh_dsn, migrations_dir)  # yoyo creates yoyo_lock on connecting
    dead_pid = os.getpid() + 100_000
    with psycopg.connect(fresh_dsn) as conn:
        conn.execute(
            "INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, %s, %s)",
            (datetime.now(UTC).replace(tzinfo=None), dead_pid),
        )
    break_stale_lock(fresh_dsn)
    with psycopg.connect(fresh_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM yoyo_lock").fetchone() == (0,)
    assert apply_migrations(fresh_dsn, migrations_dir) == [FIRST, SECOND]


def test_apply_leaves_no_lock_behind(fresh_dsn: str, migrations_dir: Path) -> None:
    apply_migrations(fresh_dsn, migrations_dir)
    rollback_migrations(fresh_dsn, migrations_dir, steps=1)
    with psycopg.connect(fresh_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM yoyo_lock").fetchone() == (0,)


def test_the_command_line_applies_and_reports(
    fresh_dsn: str, migrations_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "--dsn", fresh_dsn, "--dir", str(migrations_dir)]) == 0
    assert main(["status", "--dsn", fresh_dsn, "--dir", str(migrations_dir)]) == 0
    assert main(["rollback", "--dsn", fresh_dsn, "--dir", str(migrations_dir), "--steps", "1"]) == 0
    assert main(["break-lock", "--dsn", fresh_dsn, "--dir", str(migrations_dir)]) == 0
    label = migrations_dir.parent.name
    assert capsys.readouterr().out.splitlines() == [
        f"{label}: applied 2 migration(s) ['{FIRST}', '{SECOND}']",
        f"{label}: 2 applied, 0 pending",
        f"  applied  {FIRST}",
        f"  applied  {SECOND}",
        f"{label}: rolled back 1 migration(s) ['{SECOND}']",
        f"{label}: lock released",
    ]


def connections_to(server_url: str, dsn: str) -> int:
    name = psycopg.conninfo.conninfo_to_dict(dsn)["dbname"]
    with psycopg.connect(with_database(server_url, "postgres")) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def no_connections_within(server_url: str, dsn: str, *, timeout_s: float) -> bool:
    """Say whether the database's connections drop to zero in time.

    A backend leaves pg_stat_activity a moment *after* its client closed the socket (it has to
    notice and exit; seen to lag under load), so a closed connection may still be counted
    once; a leaked one is counted until the deadline.
    """
    deadline = time.monotonic() + timeout_s
    while connections_to(server_url, dsn):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_migration_commands_leave_no_connection_open(
    pg_server_url: str, fresh_dsn: str, migrations_dir: Path
) -> None:
    gc.disable()  # without this, a collection at the wrong moment would hide the leak
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            apply_migrations(fresh_dsn, migrations_dir)
            migration_status(fresh_dsn, migrations_dir)
            assert no_connections_within(pg_server_url, fresh_dsn, timeout_s=5.0)
    finally:
        gc.enable()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
