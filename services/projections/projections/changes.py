"""Stored results by change counters (issue 19; nestegg_common.input_changes).

Accounts and ledger announce each user's new change counter (profile version, ledger counter)
before the write that raised it commits; this service keeps the highest it was told, or read
with the inputs themselves, in `input_changes`. A run is tagged with the counters its inputs
were read with (`inputs_version`, with the day and code); a cached run is the one query below,
which recomputes that tag from the known counters, so no call to accounts or ledger is made.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

import asyncpg

from nestegg_common.db import Connection
from nestegg_common.erasure import guard_user_write
from nestegg_common.input_changes import InputChange
from projections.stored import code_identity, inputs_version

Row = asyncpg.Record

# Raise a user's counters, never lower them (greatest() ignores the NULL of the other source):
# announcements and reads may arrive in any order, and a lower value is an older one.
RECORD = """
INSERT INTO input_changes (user_id, profile_changes, ledger_changes) VALUES ($1, $2, $3)
ON CONFLICT (user_id) DO UPDATE
SET profile_changes = greatest(input_changes.profile_changes, EXCLUDED.profile_changes),
    ledger_changes = greatest(input_changes.ledger_changes, EXCLUDED.ledger_changes),
    updated_at = clock_timestamp()
WHERE input_changes.profile_changes IS DISTINCT FROM
        greatest(input_changes.profile_changes, EXCLUDED.profile_changes)
   OR input_changes.ledger_changes IS DISTINCT FROM
        greatest(input_changes.ledger_changes, EXCLUDED.ledger_changes)
"""
ERASE = "DELETE FROM input_changes WHERE user_id = $1"

# The cached run: made from the user's known counters (the tag `changes_version` gives, with
# the day and code in $4), from the projection and scenario at their current versions. An
# unknown counter (NULL) makes the tag NULL: nothing matches, and the run reads its inputs.
CURRENT_RUN_JSON = """
SELECT r.id, r.projection_id, r.scenario_id, r.created_at,
       coalesce(r.result_text, r.result::text) AS result_json
FROM input_changes c
JOIN runs r ON r.user_id = c.user_id
JOIN projections p ON p.id = r.projection_id AND p.version = r.projection_version
LEFT JOIN scenarios s ON s.id = r.scenario_id
WHERE c.user_id = $1 AND r.projection_id = $2 AND r.scenario_id IS NOT DISTINCT FROM $3
  AND r.inputs_version = encode(sha256(convert_to(
        'changes profile ' || c.profile_changes || ' ledger ' || c.ledger_changes || $4,
        'UTF8')), 'hex')
  AND (r.scenario_id IS NULL OR s.version = r.scenario_version)
ORDER BY r.created_at DESC
LIMIT 1
"""


def changes_version(profile: int, ledger: int) -> str:
    """Return the upstream part of a run's `inputs_version` (CURRENT_RUN_JSON builds the same)."""
    return f"changes profile {profile} ledger {ledger}"


def version_suffix(today: date, historical_path: str | None) -> str:
    """Return what CURRENT_RUN_JSON appends to `changes_version` (as stored.inputs_version)."""
    return f"\n{today.isoformat()}\n{code_identity(historical_path)}"


def run_version(changes: tuple[int, int], today: date, historical_path: str | None) -> str:
    """Return the `inputs_version` a run made from these counters is tagged with."""
    return inputs_version(changes_version(*changes), today, historical_path)


async def record(
    conn: Connection, user_id: uuid.UUID, *, profile: int | None, ledger: int | None
) -> None:
    """Raise the user's known counters to these (an announcement, or read with the inputs).

    Refused (401) for an erased user, whose row would otherwise outlive the erasure.
    """
    async with conn.transaction():
        await guard_user_write(conn, user_id)
        await conn.execute(RECORD, user_id, profile, ledger)


class Announcement(InputChange):
    """An announcement from one of the two services a plan is read from."""

    source: Literal["profile", "ledger"]  # accounts' profile version, ledger's counter


async def announced(
    conn: Connection, user_id: uuid.UUID, source: Literal["profile", "ledger"], counter: int
) -> None:
    """Record an announcement of one source's counter."""
    await record(
        conn,
        user_id,
        profile=counter if source == "profile" else None,
        ledger=counter if source == "ledger" else None,
    )


async def find_current_run_json(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    scenario_id: uuid.UUID | None,
    today: date,
    historical_path: str | None,
) -> Row | None:
    """Return the stored run made from the user's known counters, if it is still current."""
    row: Row | None = await conn.fetchrow(
        CURRENT_RUN_JSON,
        user_id,
        projection_id,
        scenario_id,
        version_suffix(today, historical_path),
    )
    return row


async def erase(conn: Connection, user_id: uuid.UUID) -> None:
    """Delete the user's counters (erasure)."""
    await conn.execute(ERASE, user_id)
