"""SQL of the projections service: one statement per function, always scoped to one user."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from nestegg_common.db import Connection, json_text

_PROJECTION_COLUMNS = "id, name, assumptions, version, created_at, updated_at"
_SCENARIO_COLUMNS = "id, projection_id, name, overrides, version, created_at, updated_at"
_RUN_COLUMNS = (
    "id, projection_id, scenario_id, inputs_hash, engine_version, dataset_hash, seed, "
    "success_rate, result, created_at"
)

_INSERT_PROJECTION = f"""
INSERT INTO projections (id, user_id, name, assumptions) VALUES ($1, $2, $3, $4)
RETURNING {_PROJECTION_COLUMNS}
"""
_SELECT_PROJECTION = f"SELECT {_PROJECTION_COLUMNS} FROM projections WHERE user_id = $1 AND id = $2"
_LOCK_PROJECTION = _SELECT_PROJECTION + " FOR UPDATE"
_FIRST_PROJECTIONS = f"""
SELECT {_PROJECTION_COLUMNS} FROM projections WHERE user_id = $1
ORDER BY created_at DESC, id DESC LIMIT $2
"""
_NEXT_PROJECTIONS = f"""
SELECT {_PROJECTION_COLUMNS} FROM projections WHERE user_id = $1 AND (created_at, id) < ($2, $3)
ORDER BY created_at DESC, id DESC LIMIT $4
"""
_UPDATE_PROJECTION = f"""
UPDATE projections
SET name = $3, assumptions = $4, version = version + 1, updated_at = clock_timestamp()
WHERE user_id = $1 AND id = $2
RETURNING {_PROJECTION_COLUMNS}
"""
_DELETE_PROJECTION = """
DELETE FROM projections WHERE user_id = $1 AND id = $2 AND ($3::integer IS NULL OR version = $3)
RETURNING id
"""

# Quota counts stop at the quota, so their cost is bounded whatever a user holds.
_COUNT_PROJECTIONS = """
SELECT count(*) FROM (SELECT 1 FROM projections WHERE user_id = $1 LIMIT $2) AS held
"""
_COUNT_SCENARIOS = """
SELECT count(*) FROM (
    SELECT 1 FROM scenarios WHERE user_id = $1 AND projection_id = $2 LIMIT $3
) AS held
"""

_INSERT_SCENARIO = f"""
INSERT INTO scenarios (id, projection_id, user_id, name, overrides) VALUES ($1, $2, $3, $4, $5)
RETURNING {_SCENARIO_COLUMNS}
"""
_SELECT_SCENARIO = f"""
SELECT {_SCENARIO_COLUMNS} FROM scenarios WHERE user_id = $1 AND projection_id = $2 AND id = $3
"""
_LOCK_SCENARIO = _SELECT_SCENARIO + " FOR UPDATE"
_FIRST_SCENARIOS = f"""
SELECT {_SCENARIO_COLUMNS} FROM scenarios WHERE user_id = $1 AND projection_id = $2
ORDER BY created_at DESC, id DESC LIMIT $3
"""
_NEXT_SCENARIOS = f"""
SELECT {_SCENARIO_COLUMNS} FROM scenarios
WHERE user_id = $1 AND projection_id = $2 AND (created_at, id) < ($3, $4)
ORDER BY created_at DESC, id DESC LIMIT $5
"""
_ALL_SCENARIOS = f"""
SELECT {_SCENARIO_COLUMNS} FROM scenarios WHERE user_id = $1 AND projection_id = $2
ORDER BY created_at, id
"""
_UPDATE_SCENARIO = f"""
UPDATE scenarios
SET name = $4, overrides = $5, version = version + 1, updated_at = clock_timestamp()
WHERE user_id = $1 AND projection_id = $2 AND id = $3
RETURNING {_SCENARIO_COLUMNS}
"""
_DELETE_SCENARIO = """
DELETE FROM scenarios
WHERE user_id = $1 AND projection_id = $2 AND id = $3 AND ($4::integer IS NULL OR version = $4)
RETURNING id
"""

_SELECT_RUN = f"""
SELECT {_RUN_COLUMNS} FROM runs
WHERE user_id = $1 AND projection_id = $2 AND scenario_id IS NOT DISTINCT FROM $3
  AND inputs_hash = $4
"""
# A cached run's answer: the result as the JSON text PostgreSQL holds, served without decoding.
_SELECT_RUN_JSON = """
SELECT id, projection_id, scenario_id, created_at,
       coalesce(result_text, result::text) AS result_json
FROM runs
WHERE user_id = $1 AND projection_id = $2 AND scenario_id IS NOT DISTINCT FROM $3
  AND inputs_hash = $4
"""
_TAG_RUN = """
UPDATE runs SET inputs_version = $2, projection_version = $3, scenario_version = $4
WHERE id = $1
"""
_INSERT_RUN = f"""
INSERT INTO runs (id, projection_id, scenario_id, user_id, inputs_hash, engine_version,
                  dataset_hash, seed, success_rate, result, inputs_version, projection_version,
                  scenario_version, result_text)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::jsonb, $11, $12, $13, $10::text)
