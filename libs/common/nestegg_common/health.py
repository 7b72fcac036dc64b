"""`/healthz` (the process answers) and `/readyz` (database reachable, migrations current)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import asyncpg
from aiohttp import web

from nestegg_common.migrations import MIGRATION_TABLE
from nestegg_common.problems import Handler

_LOGGER = logging.getLogger(__name__)

_APPLIED_MIGRATIONS_SQL = f"SELECT migration_id FROM {MIGRATION_TABLE}"  # noqa: S608 - a constant


def expected_migration_ids(migrations_dir: Path) -> set[str]:
    """Return the ids yoyo gives the migration files of a folder (name without `.sql`)."""
    return {
        p.name.removesuffix(".sql")
        for p in migrations_dir.glob("*.sql")
        if not p.name.endswith(".rollback.sql") and not p.name.startswith("post-apply")
    }


async def pending_migrations(pool: asyncpg.Pool, migrations_dir: Path) -> list[str]:
    """Return the migration ids of the folder that the database has not applied."""
    try:
        rows = await pool.fetch(_APPLIED_MIGRATIONS_SQL)
    except asyncpg.UndefinedTableError:
        rows = []
    applied = {r["migration_id"] for r in rows}
    return sorted(expected_migration_ids(migrations_dir) - applied)


async def healthz(request: web.Request) -> web.Response:
    """Say the process is alive; checks nothing else."""
    return web.json_response({"status": "ok"})


def readiness_handler(
    pool_key: web.AppKey[asyncpg.Pool],
    migrations_dir: Path,
    *,
    waiting_for: Callable[[], list[str]] = list,
) -> Handler:
    """Build `/readyz`: 200 when the database, migrations and `waiting_for` are fine, else 503."""

    async def readyz(request: web.Request) -> web.Response:
        missing = waiting_for()
        if missing:
            # Not ready to check tokens (no JWKS keys or erased users yet): send no traffic.
            return web.json_response({"status": "unavailable", "waiting_for": missing}, status=503)
        try:
            pending = await pending_migrations(request.app[pool_key], migrations_dir)
        except (
            OSError,
            TimeoutError,
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            asyncpg.InternalClientError,  # a connection the server just dropped, not yet noticed
        ) as err:
            _LOGGER.warning("readiness: database unreachable: %s", type(err).__name__)
            return web.json_response(
                {"status": "unavailable", "database": "unreachable"}, status=503
            )
        if pending:
            return web.json_response(
                {"status": "unavailable", "database": "ok", "pending_migrations": pending},
                status=503,
            )
        return web.json_response({"status": "ok", "database": "ok"})

    return readyz
