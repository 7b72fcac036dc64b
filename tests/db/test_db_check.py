"""`make db-check`: a rollback that forgets something and an edited landed migration both fail."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nestegg_common.dbops import schemacheck
from nestegg_common.settings import with_database
from nestegg_common.testing.postgres import drop_database, unique_database_name

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("accounts", "ledger", "projections")

TABLE = "CREATE TABLE notes (id uuid PRIMARY KEY, user_id uuid NOT NULL, body text NOT NULL);\n"
INDEX = (
    "-- transactional: false\n"
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS notes_user_idx ON notes (user_id);\n"
)


def write_migrations(folder: Path, *, index_rollback: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "0001.notes.sql").write_text(TABLE)
    (folder / "0001.notes.rollback.sql").write_text("DROP TABLE notes;\n")
    (folder / "0002.notes_index.sql").write_text(INDEX)
    (folder / "0002.notes_index.rollback.sql").write_text(index_rollback)
    return folder


@pytest.fixture
def scratch_dsn(pg_server_url: str) -> Iterator[str]:
    name = unique_database_name("db_check")
    yield with_database(pg_server_url, name)
    drop_database(pg_server_url, name)


def test_a_faithful_rollback_passes_the_round_trip(scratch_dsn: str, tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path / "migrations",
        index_rollback="DROP INDEX CONCURRENTLY IF EXISTS notes_user_idx;\n",
    )
    assert schemacheck.check_round_trip(scratch_dsn, folder) == []


def test_a_rollback_that_forgets_an_index_is_caught(scratch_dsn: str, tmp_path: Path) -> None:
    # Rolling back everything would hide this: dropping the table drops the index too.
    folder = write_migrations(tmp_path / "migrations", index_rollback="-- forgot the index\n")
    drifts = schemacheck.check_round_trip(scratch_dsn, folder)
    assert len(drifts) == 1
    assert "rolling back 0002.notes_index" in drifts[0].step
    assert "+CREATE INDEX notes_user_idx ON public.notes USING btree (user_id);" in drifts[0].diff


def test_an_edited_landed_migration_is_listed(tmp_path: Path) -> None:
    folder = write_migrations(tmp_path / "services" / "x" / "migrations", index_rollback="")
    lock = tmp_path / "migrations.sha256"
    assert schemacheck.write_lock(tmp_path, [folder], lock) == (
        [
            "services/x/migrations/0001.notes.rollback.sql",
            "services/x/migrations/0001.notes.sql",
            "services/x/migrations/0002.notes_index.rollback.sql",
            "services/x/migrations/0002.notes_index.sql",
        ],
        [],
    )
    assert schemacheck.lock_problems(tmp_path, [folder], lock) == []

    (folder / "0001.notes.sql").write_text(TABLE.replace("body text", "body varchar"))
    (folder / "0003.more.sql").write_text("SELECT 1;\n")
    assert schemacheck.lock_problems(tmp_path, [folder], lock) == [
        "edited after landing: services/x/migrations/0001.notes.sql "
        "(fix forward with a new migration)",
        "not in migrations.sha256 yet: services/x/migrations/0003.more.sql "
        "(run `make migrations-lock` and commit it)",
    ]
    # Regenerating the lock refuses to bless the edit unless forced.
    _added, refused = schemacheck.write_lock(tmp_path, [folder], lock)
    assert refused == ["services/x/migrations/0001.notes.sql"]
    assert "0001.notes.sql (fix forward" in schemacheck.lock_problems(tmp_path, [folder], lock)[0]


def test_the_repositorys_migrations_match_their_recorded_checksums() -> None:
    dirs = [ROOT / "services" / s / "migrations" for s in SERVICES]
    assert schemacheck.lock_problems(ROOT, dirs, ROOT / "infra" / "migrations.sha256") == []


def test_db_check_command_passes_on_the_repository(tmp_path: Path, pg_server_url: str) -> None:
    # The command as `make db-check` runs it, against the session's server.
    env = {"NESTEGG_DATABASE_URL": pg_server_url, "PATH": "/usr/bin:/bin"}
    ok = subprocess.run(
        [sys.executable, str(ROOT / "infra" / "dbops.py"), "check", "ledger"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "ledger: apply → roll back step by step → apply: same schema" in ok.stdout
