"""Render described schemas as Markdown and Mermaid: the body of docs/DATABASE.md.

Per service: its notes, an entity-relationship diagram (from the real foreign keys), every table,
the indexes with the catalog queries using each, the migrations and the example queries; then the
frame's cross-service references and troubleshooting. Knows no service: everything it prints
comes from the catalogs, the service's own notes, or the frame infra/ hands in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from nestegg_common.dbops.schemamodel import DocumentFrame, SchemaDocError, ServiceSchema, Table

_MERMAID_TYPES = {
    "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
    "double precision": "float8",
    "character varying": "varchar",
}


def _mermaid_type(pg_type: str) -> str:
    """Return a type Mermaid accepts (a word; parentheses allowed, no spaces or commas)."""
    base = _MERMAID_TYPES.get(pg_type, pg_type)
    base = re.sub(r"^character\(", "char(", base)
    if "," in base:
        base = base.split("(", 1)[0]
    return base.replace(" ", "_")


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{_cell(text)}`"


def render_erd(schema: ServiceSchema) -> str:
    """Return the Mermaid erDiagram: every table with its columns and keys, every foreign key."""
    lines = ["```mermaid", "erDiagram"]
    relations = []
    for table in schema.tables:
        unique_sets = {frozenset(c.columns) for c in table.constraints if c.kind in ("p", "u")}
        nullable = {c.name for c in table.columns if not c.not_null}
        for con in table.constraints:
            if con.kind != "f" or con.references is None:
                continue
            parent = "|o" if nullable & set(con.columns) else "||"
            child = "o|" if frozenset(con.columns) in unique_sets else "o{"
            label = ", ".join(con.columns)
            relations.append(f'    {con.references} {parent}--{child} {table.name} : "{label}"')
    lines.extend(sorted(relations))
    for table in schema.tables:
        lines.append(f"    {table.name} {{")
        for col in table.columns:
            keys = f" {', '.join(col.keys)}" if col.keys else ""
            lines.append(f"        {_mermaid_type(col.type)} {col.name}{keys}")
        lines.append("    }")
    lines.append("```")
    return "\n".join(lines)


def render_table(table: Table) -> str:
    """Return a table's section: comment, columns, table-level constraints."""
    out = [f"#### `{table.name}`", "", _cell(table.comment), ""]
    out.append("| column | type | null | default | constraints | comment |")
    out.append("|---|---|---|---|---|---|")
    for c in table.columns:
        constraints = "<br>".join(_code(x) for x in c.constraints)
        default = _code(c.default) if c.default is not None else ""
        null = "not null" if c.not_null else "null"
        out.append(
            f"| `{c.name}` | `{c.type}` | {null} | {default} | {constraints} | {_cell(c.comment)} |"
        )
    wide = [c for c in table.constraints if len(c.columns) != 1]
    if wide:
        out.append("")
        out.append("Table constraints:")
        out.append("")
        out.extend(f"- `{c.name}`: {_code(c.definition)}" for c in wide)
    return "\n".join(out)


def render_indexes(schema: ServiceSchema) -> str:
    """Return the index table: definition, migration, catalog queries using it, notes."""
    out = ["| index | definition | since | used by (query catalog) |", "|---|---|---|---|"]
    for index in schema.indexes:
        definition = index.definition.replace(" ON public.", " ON ")
        uses = [f"`{q}`" for q in schema.used_by[index.name]]
        note = schema.notes.index_notes.get(index.name)
        if note:
            uses.append(f"*{note}*")
        out.append(
            f"| `{index.name}` | {_code(definition)} | {index.migration} | "
            f"{', '.join(uses) or '—'} |"
        )
    if schema.unindexed:
        out.append("")
        out.append(
            "Catalog statements whose plans read no index (their plan in brackets): "
            + ", ".join(f"`{q}` ({plan})" for q, plan in schema.unindexed)
            + "."
        )
    return "\n".join(out)


def render_migrations(schema: ServiceSchema) -> str:
    """Return one line per migration: the tables and indexes it added or dropped."""
    out = []
    for step in schema.migrations:
        parts = []
        for label, names in (
            ("tables", step.added_tables),
            ("indexes", step.added_indexes),
            ("dropped tables", step.dropped_tables),
            ("dropped indexes", step.dropped_indexes),
        ):
            if names:
                parts.append(f"{label} " + ", ".join(f"`{n}`" for n in names))
        out.append(f"- `{step.id}`: " + ("; ".join(parts) or "no table or index change"))
    return "\n".join(out)


