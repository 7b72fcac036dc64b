"""Summarise kernel output into the result JSON of DESIGN §6 and hash the inputs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
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


# numpy's `linear` percentile (Hyndman & Fan's type 7), computed as np.percentile does: the
# virtual index (n - 1) × q between two order statistics, and numpy's _lerp between them.
_QUANTILES = np.true_divide(np.asarray(PERCENTILES, dtype=np.float64), 100)
_MEDIAN = _QUANTILES[PERCENTILES.index(50)]


def _order_points(counts: IntArray, quantiles: FloatArray) -> tuple[IntArray, FloatArray]:
    """Return each (row, quantile)'s lower order statistic (0-based) and the weight of the next."""
    virtual = (counts - 1)[:, None] * quantiles[None, :]
    below = np.floor(virtual)
    return below.astype(np.intp), virtual - below


def _lerp(a: FloatArray, b: FloatArray, gamma: FloatArray) -> FloatArray:
    """Return numpy's interpolation between two order statistics (numpy's `_lerp`).

    a + (b − a)·g, or b − (b − a)·(1 − g) from g = 0.5: the formula np.percentile uses, so the
    figures are its own bit for bit.
    """
    diff = b - a
    out: FloatArray = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def _linear_percentiles(ranked: FloatArray, counts: IntArray) -> FloatArray:
    """Return (rows, len(PERCENTILES)) percentiles of the first `counts[r]` values of each row.

    `ranked` is sorted along axis 1. The same numbers as np.percentile(row[:count],
    PERCENTILES), bit for bit (test_plan_and_result.py compares them), without its partition
    of every row: on sorted rows the order statistics are at known columns, so two column
    reads and numpy's interpolation formula give them.
    """
    low, gamma = _order_points(counts, _QUANTILES)
    a = np.take_along_axis(ranked, low, axis=1)
    b = np.take_along_axis(ranked, np.minimum(low + 1, (counts - 1)[:, None]), axis=1)
    return _lerp(a, b, gamma)


def _percentile_rows(values: FloatArray, alive: BoolArray | None = None) -> list[dict[str, float]]:
    """Return one {p10..p90} object per row of a (rows, paths) array, rounded to cents.

    With `alive` (rows, paths), each row's percentiles are over its alive paths only: the
    others are set to +inf, so one sort puts them last and each row reads its first
    `count` values (values are finite: plans that could overflow are refused).
    """
    rows, paths = values.shape
    counts = np.full(rows, paths, dtype=np.int64)
    if alive is None:
        ranked = values.copy()
    else:
        ranked = np.where(alive, values, np.inf)  # the copy the sort below works in
        counts = np.count_nonzero(alive, axis=1)
    # One vectorised sort of every row, then the percentiles read off the sorted rows: numpy's
    # partition along a row is not vectorised, and np.percentile partitions even sorted rows
    # (half a summary's time). Rows equal on every path (before retirement, a field that is
    # zero throughout) sort in a fiftieth of the time, so singling them out does not pay.
    ranked.sort(axis=1)
    table = _linear_percentiles(ranked, counts).round(2)
    return [dict(zip(PERCENTILE_KEYS, (float(v) for v in row), strict=True)) for row in table]


def row_medians(
    fields: Sequence[FloatArray], counted: BoolArray | None = None
) -> list[list[float]]:
    """Return each field's rows' p50 over the counted paths, rounded to cents.

    The p50 `_percentile_rows` gives, bit for bit, for a compare that needs only the medians
    of a field or two: instead of sorting each row, one selection puts the lower order
    statistic in place (partition with one kth: a fourth of a sort's time; with two kths
    numpy's selection is slower than the sort), the upper one is the least value past it, and
    `_lerp` is applied to the two as to the sorted rows' columns. `fields` are (rows, paths)
    arrays; `counted` (rows, paths) as `counted_paths` gives it, None = every path.
    """
    rows, paths = fields[0].shape
    counts = (
        np.full(rows, paths, dtype=np.int64)
        if counted is None
        else np.count_nonzero(counted, axis=1)
    )
    low, gamma = _order_points(counts, np.asarray([_MEDIAN]))
    high = np.minimum(low[:, 0] + 1, counts - 1)  # as _linear_percentiles: one value = both
    a = np.empty((len(fields), rows))
    b = np.empty((len(fields), rows))
    for f, values in enumerate(fields):
        if counted is None:  # one kth for every row: one vectorised selection
            k = int(low[0, 0])
            chosen = values.copy()
            chosen.partition(k, axis=1)
            a[f] = chosen[:, k]
            b[f] = chosen[:, k + 1 :].min(axis=1) if high[0] > k else a[f]
    if counted is not None:  # a kth per row; each row's paths found once for every field
        for r in range(rows):
            living, k = np.flatnonzero(counted[r]), int(low[r, 0])
            for f, values in enumerate(fields):
                chosen = values[r].take(living)
                chosen.partition(k)
                a[f, r] = chosen[k]
                b[f, r] = chosen[k + 1 :].min() if high[r] > k else chosen[k]
    medians = [
        _lerp(a[f][:, None], b[f][:, None], gamma)[:, 0].round(2) for f in range(len(fields))
    ]
    return [[float(v) for v in field] for field in medians]


