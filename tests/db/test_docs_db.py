"""`make docs-db`: the committed docs/DATABASE.md is what the schema generates."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from databasedoc import FRAME
from dbservices import DATABASES

from nestegg_common import metrics, settings
from nestegg_common.dbops import schemadoc, schemaread, schemarender
from nestegg_common.dbops.schemamodel import (
    Example,
    SchemaDocError,
    SchemaNotes,
    ServiceDatabase,
    ServiceSchema,
)
from nestegg_common.dbops.scratch import scratch_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generated(pg_server_url: str) -> str:
    return schemadoc.generate(
        DATABASES, FRAME, lambda label: scratch_database(pg_server_url, label)
    )


def test_the_committed_database_doc_is_what_make_docs_db_generates(generated: str) -> None:
    committed = (ROOT / schemadoc.OUTPUT).read_text()
    if committed != generated:
        diff = "\n".join(list(schemadoc.iter_differences(committed, generated))[:60])
        pytest.fail(
            f"{schemadoc.OUTPUT} is out of date with the migrations, the query catalogs, the "
            f"services' dbdocs.py or infra/databasedoc.py: run `make docs-db` and commit "
            f"the result.\n{diff}",
            pytrace=False,
        )


def test_the_doc_covers_every_table_index_and_cross_reference(generated: str) -> None:
    for table in ("users", "refresh_tokens", "assets", "expenses", "runs", "scenarios"):
        assert f"#### `{table}`" in generated
    assert generated.count("```mermaid\nerDiagram") == 3
    assert '    users ||--o| profiles : "user_id"' in generated  # 1:1 from a PK that is an FK
    assert '    projections ||--o{ runs : "projection_id"' in generated
    assert '    scenarios |o--o{ runs : "scenario_id"' in generated  # nullable: baseline runs
    assert "| `refresh_tokens_user_issued_idx` |" in generated
    assert "`refresh_tokens.sessions`" in generated  # an index's catalog query, from EXPLAIN
    assert "| `ledger.assets.user_id` | `accounts.users.id` | no (another database) |" in generated
    assert "make break-lock SERVICE=<service>" in generated
    assert "NESTEGG_DB_POOL_MAX" in generated and "NESTEGG_SLOW_QUERY_MS" in generated


def test_the_troubleshooting_names_real_settings_and_metrics(generated: str) -> None:
    fields = settings.ServiceSettings.model_fields
    for field in ("db_pool_max", "db_pool_min", "slow_query_ms", "db_command_timeout_s"):
        assert field in fields
        assert f"NESTEGG_{field.upper()}" in generated
    source = Path(metrics.__file__).read_text()
    for name in ("nestegg_db_pool_in_use", "nestegg_db_pool_max", "nestegg_db_slow_queries"):
        assert f'"{name}' in source
        assert name in generated


def test_a_table_or_column_without_a_comment_is_refused(pg_server_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001.notes.sql").write_text(
        "CREATE TABLE notes (id uuid PRIMARY KEY, body text NOT NULL);\n"
        "COMMENT ON TABLE notes IS 'Notes.';\n"
        "COMMENT ON COLUMN notes.id IS 'Note id.';\n"
    )
    (folder / "0001.notes.rollback.sql").write_text("DROP TABLE notes;\n")
    planted = ServiceDatabase("ledger", folder, (), lambda _dsn, _scale: None, SchemaNotes())
    with (
        scratch_database(pg_server_url, "docs_planted") as dsn,
        pytest.raises(SchemaDocError, match=r"no COMMENT on ledger\.notes\.body$"),
    ):
        schemadoc.describe_service(dsn, planted, FRAME)


def test_each_index_is_attributed_to_the_migration_that_made_it(
    pg_server_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001.notes.sql").write_text(
        "CREATE TABLE notes (id uuid PRIMARY KEY, user_id uuid NOT NULL);\n"
        "CREATE INDEX notes_user_idx ON notes (user_id);\n"
    )
    (folder / "0002.notes_by_user.sql").write_text(
        "CREATE INDEX notes_user_id_idx ON notes (user_id, id);\nDROP INDEX notes_user_idx;\n"
    )
    with scratch_database(pg_server_url, "docs_steps") as dsn:
        steps, made_by = schemaread.apply_step_by_step(dsn, folder)
    assert [(s.id, s.added_tables, s.added_indexes, s.dropped_indexes) for s in steps] == [
        ("0001.notes", ("notes",), (), ()),
        ("0002.notes_by_user", (), ("notes_user_id_idx",), ("notes_user_idx",)),
    ]
    assert made_by == {
        "notes_pkey": "0001.notes",
        "notes_user_idx": "0001.notes",
        "notes_user_id_idx": "0002.notes_by_user",
    }


def test_a_note_on_an_index_that_does_not_exist_is_refused() -> None:
    schema = ServiceSchema(
        service="ledger",
        database="nestegg_ledger",
        tables=[],
        indexes=[],
        migrations=[],
        used_by={"assets_pkey": []},
        unindexed=[],
        example_indexes={},
        notes=SchemaNotes(index_notes={"assets_gone_idx": "was here"}),
    )
    with pytest.raises(SchemaDocError, match=r"ledger\.assets_gone_idx"):
        schemarender.render([schema], FRAME)


def test_an_example_that_no_longer_runs_is_refused(pg_server_url: str) -> None:
    broken = SchemaNotes(examples=(Example("Gone", "SELECT balance FROM holdings;"),))
    with (
        scratch_database(pg_server_url, "docs_example") as dsn,
        psycopg.connect(dsn, autocommit=True) as conn,
        pytest.raises(SchemaDocError, match="ledger example 'Gone' fails"),
    ):
        schemadoc.run_examples(conn, "ledger", broken, FRAME)
