"""Read a migrated database's schema from the PostgreSQL catalogs, for `make docs-db`.

Tables, columns with type, nullability, default and COMMENT, constraints as
`pg_get_constraintdef` prints them, indexes as `pg_get_indexdef` prints them, foreign keys; and,
applying the migrations one at a time, which migration created or dropped each table and index.
Knows no service: it reads whatever schema the migrations it is given build.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

from nestegg_common.dbops.schemamodel import Column, Constraint, Index, MigrationStep, Table
from nestegg_common.migrations import apply_migrations

_IGNORED_TABLES = re.compile(r"^_?yoyo")


def _tables_and_indexes(conn: psycopg.Connection[Any]) -> tuple[set[str], dict[str, str]]:
    tables = {
        str(r[0])
        for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
        )
        if not _IGNORED_TABLES.match(str(r[0]))
    }
    indexes = {
        str(name): str(table)
        for name, table in conn.execute(
            "SELECT i.relname, t.relname FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'"
        )
        if not _IGNORED_TABLES.match(str(table))
    }
    return tables, indexes


def apply_step_by_step(
    dsn: str, migrations_dir: Path
) -> tuple[list[MigrationStep], dict[str, str]]:
    """Apply the migrations one at a time; return what each changed and who made each index."""
    apply_migrations(dsn, migrations_dir, steps=0)
    with psycopg.connect(dsn) as conn:
        tables, indexes = _tables_and_indexes(conn)
    steps: list[MigrationStep] = []
    made_by: dict[str, str] = {}
    while True:
        applied = apply_migrations(dsn, migrations_dir, steps=1)
        if not applied:
            return steps, made_by
        with psycopg.connect(dsn) as conn:
            now_tables, now_indexes = _tables_and_indexes(conn)
        (migration,) = applied
        added_tables = now_tables - tables
        steps.append(
            MigrationStep(
                id=migration,
                added_tables=tuple(sorted(added_tables)),
                dropped_tables=tuple(sorted(tables - now_tables)),
                # Indexes of a table created in the same migration come with the table.
                added_indexes=tuple(
                    sorted(
                        i
                        for i in set(now_indexes) - set(indexes)
                        if now_indexes[i] not in added_tables
                    )
                ),
                dropped_indexes=tuple(sorted(set(indexes) - set(now_indexes))),
            )
        )
        for name in set(now_indexes) - set(indexes):
            made_by[name] = migration
        tables, indexes = now_tables, now_indexes


_COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), col_description(a.attrelid, a.attnum)
FROM pg_attribute a
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""
_CONSTRAINTS = """
SELECT con.conname, con.contype::text, pg_get_constraintdef(con.oid),
       ARRAY(SELECT a.attname::text
             FROM unnest(con.conkey) WITH ORDINALITY AS k (attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord),
       ref.relname
FROM pg_constraint con
LEFT JOIN pg_class ref ON ref.oid = con.confrelid
WHERE con.conrelid = %s AND con.contype <> 'n'
ORDER BY con.conname
"""
_INDEXES = """
SELECT i.relname, t.relname, pg_get_indexdef(i.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public'
ORDER BY t.relname, i.relname
"""


def read_tables(conn: psycopg.Connection[Any]) -> list[Table]:
    """Return every table of the public schema (yoyo's aside), by name."""
    rows = conn.execute(
        "SELECT c.oid, c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
    ).fetchall()
    tables = []
    for oid, name, comment in rows:
        if _IGNORED_TABLES.match(name):
            continue
        columns = [
            Column(n, t, bool(nn), d, c) for n, t, nn, d, c in conn.execute(_COLUMNS, (oid,))
        ]
        constraints = [
            Constraint(n, k, tuple(cols), d, ref)
            for n, k, d, cols, ref in conn.execute(_CONSTRAINTS, (oid,))
        ]
        by_name = {c.name: c for c in columns}
        for con in constraints:
            marker = {"p": "PK", "f": "FK", "u": "UK"}.get(con.kind)
            if marker:
                for column_name in con.columns:
                    if marker not in by_name[column_name].keys:
                        by_name[column_name].keys.append(marker)
            if len(con.columns) == 1:
                by_name[con.columns[0]].constraints.append(f"{con.name}: {con.definition}")
        for col in columns:
            col.keys.sort(key=["PK", "FK", "UK"].index)
        tables.append(Table(name, comment, columns, constraints))
    return tables


def read_indexes(conn: psycopg.Connection[Any], made_by: dict[str, str]) -> list[Index]:
    """Return every index of the public schema (yoyo's aside), with the migration that made it."""
    return [
        Index(name, table, definition, made_by[name])
        for name, table, definition in conn.execute(_INDEXES)
        if not _IGNORED_TABLES.match(table)
    ]


def missing_comments(service: str, tables: Sequence[Table]) -> list[str]:
    """Return every table and column without a COMMENT, as `service.table[.column]`."""
    missing = []
    for t in tables:
        if not t.comment:
            missing.append(f"{service}.{t.name}")
        missing.extend(f"{service}.{t.name}.{c.name}" for c in t.columns if not c.comment)
    return missing