def counted_paths(alive: BoolArray | None) -> BoolArray | None:
    """Return which paths each row's percentiles are over: those on which someone is alive.

    `alive` is (rows, paths), or None when every row but the last has everyone alive (fixed
    longevity; None is returned: every path counts). The final row ("what is left") is over
    all paths, as is a row in which nobody is alive on any path.
    """
    if alive is None:
        return None
    counted = alive.copy()
    counted[~alive.any(axis=1)] = True
    counted[-1] = True
    return counted


def alive_paths(output: KernelOutput) -> BoolArray | None:
    """Return (rows, paths): someone is alive at the start of the row; None = fixed lifespans."""
    return None if output.column is None else output.on_paths(output.alive)


def _over_the_living(
    fields: list[FloatArray], alive: BoolArray | None
) -> list[list[dict[str, float]]]:
    """Return each field's rows' percentiles over `counted_paths(alive)`."""
    counted = counted_paths(alive)
    return [_percentile_rows(values, counted) for values in fields]


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


# Historical mode lists every failing start year up to this many, and at least WORST_LEAST.
WORST_MOST, WORST_LEAST = 10, 5


def worst_start_years(
    output: KernelOutput, start_years: tuple[int, ...] | None, first_age: int
) -> list[dict[str, Any]] | None:
    """Return historical mode's worst start years with their paths (cFIREsim's 1966 view).

    Only when each path is one start year (historical returns, fixed longevity); else None.
    Failing start years come first, by earliest depletion age, then the lowest final real
    portfolio, then the earlier start year; every failing one up to WORST_MOST is listed, and
    at least WORST_LEAST (the lowest-ending successes fill up).
    """
    if start_years is None or len(start_years) != output.failed.size:
        return None
    final = output.portfolio_real[-1]
    depleted = output.depletion_index
    # np.lexsort sorts by its last key first: failing, then depletion row, then final, then year.
    order = np.lexsort((np.asarray(start_years), final, depleted, ~output.failed))
    failing = int(np.count_nonzero(output.failed))
    count = min(len(start_years), max(WORST_LEAST, min(failing, WORST_MOST)))
    return [
        {
            "start_year": start_years[p],
            "depleted_at_age": None if depleted[p] < 0 else first_age + int(depleted[p]),
            "final_portfolio_real": round(float(final[p]), 2),
            "portfolio_real": [round(float(v), 2) for v in output.portfolio_real[:, p]],
        }
        for p in (int(i) for i in order[:count])
    ]


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
    start_years: tuple[int, ...] | None = None,
) -> dict[str, Any]:
    """Build the result object in DESIGN §6's shape (`lives`: stochastic lifespans, else None).

    `start_years`: each path's historical start year (historical mode), else None.
    """
    alive = alive_paths(output)
    named: dict[str, FloatArray] = {name: getattr(output, name) for name in MONEY_FIELDS}
    absent = []  # fields the run does not have (the flat regime's RMDs): zero on every row
    for name in SPLIT_FIELDS:
        split = getattr(output.outcome, name, None)
        if split is None:
            absent.append(f"{name}_spending")
        else:
            named[f"{name}_spending"] = split
    for name, attribute in TAX_FIELDS.items():
        values = getattr(output, attribute)
        if values is None:
            absent.append(name)
        else:
            named[name] = values
    columns = dict(zip(named, _over_the_living(list(named.values()), alive), strict=True))
    rows = len(output.debt)
    for name in absent:
        columns[name] = [dict.fromkeys(PERCENTILE_KEYS, 0.0) for _ in range(rows)]
    share = (output.alive if alive is None else alive).mean(axis=1)
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
        "worst_start_years": worst_start_years(
            output, None if lives is not None else start_years, first_age
        ),
    }
