"""Throw-away PostgreSQL: a scratch server in a temp dir, scratch databases, pg client tools."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from nestegg_common.pgserver import embedded_bin_dir, temporary_embedded_server
from nestegg_common.settings import with_database


@contextmanager
def scratch_server() -> Iterator[str]:
    """Yield NESTEGG_DATABASE_URL when set, else a fresh embedded server deleted afterwards."""
    configured = os.environ.get("NESTEGG_DATABASE_URL")
    if configured:
        yield configured
        return
    with temporary_embedded_server("nestegg-scratch-") as url:
        yield url


def database_exists(server_url: str, name: str) -> bool:
    """Say whether the server has a database of that name."""
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


def create_database(server_url: str, name: str) -> str:
    """Create an empty database and return its URL."""
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop a database if it exists, disconnecting whoever still uses it."""
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def scratch_database(server_url: str, label: str) -> Iterator[str]:
    """Yield the URL of a new empty database that is dropped afterwards."""
    name = f"scratch_{label}_{uuid.uuid4().hex[:8]}"
    url = create_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)


def pg_tool(name: str) -> str:
    """Return the path of a PostgreSQL client tool shipped with the embedded server's wheel."""
    return str(embedded_bin_dir() / name)


def schema_dump(dsn: str) -> str:
    """Return the schema as `pg_dump --schema-only` prints it, without yoyo's bookkeeping."""
    out = subprocess.run(
        [
            pg_tool("pg_dump"),
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--exclude-table=_yoyo_*",
            "--exclude-table=yoyo_*",
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
