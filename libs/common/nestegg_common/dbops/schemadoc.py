"""`make docs-db`: describe each given service's database and render docs/DATABASE.md.

Each service's migrations are applied one at a time to a scratch database (so every table and
index is attributed to the migration that created it), then the catalogs are read
(nestegg_common.dbops.schemaread). The database is then seeded through the service's own seed
and every statement of its query catalog is planned with the index audit's machinery
(nestegg_common.dbops.audit), which maps each index to the catalog queries it serves. The
service's example queries and the frame's troubleshooting queries are run against the seeded
database, so a broken example fails the generation instead of reaching the docs.

The services, their notes and the frame are handed in by infra/ (infra/databasedoc.py): this
module knows none of them. The output depends only on the migrations, the catalogs, the notes
and the frame: it is sorted and carries no timestamps or generated names, so
tests/db/test_docs_db.py can fail when the committed file differs from what it generates.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import psycopg

from nestegg_common.dbops import audit, schemaread, schemarender
from nestegg_common.dbops.catalog import CatalogQuery
from nestegg_common.dbops.schemamodel import (
    DocumentFrame,
    SchemaDocError,
    SchemaNotes,
    ServiceDatabase,
    ServiceSchema,
)
from nestegg_common.dbops.seed import Scale

OUTPUT = Path("docs") / "DATABASE.md"
# Small enough to seed in about a second per service, and under ANALYZE's sample size (30,000
# rows) for every table, so the statistics (and hence the plans) are the same on every run.
SCALE = Scale(users=500, ledger_rows_per_user=105)


def _served(conn: psycopg.Connection[Any], query: CatalogQuery) -> tuple[list[str], str]:
    """Return the indexes the query's plan uses, and the plan's shape.

    When the plan reads a table sequentially (small data, or most of a table), the indexes
    that serve the query's conditions with sequential scans switched off are added: they are
    what it uses at scale.
    """
    plan = audit.explain(conn, query)
    used = audit.indexes_used(plan)
    if any(n["Node Type"] == "Seq Scan" for n in audit.nodes(plan)):
        forced = audit.explain(conn, query, disable="seqscan")
        used += audit.indexes_used(forced, with_condition=True)
    shape = " > ".join(
        str(
            n.get("Operation", n["Node Type"])
            if n["Node Type"] == "ModifyTable"
            else n["Node Type"]
        )
        for n in audit.nodes(plan)
    )
    return sorted(set(used)), shape


def _substitute(sql: str, parameters: Mapping[str, str]) -> str:
    for name, value in parameters.items():
        sql = sql.replace(f":'{name}'", value)
    return sql


def run_examples(
    conn: psycopg.Connection[Any], service: str, notes: SchemaNotes, frame: DocumentFrame
) -> dict[str, list[str]]:
    """Run the service's examples and the troubleshooting queries; return each example's indexes.

    An example that fails or returns nothing on the seeded data fails the generation.
    """
    found = {}
    for example in notes.examples:
        query = _substitute(example.sql, frame.example_parameters)
        try:
            rows = conn.execute(query).fetchall()
        except psycopg.Error as err:
            raise SchemaDocError(f"{service} example {example.title!r} fails: {err}") from err
        if not rows:
            raise SchemaDocError(f"{service} example {example.title!r} finds no row")
        plan = audit.explain(conn, CatalogQuery(example.title, query.rstrip(";")))
        found[example.title] = sorted(set(audit.indexes_used(plan)))
    for statement in frame.troubleshooting_queries:
        try:
            conn.execute(statement).fetchall()
        except psycopg.Error as err:
            raise SchemaDocError(f"troubleshooting query fails on {service}: {err}") from err
    return found


def describe_service(
    dsn: str, service: ServiceDatabase, frame: DocumentFrame, scale: Scale = SCALE
) -> ServiceSchema:
    """Migrate an empty database step by step, read its catalogs, seed it and plan the catalog."""
    steps, made_by = schemaread.apply_step_by_step(dsn, service.migrations)
    with psycopg.connect(dsn) as conn:
        tables = schemaread.read_tables(conn)
        indexes = schemaread.read_indexes(conn, made_by)
    missing = schemaread.missing_comments(service.name, tables)
    if missing:
        raise SchemaDocError("no COMMENT on " + ", ".join(missing))
    service.seed(dsn, scale)
    used_by: dict[str, list[str]] = {i.name: [] for i in indexes}
    unindexed = []
    # prepare_threshold=None: psycopg's own prepared statements would clash with DEALLOCATE ALL.
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        for query in service.catalog:
            served, shape = _served(conn, query)
            for name in served:
                used_by[name].append(query.name)
            if not served:
                unindexed.append((query.name, shape))
        example_indexes = run_examples(conn, service.name, service.notes, frame)
    return ServiceSchema(
        service=service.name,
        database=f"nestegg_{service.name}",
        tables=tables,
        indexes=indexes,
        migrations=steps,
        used_by={k: sorted(set(v)) for k, v in used_by.items()},
        unindexed=sorted(unindexed),
        example_indexes=example_indexes,
        notes=service.notes,
    )


def generate(
    services: Sequence[ServiceDatabase],
    frame: DocumentFrame,
    scratch: Callable[[str], AbstractContextManager[str]],
) -> str:
    """Return docs/DATABASE.md as the services' migrations make it.

    `scratch(label)` yields the URL of an empty database and drops it afterwards (a
    `dbops.scratch.scratch_database` bound to a server).
    """
    schemas = []
    for service in services:
        with scratch(f"docs_{service.name}") as dsn:
            schemas.append(describe_service(dsn, service, frame))
    return schemarender.render(schemas, frame)


def iter_differences(committed: str, generated: str) -> Iterator[str]:
    """Yield a short unified diff of the committed document against the generated one."""
    yield from difflib.unified_diff(
        committed.splitlines(),
        generated.splitlines(),
        fromfile=f"{OUTPUT} (committed)",
        tofile=f"{OUTPUT} (generated)",
        lineterm="",
        n=1,
    )
