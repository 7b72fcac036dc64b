"""`make db-audit`: every catalog query of every service is served by an index on seeded data."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbservices import DATABASES

from ledger import dbseed as ledger_seed
from nestegg_common.dbops import audit, seed
from nestegg_common.dbops.catalog import CatalogQuery
from nestegg_common.migrations import apply_migrations
from nestegg_common.testing.postgres import create_database, drop_database, unique_database_name

ROOT = Path(__file__).resolve().parents[2]

# Small enough to seed in about a second per service, large enough that the tables audited
# (over audit.LARGE_TABLE_ROWS) include every per-user and purged table.
SCALE = seed.Scale(users=500, ledger_rows_per_user=105)


@pytest.fixture(scope="module")
def verdicts(pg_server_url: str) -> list[audit.Verdict]:
    found: list[audit.Verdict] = []
    for database in DATABASES:
        name = unique_database_name(f"audit_{database.name}")
        dsn = create_database(pg_server_url, name)
        try:
            apply_migrations(dsn, database.migrations)
            database.seed(dsn, SCALE)
            found.extend(audit.audit_database(dsn, database.name, database.catalog))
        finally:
            drop_database(pg_server_url, name)
    return found


def test_every_catalog_query_is_served_by_an_index(verdicts: list[audit.Verdict]) -> None:
    report = audit.report(verdicts)
    assert audit.coverage(verdicts) == 100.0, report
    assert "coverage: " in report.splitlines()[-1]


def test_the_audit_covers_each_service_and_the_shared_statements(
    verdicts: list[audit.Verdict],
) -> None:
    names = {(v.service, v.name) for v in verdicts}
    assert ("ledger", "summary") in names
    assert ("ledger", "expenses.next_page") in names
    assert ("projections", "idempotency.claim") in names
    assert ("accounts", "readyz.applied_migrations") in names
    assert len(verdicts) >= 100


def test_a_query_no_index_serves_fails_the_audit(pg_server_url: str) -> None:
    name = unique_database_name("audit_planted")
    dsn = create_database(pg_server_url, name)
    try:
        apply_migrations(dsn, ROOT / "services" / "ledger" / "migrations")
        ledger_seed.seed_database(dsn, seed.Scale(users=100, ledger_rows_per_user=30))
        planted = (
            CatalogQuery(
                "assets.by_name", "SELECT id FROM assets WHERE name = $1", "SELECT 'Asset 3'"
            ),
            CatalogQuery(
                "assets.by_balance",
                "SELECT id FROM assets WHERE user_id = $1 ORDER BY balance",
                "SELECT user_id FROM assets LIMIT 1",
            ),
        )
        by_name, by_balance = audit.audit_database(dsn, "ledger", planted)
    finally:
        drop_database(pg_server_url, name)
    assert by_name.problems == ["Seq Scan on assets (1200 rows)"]
    assert by_balance.problems == ["sorts 12 rows by balance, no index gives that order"]
