"""Reading stored results without recomputing their inputs (issue 19, docs/ARCHITECTURE.md).

A run is stored with what it was made from, by version: the change counters of the profile and
the ledger (read with the inputs; changes.py), the projection's and the scenario's versions
(same row), the day and the code that built the plan and ran the engine. A cached run is one
query against the counters accounts and ledger announced (changes.CURRENT_RUN_JSON), served as
the stored JSON text; any newer version misses, and the run fetches its inputs as before.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cache
from pathlib import Path

import asyncpg
import orjson

from nestegg_common.values import json_timestamp

_PACKAGE = Path(__file__).resolve().parent


@cache
def code_identity(historical_path: str | None) -> str:
    """Return a digest of this service's code and historical data (computed once).

    A deploy that changes how plans are built or run, or the dataset, changes it, so results
    tagged by older code are found by inputs hash again (and re-tagged), never trusted blindly.
    """
    digest = hashlib.sha256()
    # Every file of the package: the code, and the engine's data (tax law, tables, series).
    files = (p for p in _PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in sorted(files):
        digest.update(str(path.relative_to(_PACKAGE)).encode() + b"\0" + path.read_bytes())
    if historical_path:
        digest.update(Path(historical_path).read_bytes())
    return digest.hexdigest()


def inputs_version(upstream_versions: str, today: date, historical_path: str | None) -> str:
    """Return the digest a run's `inputs_version` is stored and looked up by."""
    text = f"{upstream_versions}\n{today.isoformat()}\n{code_identity(historical_path)}"
    return hashlib.sha256(text.encode()).hexdigest()


def stored_run_json(row: asyncpg.Record) -> bytes:
    """Return a stored run as `runs.run_out(row, cached=True)` would show it, without decoding it.

    The result stays the JSON text PostgreSQL holds (a run is 40-200 KB: decoding and encoding
    it again was most of a cached run's CPU); the run's own fields are appended to its object.
    The engine's result never has these keys (tests/integration/test_stored_reads.py).
    """
    own = orjson.dumps(
        {
            "run_id": str(row["id"]),
            "projection_id": str(row["projection_id"]),
            "scenario_id": None if row["scenario_id"] is None else str(row["scenario_id"]),
            "created_at": json_timestamp(row["created_at"]),
            "cached": True,
        }
    )
    result: str = row["result_json"]
    return result.rstrip()[:-1].encode() + b", " + own[1:]
