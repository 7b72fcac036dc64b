"""Summarise kernel output into the result JSON of DESIGN §6 and hash the inputs."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from .kernel import FloatArray, KernelOutput

PERCENTILES = (10, 25, 50, 75, 90)
PERCENTILE_KEYS = tuple(f"p{q}" for q in PERCENTILES)
MONEY_FIELDS = ("portfolio", "portfolio_real", "income", "spending", "withdrawals", "taxes")


def canonical_json(value: Any) -> str:
    """Serialise a JSON value one way only: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def inputs_hash(inputs: dict[str, Any]) -> str:
    """Return the sha256 of the canonical JSON of the inputs."""
    return hashlib.sha256(canonical_json(inputs).encode("utf-8")).hexdigest()


def _percentile_rows(values: FloatArray) -> list[dict[str, float]]:
    """Return one {p10..p90} object per row of a (rows, paths) array, rounded to cents."""
    low, high = values.min(axis=1), values.max(axis=1)
    table = np.repeat(low[None, :], len(PERCENTILES), axis=0)
    varying = np.flatnonzero(low != high)
    # Selection is the costly part; rows equal on every path (before retirement, say) skip it.
    if varying.size:
        table[:, varying] = np.percentile(values[varying], PERCENTILES, axis=1)
    table = table.round(2)
    return [
        dict(zip(PERCENTILE_KEYS, (float(v) for v in column), strict=True)) for column in table.T
    ]


def depletion_ages(output: KernelOutput, first_age: int) -> dict[str, float]:
    """Return {age: share of all paths whose first failure falls in that age's year}."""
    failed_rows = output.depletion_index[output.depletion_index >= 0]
    rows, counts = np.unique(failed_rows, return_counts=True)
    total = output.failed.size
    return {str(first_age + int(r)): int(c) / total for r, c in zip(rows, counts, strict=True)}


def build_result(
    output: KernelOutput,
    *,
    first_age: int,
    first_year: int,
    seed: int | None,
    inputs_digest: str,
    engine_version: str,
    dataset_hash: str | None,
) -> dict[str, Any]:
    """Build the result object in DESIGN §6's exact shape."""
    columns = {name: _percentile_rows(getattr(output, name)) for name in MONEY_FIELDS}
    rows = len(output.debt)
    years: list[dict[str, Any]] = []
    for t in range(rows):
        debt = round(float(output.debt[t]), 2)
        row: dict[str, Any] = {"age": first_age + t, "year": first_year + t}
        row.update({name: columns[name][t] for name in MONEY_FIELDS})
        row["debt"] = dict.fromkeys(PERCENTILE_KEYS, debt)
        years.append(row)
    return {
        "success_rate": output.success_rate,
        "paths": int(output.failed.size),
        "seed": seed,
        "inputs_hash": inputs_digest,
        "engine_version": engine_version,
        "dataset_hash": dataset_hash,
        "depletion_ages": depletion_ages(output, first_age),
        "years": years,
    }
