"""libs/common knows no context: no SQL on a service's tables, no list of the services (issue 14).

Each service owns its seed statements (`dbseed.py`), query catalogue (`query_catalog.py`) and
schema notes (`dbdocs.py`); infra/dbservices.py hands them to the mechanisms in
nestegg_common.dbops by direct import. These tests keep it so.

Allowed by contract, and only these: the tables of the mechanisms libs/common itself implements
and every service migrates the same way — `idempotency_keys` and `processed_events`
(nestegg_common.idempotency, nestegg_common.events) and `erased_users` (nestegg_common.erasure).
What the contexts share otherwise (tokens issued by accounts, the outbox's event types) is
vocabulary, not SQL on accounts' tables: libs/common names no table of accounts, ledger or
projections and no service by a quoted name.
"""

from __future__ import annotations

import re
from pathlib import Path

from dbservices import DATABASES
from devcluster import SERVICES

ROOT = Path(__file__).resolve().parents[1]
COMMON = ROOT / "libs" / "common" / "nestegg_common"
SHARED_MECHANISM_TABLES = {"idempotency_keys", "processed_events", "erased_users"}
MAX_LINES = 400
_CONSTRUCTED_IMPORT = re.compile(r"\b(?:import_module|__import__)\s*\(\s*(?!['\"]\w)")
_CREATE_TABLE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", re.IGNORECASE)


def service_tables(root: Path = ROOT) -> set[str]:
    """Return every table the services' migrations create (SQL and Python migrations)."""
    tables: set[str] = set()
    for path in sorted((root / "services").glob("*/migrations/*")):
        if path.suffix in (".sql", ".py") and ".rollback." not in path.name:
            tables.update(name.lower() for name in _CREATE_TABLE.findall(path.read_text()))
    return tables


def context_violations(package: Path, tables: set[str], services: tuple[str, ...]) -> list[str]:
    """Return each line of the package that names a service's table in SQL or a service."""
    named = "|".join(sorted(tables - SHARED_MECHANISM_TABLES))
    sql_on_table = re.compile(rf"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+({named})\b", re.IGNORECASE)
    names = "|".join(services)
    quoted_service = re.compile(rf"[\"']({names})[\"']")
    found = []
    for path in sorted(package.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for pattern, what in (
                (sql_on_table, "SQL on a service's table"),
                (quoted_service, "a service named"),
                (_CONSTRUCTED_IMPORT, "an import by constructed name"),
            ):
                if pattern.search(line):
                    where = path.relative_to(package.parent)
                    found.append(f"{where}:{number}: {what}: {line.strip()}")
    return found


def long_modules(*folders: Path) -> list[str]:
    """Return each module of the folders over MAX_LINES lines, with its length."""
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            lines = len(path.read_text().splitlines())
            if lines > MAX_LINES:
                found.append(f"{path.relative_to(ROOT)}: {lines} lines")
    return found


def test_the_table_list_is_read_from_the_migrations() -> None:
    tables = service_tables()
    assert {"users", "refresh_tokens", "outbox", "assets", "runs", "scenarios"} <= tables
    assert tables >= SHARED_MECHANISM_TABLES


def test_libs_common_holds_no_sql_on_a_service_table_and_no_list_of_services() -> None:
    found = context_violations(COMMON, service_tables(), SERVICES)
    assert not found, "libs/common knows a context:\n" + "\n".join(found)


def constructed_imports(folder: Path) -> list[str]:
    """Return each line of the folder's modules importing a module by a computed name."""
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(folder.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if _CONSTRUCTED_IMPORT.search(line)
    ]


def test_infra_hands_services_over_by_direct_import() -> None:
    found = constructed_imports(ROOT / "infra")
    assert not found, "import by constructed name (list it in infra/dbservices.py):\n" + "\n".join(
        found
    )


def test_the_registry_lists_every_deployed_service_once() -> None:
    assert tuple(database.name for database in DATABASES) == SERVICES


def test_no_module_in_libs_common_or_infra_exceeds_the_size_rule() -> None:
    found = long_modules(COMMON, ROOT / "infra")
    assert not found, f"modules over ~{MAX_LINES} lines (split them by concern):\n" + "\n".join(
        found
    )