ON CONFLICT ON CONSTRAINT runs_one_per_inputs DO NOTHING
RETURNING {_RUN_COLUMNS}
"""
# Keep the `$3` newest runs of a projection and, whatever their age, the newest of the baseline
# and of each scenario (PARTITION BY puts the baseline's NULLs together); delete the rest. Run
# after each insert, so it reads at most $3 + scenarios + 1 rows.
_EVICT_OLD_RUNS = """
DELETE FROM runs WHERE id IN (
    SELECT id FROM (
        SELECT id,
               row_number() OVER (ORDER BY created_at DESC, id DESC) AS newest,
               row_number() OVER (
                   PARTITION BY scenario_id ORDER BY created_at DESC, id DESC
               ) AS newest_of_its_scenario
        FROM runs WHERE user_id = $1 AND projection_id = $2
    ) AS ranked
    WHERE newest > $3 AND newest_of_its_scenario > 1
)
"""
_LATEST_RUN = """
SELECT r.id, r.projection_id, r.scenario_id, r.inputs_hash, r.success_rate, r.created_at, p.name
FROM runs r JOIN projections p ON p.id = r.projection_id
WHERE r.user_id = $1
ORDER BY r.created_at DESC
LIMIT 1
"""
_EXPORT_PROJECTIONS = (
    f"SELECT {_PROJECTION_COLUMNS} FROM projections WHERE user_id = $1 ORDER BY created_at, id"
)
_EXPORT_SCENARIOS = (
    f"SELECT {_SCENARIO_COLUMNS} FROM scenarios WHERE user_id = $1 ORDER BY created_at, id"
)
_EXPORT_RUNS = f"SELECT {_RUN_COLUMNS} FROM runs WHERE user_id = $1 ORDER BY created_at, id"

# Scenarios and runs go with their projection (ON DELETE CASCADE).
_ERASE_USER = (
    "DELETE FROM projections WHERE user_id = $1",
    "DELETE FROM idempotency_keys WHERE user_id = $1",
    "DELETE FROM compute_leases WHERE user_id = $1",
)

Row = asyncpg.Record
# (inputs_version, projection_version, scenario_version) of a run; inputs_version None = unknown.
RunVersions = tuple[str | None, int, int | None]
After = tuple[datetime, uuid.UUID] | None


async def insert_projection(
    conn: Connection, *, user_id: uuid.UUID, name: str, assumptions: dict[str, Any]
) -> Row:
    """Insert a projection and return it."""
    row = await conn.fetchrow(_INSERT_PROJECTION, uuid.uuid4(), user_id, name, assumptions)
    assert row is not None  # INSERT … RETURNING yields the row or raises
    return row


async def count_projections(conn: Connection, *, user_id: uuid.UUID, at_most: int) -> int:
    """Return how many projections the user holds, counting at most `at_most`."""
    held: int = await conn.fetchval(_COUNT_PROJECTIONS, user_id, at_most)
    return held


async def count_scenarios(
    conn: Connection, *, user_id: uuid.UUID, projection_id: uuid.UUID, at_most: int
) -> int:
    """Return how many scenarios a projection has, counting at most `at_most`."""
    held: int = await conn.fetchval(_COUNT_SCENARIOS, user_id, projection_id, at_most)
    return held


async def get_projection(
    conn: Connection, *, user_id: uuid.UUID, projection_id: uuid.UUID, lock: bool = False
) -> Row | None:
    """Return the user's projection (locked until the transaction ends when `lock`)."""
    row: Row | None = await conn.fetchrow(
        _LOCK_PROJECTION if lock else _SELECT_PROJECTION, user_id, projection_id
    )
    return row


async def list_projections_page(
    conn: Connection, *, user_id: uuid.UUID, limit: int, after: After
) -> list[Row]:
    """Return up to `limit` projections, newest first, after a position."""
    if after is None:
        return list(await conn.fetch(_FIRST_PROJECTIONS, user_id, limit))
    return list(await conn.fetch(_NEXT_PROJECTIONS, user_id, after[0], after[1], limit))


async def update_projection(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    name: str,
    assumptions: dict[str, Any],
) -> Row | None:
    """Replace name and assumptions and bump the version."""
    row: Row | None = await conn.fetchrow(
        _UPDATE_PROJECTION, user_id, projection_id, name, assumptions
    )
    return row


async def delete_projection(
    conn: Connection, *, user_id: uuid.UUID, projection_id: uuid.UUID, expected_version: int | None
) -> bool:
    """Delete a projection with its scenarios and runs; say whether it went."""
    return (
        await conn.fetchval(_DELETE_PROJECTION, user_id, projection_id, expected_version)
        is not None
    )


