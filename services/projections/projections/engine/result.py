"""Summarise kernel output into the result JSON of DESIGN §6 and hash the inputs."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from .household import Lives
from .kernel import BoolArray, FloatArray, IntArray, KernelOutput

PERCENTILES = (10, 25, 50, 75, 90)
PERCENTILE_KEYS = tuple(f"p{q}" for q in PERCENTILES)
MONEY_FIELDS = ("portfolio", "portfolio_real", "income", "spending", "withdrawals", "taxes")
# Rows' `us` fields: RMDs and Roth conversions (zero under the flat regime).
# Rows' spending split (spending.Outcome): essential_spending, discretionary_spending.
SPLIT_FIELDS = ("essential", "discretionary")
TAX_FIELDS = {"rmd": "rmd", "roth_conversions": "conversions"}


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
        # Sorted first: numpy's sort is vectorised, its partition along a row is not, and the
        # partition np.percentile does on sorted rows is quick — the same numbers, in half
        # the time (a summary is most of a run's time, and of each plan's in a compare).
        ranked = np.sort(values[varying], axis=1)
        table[:, varying] = np.percentile(ranked, PERCENTILES, axis=1)
    table = table.round(2)
    return [
        dict(zip(PERCENTILE_KEYS, (float(v) for v in column), strict=True)) for column in table.T
    ]


def _over_the_living(
    fields: list[FloatArray], alive: BoolArray | None
) -> list[list[dict[str, float]]]:
    """Return each field's rows' percentiles over the paths on which someone is alive.

    `fields` are (rows, paths) arrays; `alive` is (rows, paths), or None when every row but
    the last has everyone alive (fixed longevity). The final row ("what is left") is over all
    paths, as is a row in which nobody is alive on any path. A row with some paths alive
    takes every field in one call (each row's percentiles are its own, so the numbers are
    those of one field at a time, with a tenth of the calls).
    """
    if alive is None:
        return [_percentile_rows(values) for values in fields]
    rows = len(fields[0])
    whole: BoolArray = np.asarray(alive.all(axis=1) | ~alive.any(axis=1))
    whole[-1] = True
    at = np.flatnonzero(whole).tolist()
    found = [dict(zip(at, _percentile_rows(values[whole]), strict=True)) for values in fields]
    for t in np.flatnonzero(~whole).tolist():
        living = alive[t]
        together = np.stack([values[t, living] for values in fields])
        for f, row in enumerate(_percentile_rows(together)):
            found[f][t] = row
    return [[found[f][t] for t in range(rows)] for f in range(len(fields))]


def _percentiles(values: FloatArray) -> dict[str, float] | None:
    """Return {p10..p90} of a 1-D array rounded to cents, or None when it is empty."""
    if values.size == 0:
        return None
    quantiles = np.percentile(values, PERCENTILES)
    return dict(zip(PERCENTILE_KEYS, (round(float(q), 2) for q in quantiles), strict=True))


def adjustment_rate(output: KernelOutput) -> float:
    """Return the share of paths with a year whose discretionary spending is below stated."""
    if output.outcome is None:
        return 0.0
    return float(np.count_nonzero(output.outcome.adjusted)) / output.failed.size


def shortfall(output: KernelOutput) -> dict[str, Any]:
    """Return DESIGN §6.6 `shortfall`: how bad failure and adjustment are.

    Over the failing paths: the essential spending (with debt payments and taxes) left
    unfunded, summed over the years in today's money, and the number of years short; over the
    adjusted paths: the deepest discretionary cut, a fraction of the stated amount.
    """
    out = output.outcome
    if out is None:
        return {
            "failing_paths": 0,
            "unfunded_real": None,
            "years_short": None,
            "adjusted_paths": 0,
            "deepest_cut": None,
        }
    failing = output.failed
    adjusted = out.adjusted
    cut = _percentiles(out.deepest_cut[adjusted])
    return {
        "failing_paths": int(np.count_nonzero(failing)),
        "unfunded_real": _percentiles(out.unfunded_real[failing]),
        "years_short": _percentiles(out.years_short[failing]),
        "adjusted_paths": int(np.count_nonzero(adjusted)),
        "deepest_cut": None if cut is None else {k: round(v, 4) for k, v in cut.items()},
    }


def depletion_ages(output: KernelOutput, first_age: int) -> dict[str, float]:
    """Return {age: share of all paths whose first failure falls in that age's year}."""
    failed_rows = output.depletion_index[output.depletion_index >= 0]
    rows, counts = np.unique(failed_rows, return_counts=True)
    total = output.failed.size
    return {str(first_age + int(r)): int(c) / total for r, c in zip(rows, counts, strict=True)}


def _distribution(values: IntArray) -> dict[str, Any]:
    """Return a death-age distribution: percentiles, the mean and the share at each age."""
    ages, counts = np.unique(values, return_counts=True)
    quantiles = np.percentile(values, PERCENTILES)
    return {
        "percentiles": dict(
            zip(PERCENTILE_KEYS, (round(float(q), 2) for q in quantiles), strict=True)
        ),
        "mean": round(float(values.mean()), 4),
        "shares": {str(int(a)): int(c) / values.size for a, c in zip(ages, counts, strict=True)},
    }


def lifespans(
    output: KernelOutput, lives: Lives | None, people: list[str]
) -> dict[str, Any] | None:
    """Return the `lifespans` section: each person's death age and money outlasting the household.

    A death age is the age of the first year the person is no longer alive (comparable to a
    fixed `life_expectancy`). Failure only counts while someone is alive, so the share of paths
    whose money lasts as long as someone lives is the success rate.
    """
    if lives is None:
        return None
    return {
        "people": [
            {"person": who, "death_age": _distribution(ages)}
            for who, ages in zip(people, lives.death_ages, strict=True)
        ],
        "money_lasts_share": output.success_rate,
    }


def build_result(
    output: KernelOutput,
    *,
    first_age: int,
    partner_age: int | None,
    first_year: int,
    seed: int | None,
    inputs_digest: str,
    engine_version: str,
    dataset_hash: str | None,
    lives: Lives | None = None,
    tax_law: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the result object in DESIGN §6's shape (`lives`: stochastic lifespans, else None)."""
    alive = None if output.column is None else output.on_paths(output.alive)
    named: dict[str, FloatArray] = {name: getattr(output, name) for name in MONEY_FIELDS}
    for name in SPLIT_FIELDS:
        split = getattr(output.outcome, name, None)
        named[f"{name}_spending"] = np.zeros_like(output.spending) if split is None else split
    for name, attribute in TAX_FIELDS.items():
        values = getattr(output, attribute)
        named[name] = np.zeros_like(output.taxes) if values is None else values
    columns = dict(zip(named, _over_the_living(list(named.values()), alive), strict=True))
    share = (output.alive if alive is None else alive).mean(axis=1)
    rows = len(output.debt)
    years: list[dict[str, Any]] = []
    for t in range(rows):
        debt = round(float(output.debt[t]), 2)
        row: dict[str, Any] = {
            "age": first_age + t,
            "partner_age": None if partner_age is None else partner_age + t,
            "year": first_year + t,
            "alive_share": float(share[t]),
        }
        row.update({name: columns[name][t] for name in MONEY_FIELDS})
        row.update({name: columns[name][t] for name in TAX_FIELDS})
        row.update({f"{name}_spending": columns[f"{name}_spending"][t] for name in SPLIT_FIELDS})
        row["debt"] = dict.fromkeys(PERCENTILE_KEYS, debt)
        years.append(row)
    people = ["self", "partner"][: len(lives.death_ages)] if lives is not None else []
    return {
        "success_rate": output.success_rate,
        "adjustment_rate": adjustment_rate(output),
        "paths": int(output.failed.size),
        "seed": seed,
        "inputs_hash": inputs_digest,
        "engine_version": engine_version,
        "dataset_hash": dataset_hash,
        "tax_law": tax_law,
        "depletion_ages": depletion_ages(output, first_age),
        "shortfall": shortfall(output),
        "lifespans": lifespans(output, lives, people),
        "years": years,
        "detail": detail,
    }
