"""`make db-audit`: EXPLAIN every catalog query on a seeded database and judge its plan.

A query on a table of more than `LARGE_TABLE_ROWS` rows fails when

- it reads that table with a Seq Scan and no index could serve its conditions (planned again
  with `enable_seqscan = off`, no index scan with an Index Cond on that table appears), or
- it sorts (Sort or Incremental Sort) and no index could give the rows in order (planned again
  with `enable_sort = off`, a sort remains) — unless its catalog entry says why the sort is fine.

When an index could serve but the planner prefers a seq scan or a sort (a handful of rows, or
most of the table), the query passes with a note. Plans are the custom plans a request gets
(`plan_cache_mode = force_custom_plan`, parameters from each entry's sample).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from nestegg_common.dbops.catalog import CatalogQuery

LARGE_TABLE_ROWS = 1000
_INDEX_NODES = ("Index Scan", "Index Only Scan", "Bitmap Index Scan")
_SORT_NODES = ("Sort", "Incremental Sort")


@dataclass
class Verdict:
    """What the audit concluded about one query's plan."""

    service: str
    name: str
    plan: str
    indexes: list[str]
    estimated_rows: int
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Say whether the query passed."""
        return not self.problems


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield every node of a JSON plan, the root first."""
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def indexes_used(plan: dict[str, Any], *, with_condition: bool = False) -> list[str]:
    """Return the indexes a plan reads or arbitrates conflicts on, in plan order.

    `with_condition` keeps only index scans with an Index Cond (a full index scan does not
    serve the query's conditions).
    """
    found: list[str] = []
    for node in nodes(plan):
        index = node.get("Index Name") if node["Node Type"] in _INDEX_NODES else None
        if index and (not with_condition or node.get("Index Cond")):
            found.append(str(index))
        found.extend(str(i) for i in node.get("Conflict Arbiter Indexes", []))
    return list(dict.fromkeys(found))


def _label(node: dict[str, Any]) -> str:
    kind = str(node["Node Type"])
    if kind == "ModifyTable":
        kind = str(node.get("Operation", kind))
    if node.get("Scan Direction") == "Backward":
        kind += " Backward"
    return kind


