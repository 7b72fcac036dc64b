"""Every service's migrations: apply all → roll back all → apply all leaves the same schema."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest

from nestegg_common.migrations import apply_migrations, migration_status, rollback_migrations
from nestegg_common.pgserver import embedded_bin_dir
from nestegg_common.settings import with_database
from nestegg_common.testing.postgres import create_database, drop_database, unique_database_name

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("accounts", "ledger", "projections")


def schema_dump(dsn: str) -> str:
    """Return the schema as pg_dump prints it, without the migration bookkeeping tables."""
    out = subprocess.run(
        [
            str(embedded_bin_dir() / "pg_dump"),
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--exclude-table=_yoyo_*",
            "--exclude-table=yoyo_*",
            "--exclude-table=_yoyo_migration",
            dsn,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # pg_dump 17+ prints a random \restrict key per run; it is not part of the schema.
    return "\n".join(
        line for line in out.splitlines() if not line.startswith(("\\restrict", "\\unrestrict"))
    )


def user_tables(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT LIKE '%yoyo%' ORDER BY tablename"
        ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("service", SERVICES)
def test_apply_rollback_apply_leaves_the_same_schema(pg_server_url: str, service: str) -> None:
    name = unique_database_name(f"mig_{service}")
    dsn = create_database(pg_server_url, name)
    migrations = ROOT / "services" / service / "migrations"
    try:
        apply_migrations(dsn, migrations)
        first = schema_dump(dsn)
        if any(migrations.glob("*.sql")):
            assert "CREATE TABLE public." in first
        assert migration_status(dsn, migrations).pending == []
        rollback_migrations(dsn, migrations)
        assert user_tables(dsn) == []
        apply_migrations(dsn, migrations)
        assert schema_dump(dsn) == first
    finally:
        drop_database(pg_server_url, name)


def test_every_accounts_table_and_column_has_a_comment(pg_server_url: str) -> None:
    name = unique_database_name("mig_comments")
    dsn = create_database(pg_server_url, name)
    try:
        apply_migrations(dsn, ROOT / "services" / "accounts" / "migrations")
        with psycopg.connect(dsn) as conn:
            missing = conn.execute(
                """
                SELECT c.relname || coalesce('.' || a.attname, '')
                FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
                LEFT JOIN pg_attribute a
                       ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                WHERE c.relkind = 'r' AND c.relname NOT LIKE '%yoyo%'
                  AND (CASE WHEN a.attname IS NULL THEN obj_description(c.oid, 'pg_class')
                            ELSE col_description(c.oid, a.attnum) END) IS NULL
                """
            ).fetchall()
        assert missing == []
    finally:
        drop_database(pg_server_url, name)


def test_migrations_create_the_database_when_it_is_missing(pg_server_url: str) -> None:
    name = unique_database_name("mig_create")
    dsn = with_database(pg_server_url, name)
    try:
        applied = apply_migrations(dsn, ROOT / "services" / "accounts" / "migrations")
        assert applied[0] == "0001.initial"
        assert (
            applied == migration_status(dsn, ROOT / "services" / "accounts" / "migrations").applied
        )
        assert apply_migrations(dsn, ROOT / "services" / "accounts" / "migrations") == []
    finally:
        drop_database(pg_server_url, name)