def render_examples(schema: ServiceSchema) -> str:
    """Return the service's query examples, each with the indexes its plan uses."""
    out = []
    for example in schema.notes.examples:
        used = schema.example_indexes[example.title]
        via = ", ".join(f"`{i}`" for i in used) if used else "no index"
        out.extend([f"**{example.title}.** Indexes in its plan on the seeded data: {via}.", ""])
        out.extend(["```sql", example.sql, "```", ""])
    return "\n".join(out).rstrip()


def _parameters_hint(schema: ServiceSchema, parameters: Mapping[str, str]) -> str:
    """Return how to set the psql variables the service's examples use."""
    used = sorted(
        name for name in parameters if any(f":'{name}'" in e.sql for e in schema.notes.examples)
    )
    settings = ", ".join(f"`\\set {name} '<{name}>'`" for name in used)
    return f"In `make psql SERVICE={schema.service}`, set the parameters first: {settings}."


def render_service(schema: ServiceSchema, parameters: Mapping[str, str]) -> str:
    """Return a service's whole section."""
    parts = [
        f"## {schema.service} (`{schema.database}`)",
        schema.notes.summary.rstrip(),
        render_erd(schema),
        "### Tables",
        "\n\n".join(render_table(t) for t in schema.tables),
        "### Indexes",
        render_indexes(schema),
        "### Migrations",
        render_migrations(schema),
        "### Query examples",
        _parameters_hint(schema, parameters),
        render_examples(schema),
    ]
    return "\n\n".join(parts)


def render_cross_references(schemas: Sequence[ServiceSchema], frame: DocumentFrame) -> str:
    """Return the cross-service section: every column holding another service's id."""
    rows = []
    for ref in frame.cross_references:
        matched = 0
        target_service = ref.target.split(".", 1)[0]
        for schema in schemas:
            for table in schema.tables:
                if ref.table and table.name != ref.table:
                    continue
                column = next((c for c in table.columns if c.name == ref.column), None)
                if column is None:
                    continue
                matched += 1
                fks = [c for c in table.constraints if c.kind == "f" and ref.column in c.columns]
                if schema.service == target_service:
                    if not fks:
                        continue  # same database, no key: not this reference (e.g. outbox)
                    enforced, how = f"yes: {_code(fks[0].definition)}", "the foreign key"
                else:
                    enforced, how = "no (another database)", ref.how
                rows.append(
                    f"| `{schema.service}.{table.name}.{ref.column}` | `{ref.target}` | "
                    f"{enforced} | {how} |"
                )
        if not matched:
            raise SchemaDocError(f"cross reference {ref} matches no column")
    return frame.cross_service.format(rows="\n".join(rows)).rstrip()


def _anchor(section: str) -> tuple[str, str]:
    """Return a `## ` section's title and its Markdown anchor."""
    title = section.split("\n", 1)[0].removeprefix("## ")
    return title, re.sub(r"[^a-z0-9 _-]", "", title.lower()).replace(" ", "-")


def render(schemas: Sequence[ServiceSchema], frame: DocumentFrame) -> str:
    """Return the whole document."""
    for schema in schemas:
        for index in sorted(schema.notes.index_notes):
            if index not in schema.used_by:
                raise SchemaDocError(
                    f"the index notes name {schema.service}.{index}, which does not exist"
                )
    cross_references = render_cross_references(schemas, frame)
    troubleshooting = frame.troubleshooting.rstrip()
    contents = ["## Contents", ""]
    contents.extend(f"- [{s.service}](#{s.service}-{s.database})" for s in schemas)
    contents.extend(
        "- [{}](#{})".format(*_anchor(section)) for section in (cross_references, troubleshooting)
    )
    parts = [
        frame.intro.rstrip(),
        "\n".join(contents),
        *(render_service(s, frame.example_parameters) for s in schemas),
        cross_references,
        troubleshooting,
    ]
    return "\n\n".join(parts) + "\n"
