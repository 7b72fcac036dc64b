"""What `make docs-db` knows: the schema as the catalogs describe it, and the hand-written notes.

The catalog side (tables, columns, constraints, indexes, migration steps) is read by
nestegg_common.dbops.schemaread; the notes side (what each service says of its tables, its
example queries) is owned by each service (`<service>/dbdocs.py`); the document's frame (intro,
cross-service references, troubleshooting) by infra/, which knows the deployment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nestegg_common.dbops.catalog import CatalogQuery
from nestegg_common.dbops.seed import Scale


class SchemaDocError(Exception):
    """The schema or the template breaks a promise the document makes."""


@dataclass
class Column:
    """One column as the catalogs describe it."""

    name: str
    type: str
    not_null: bool
    default: str | None
    comment: str | None
    constraints: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Constraint:
    """A table constraint (NOT NULL aside) with its definition as PostgreSQL prints it."""

    name: str
    kind: str  # p, u, c, f, x
    columns: tuple[str, ...]
    definition: str
    references: str | None  # the referenced table of a foreign key


@dataclass
class Table:
    """A table, its columns and constraints."""

    name: str
    comment: str | None
    columns: list[Column]
    constraints: list[Constraint]


@dataclass(frozen=True)
class Index:
    """An index with its definition and the migration that created it."""

    name: str
    table: str
    definition: str
    migration: str


@dataclass(frozen=True)
class MigrationStep:
    """What one migration changed, in tables and indexes."""

    id: str
    added_tables: tuple[str, ...]
    dropped_tables: tuple[str, ...]
    added_indexes: tuple[str, ...]
    dropped_indexes: tuple[str, ...]


@dataclass(frozen=True)
class Example:
    """A query worth knowing, run against the seeded database on every generation."""

    title: str
    sql: str


@dataclass(frozen=True)
class SchemaNotes:
    """What a service says of its own database, beyond what the catalogs hold."""

    summary: str = ""
    # What an index is for beyond the catalog queries EXPLAIN shows using it. The generator
    # fails when a note names an index that does not exist, so notes cannot outlive their index.
    index_notes: Mapping[str, str] = field(default_factory=dict)
    examples: Sequence[Example] = ()


@dataclass(frozen=True)
class ServiceDatabase:
    """One service's database pieces, handed to the tools by infra/ (no import by name)."""

    name: str
    migrations: Path
    catalog: Sequence[CatalogQuery]
    seed: Callable[[str, Scale], None]
    notes: SchemaNotes


@dataclass(frozen=True)
class CrossReference:
    """A column that holds another service's id without a foreign key."""

    column: str
    target: str
    table: str = ""  # every table with that column when empty
    how: str = ""


@dataclass(frozen=True)
class DocumentFrame:
    """The document around the services' sections: written by whoever knows the deployment."""

    intro: str
    cross_service: str  # a `## ` section with a `{rows}` placeholder for the reference table
    cross_references: Sequence[CrossReference]
    troubleshooting: str  # a `## ` section
    # Run against every service database on each generation (they only read the catalogs).
    troubleshooting_queries: Sequence[str]
    # psql variable → SQL value, substituted into the examples when they are run.
    example_parameters: Mapping[str, str]


@dataclass
class ServiceSchema:
    """Everything the document says about one service's database."""

    service: str
    database: str
    tables: list[Table]
    indexes: list[Index]
    migrations: list[MigrationStep]
    used_by: dict[str, list[str]]  # index → catalog queries
    unindexed: list[tuple[str, str]]  # catalog queries whose plans use no index, with the plan
    example_indexes: dict[str, list[str]]  # example title → indexes its plan uses
    notes: SchemaNotes = SchemaNotes()