async def insert_scenario(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    name: str,
    overrides: dict[str, Any],
) -> Row:
    """Insert a scenario of a projection and return it."""
    row = await conn.fetchrow(
        _INSERT_SCENARIO, uuid.uuid4(), projection_id, user_id, name, overrides
    )
    assert row is not None  # INSERT … RETURNING yields the row or raises
    return row


async def get_scenario(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    scenario_id: uuid.UUID,
    lock: bool = False,
) -> Row | None:
    """Return one scenario of the user's projection."""
    sql = _LOCK_SCENARIO if lock else _SELECT_SCENARIO
    row: Row | None = await conn.fetchrow(sql, user_id, projection_id, scenario_id)
    return row


async def list_scenarios_page(
    conn: Connection, *, user_id: uuid.UUID, projection_id: uuid.UUID, limit: int, after: After
) -> list[Row]:
    """Return up to `limit` scenarios of a projection, newest first, after a position."""
    if after is None:
        return list(await conn.fetch(_FIRST_SCENARIOS, user_id, projection_id, limit))
    return list(
        await conn.fetch(_NEXT_SCENARIOS, user_id, projection_id, after[0], after[1], limit)
    )


async def list_all_scenarios(
    conn: Connection, *, user_id: uuid.UUID, projection_id: uuid.UUID
) -> list[Row]:
    """Return every scenario of a projection, oldest first."""
    return list(await conn.fetch(_ALL_SCENARIOS, user_id, projection_id))


async def update_scenario(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    scenario_id: uuid.UUID,
    name: str,
    overrides: dict[str, Any],
) -> Row | None:
    """Replace name and overrides and bump the version."""
    row: Row | None = await conn.fetchrow(
        _UPDATE_SCENARIO, user_id, projection_id, scenario_id, name, overrides
    )
    return row


async def delete_scenario(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    scenario_id: uuid.UUID,
    expected_version: int | None,
) -> bool:
    """Delete a scenario with its runs; say whether it went."""
    deleted = await conn.fetchval(
        _DELETE_SCENARIO, user_id, projection_id, scenario_id, expected_version
    )
    return deleted is not None


async def find_run(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    scenario_id: uuid.UUID | None,
    inputs_hash: str,
) -> Row | None:
    """Return the stored run of these exact inputs, if any."""
    row: Row | None = await conn.fetchrow(
        _SELECT_RUN, user_id, projection_id, scenario_id, inputs_hash
    )
    return row


async def find_run_json(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    scenario_id: uuid.UUID | None,
    inputs_hash: str,
) -> Row | None:
    """Return the stored run of these inputs with its result as JSON text (`result_json`)."""
    row: Row | None = await conn.fetchrow(
        _SELECT_RUN_JSON, user_id, projection_id, scenario_id, inputs_hash
    )
    return row


async def insert_run(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    scenario_id: uuid.UUID | None,
    result: dict[str, Any],
    versions: RunVersions,
) -> Row | None:
    """Store a result; None when the same inputs were stored meanwhile (a concurrent run)."""
    row: Row | None = await conn.fetchrow(
        _INSERT_RUN,
        uuid.uuid4(),
        projection_id,
        scenario_id,
        user_id,
        result["inputs_hash"],
        result["engine_version"],
        result["dataset_hash"],
        result["seed"],
        result["success_rate"],
        json_text(result),  # stored twice: as jsonb, and as the text cached runs send
        *versions,
    )
    return row


async def tag_run(conn: Connection, *, run_id: uuid.UUID, versions: RunVersions) -> None:
    """Record what versions of its inputs a stored run was (found to be) made from."""
    await conn.execute(_TAG_RUN, run_id, *versions)


async def evict_old_runs(
    conn: Connection, *, user_id: uuid.UUID, projection_id: uuid.UUID, keep: int
) -> int:
    """Delete a projection's runs beyond the `keep` newest, except the newest of each scenario.

    Run in the inserting transaction; return how many went.
    """
    status: str = await conn.execute(_EVICT_OLD_RUNS, user_id, projection_id, keep)
    return int(status.rsplit(" ", 1)[-1])


async def latest_run(conn: Connection, *, user_id: uuid.UUID) -> Row | None:
    """Return the user's most recent run with its projection's name."""
    row: Row | None = await conn.fetchrow(_LATEST_RUN, user_id)
    return row


async def export_rows(conn: Connection, *, user_id: uuid.UUID) -> dict[str, list[Row]]:
    """Return every projection, scenario and run of the user."""
    return {
        "projections": list(await conn.fetch(_EXPORT_PROJECTIONS, user_id)),
        "scenarios": list(await conn.fetch(_EXPORT_SCENARIOS, user_id)),
        "runs": list(await conn.fetch(_EXPORT_RUNS, user_id)),
    }


async def erase_user(conn: Connection, *, user_id: uuid.UUID) -> None:
    """Delete every row the user owns in this database."""
    for statement in _ERASE_USER:
        await conn.execute(statement, user_id)