def table_sizes(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Return the planner's row estimate of every table in the public schema (after ANALYZE)."""
    rows = conn.execute(
        "SELECT c.relname, greatest(c.reltuples, 0)::bigint FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r'"
    ).fetchall()
    return {name: int(count) for name, count in rows}


def _parameters(conn: psycopg.Connection[Any], query: CatalogQuery) -> Sequence[Any]:
    if not query.sample:
        return ()
    row = conn.execute(query.sample).fetchone()
    if row is None:
        raise LookupError(f"{query.name}: its sample found no row in the seeded data")
    return [Jsonb(v) if isinstance(v, dict) else v for v in row]


def explain(
    conn: psycopg.Connection[Any], query: CatalogQuery, *, disable: str = ""
) -> dict[str, Any]:
    """Return the JSON plan of the query with its sample parameters (nothing is executed).

    `disable` names a planner method (`seqscan`, `sort`) to switch off for this plan only.
    """
    params = _parameters(conn, query)
    conn.execute("RESET ALL")
    conn.execute("SET plan_cache_mode = force_custom_plan")
    if disable:
        conn.execute(f"SET enable_{disable} = off")
    conn.execute("DEALLOCATE ALL")
    conn.execute(f"PREPARE audited AS {query.sql}")
    placeholders = ", ".join(["%s"] * len(params))
    cursor = psycopg.ClientCursor(conn)  # EXECUTE takes literals, not bind parameters
    execute = f"EXECUTE audited({placeholders})" if params else "EXECUTE audited"
    cursor.execute(f"EXPLAIN (FORMAT JSON) {execute}", params)
    row = cursor.fetchone()
    assert row is not None
    document = row[0] if not isinstance(row[0], str) else json.loads(row[0])
    plan: dict[str, Any] = document[0]["Plan"]
    return plan


def _index_serves(plan: dict[str, Any], table: str) -> bool:
    """Say whether every read of `table` in the plan goes through an index with a condition."""
    readers = [
        n
        for n in nodes(plan)
        if n.get("Relation Name") == table and n["Node Type"] != "ModifyTable"
    ]
    # A Bitmap Heap Scan's Bitmap Index Scan children always carry an Index Cond; a full index
    # scan without one (what the planner falls back to with seq scans off) does not count.
    return bool(readers) and all(
        n["Node Type"] == "Bitmap Heap Scan"
        or (n["Node Type"] in _INDEX_NODES and bool(n.get("Index Cond")))
        for n in readers
    )


def _has_sort(plan: dict[str, Any]) -> bool:
    return any(n["Node Type"] in _SORT_NODES for n in nodes(plan))


def judge(
    service: str,
    query: CatalogQuery,
    plan: dict[str, Any],
    sizes: dict[str, int],
    *,
    without_seqscan: dict[str, Any] | None = None,
    without_sort: dict[str, Any] | None = None,
) -> Verdict:
    """Apply the audit's rules to one plan (and to its re-plans with a method switched off)."""
    plan_nodes = list(nodes(plan))
    verdict = Verdict(
        service=service,
        name=query.name,
        plan=" > ".join(_label(n) for n in plan_nodes),
        indexes=indexes_used(plan),
        estimated_rows=int(plan.get("Plan Rows", 0)),
    )
    touched = {str(n["Relation Name"]) for n in plan_nodes if n.get("Relation Name")}
    large = {t for t in touched if sizes.get(t, 0) > LARGE_TABLE_ROWS}
    for node in plan_nodes:
        table = node.get("Relation Name")
        if node["Node Type"] == "Seq Scan" and table:
            if table not in large:
                verdict.notes.append(f"seq scan of small table {table}")
            elif without_seqscan is not None and _index_serves(without_seqscan, table):
                verdict.notes.append(f"an index serves {table}; planner prefers a seq scan here")
            else:
                verdict.problems.append(f"Seq Scan on {table} ({sizes[table]} rows)")
        if node["Node Type"] in _SORT_NODES and large:
            keys = ", ".join(node.get("Sort Key", []))
            rows = int(node.get("Plan Rows", 0))
            if without_sort is not None and not _has_sort(without_sort):
                verdict.notes.append(f"an index gives the order; planner sorts {rows} rows")
            elif query.allow_sort:
                verdict.notes.append(f"sort allowed: {query.allow_sort}")
            else:
                verdict.problems.append(f"sorts {rows} rows by {keys}, no index gives that order")
    verdict.problems = list(dict.fromkeys(verdict.problems))
    verdict.notes = list(dict.fromkeys(verdict.notes))
    return verdict


def audit_database(dsn: str, service: str, catalog: Iterable[CatalogQuery]) -> list[Verdict]:
    """EXPLAIN every catalog query on an analyzed database and judge each plan."""
    verdicts = []
    # prepare_threshold=None: psycopg's own prepared statements would clash with DEALLOCATE ALL.
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        sizes = table_sizes(conn)
        for query in catalog:
            plan = explain(conn, query)
            seqscan = any(n["Node Type"] == "Seq Scan" for n in nodes(plan))
            verdict = judge(
                service,
                query,
                plan,
                sizes,
                without_seqscan=explain(conn, query, disable="seqscan") if seqscan else None,
                without_sort=explain(conn, query, disable="sort") if _has_sort(plan) else None,
            )
            verdicts.append(verdict)
    return verdicts


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def report(verdicts: Sequence[Verdict]) -> str:
    """Format the audit as a table followed by the coverage line."""
    header = f"{'query':<40} {'plan':<52} {'index used':<34} {'est.rows':>8}  verdict"
    lines = [header, "-" * len(header)]
    for v in verdicts:
        result = "ok" if v.ok else "FAIL: " + "; ".join(v.problems)
        if v.ok and v.notes:
            result += " (" + "; ".join(v.notes) + ")"
        lines.append(
            f"{_clip(v.service + '.' + v.name, 40):<40} {_clip(v.plan, 52):<52} "
            f"{_clip(', '.join(v.indexes) or '-', 34):<34} {v.estimated_rows:>8}  {result}"
        )
    passed = sum(v.ok for v in verdicts)
    lines.append(f"coverage: {passed}/{len(verdicts)} queries = {coverage(verdicts):.1f}%")
    return "\n".join(lines)


def coverage(verdicts: Sequence[Verdict]) -> float:
    """Return the share of queries that passed, in percent."""
    return 100.0 * sum(v.ok for v in verdicts) / len(verdicts) if verdicts else 100.0
