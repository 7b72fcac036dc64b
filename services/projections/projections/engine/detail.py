"""The representative path's year-by-year breakdown (DESIGN §6.6 `detail`), under `us`.

The representative path is the one whose final real portfolio is the median (the lower
middle one for an even count). Paths never interact in the kernel, so running that one path
again, recording every flow, gives exactly its numbers in the full run.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .kernel import KernelInputs, KernelOutput
from .returns import ReturnPaths
from .us_inputs import DETAIL_KINDS
from .us_kernel import KIND_NAMES, simulate_us

SCALARS = (
    "income",
    "rmd",
    "roth_conversion",
    "realised_gains",
    "dividends",
    "interest",
    "spending",
    "essential_spending",
    "discretionary_spending",
    "unfunded",
    "debt_payments",
    "contributions",
    "savings",
    "agi",
    "taxable_income",
)
TAXES = ("federal", "state", "payroll", "irmaa")


def representative_path(output: KernelOutput) -> int:
    """Return the path whose final real portfolio is the median (lower middle when even)."""
    final = output.portfolio_real[-1]
    ranked = np.argsort(final, kind="stable")
    return int(ranked[(final.size - 1) // 2])


def _cents(value: float) -> float:
    return round(float(value), 2)


def detail_rows(
    inputs: KernelInputs,
    returns: ReturnPaths,
    output: KernelOutput,
    *,
    first_age: int,
    partner_age: int | None,
    first_year: int,
) -> dict[str, Any] | None:
    """Return `detail` for a `us` run: the representative path and its rows; None under flat."""
    if inputs.us is None:
        return None
    path = representative_path(output)
    column = inputs.flows.column
    one = dataclasses.replace(
        inputs,
        flows=dataclasses.replace(
            inputs.flows, column=None if column is None else column[path : path + 1]
        ),
    )
    single = ReturnPaths(
        stock=returns.stock[path : path + 1],
        bond=returns.bond[path : path + 1],
        inflation=returns.inflation[path : path + 1],
    )
    rec = simulate_us(one, single, record=True).record
    assert rec is not None
    rows: list[dict[str, Any]] = []
    kinds = list(KIND_NAMES.values())
    for t in range(inputs.years):
        row: dict[str, Any] = {
            "age": first_age + t,
            "partner_age": None if partner_age is None else partner_age + t,
            "year": first_year + t,
            "incomes": {
                kind: _cents(rec["incomes"][t, i, 0]) for i, kind in enumerate(DETAIL_KINDS)
            },
            "withdrawals": {
                kind: _cents(rec["withdrawals"][t, i, 0]) for i, kind in enumerate(kinds)
            },
            "taxes": {name: _cents(rec[name][t, 0]) for name in TAXES},
            "balances": {kind: _cents(rec["balances"][t, i, 0]) for i, kind in enumerate(kinds)},
        }
        row.update({name: _cents(rec[name][t, 0]) for name in SCALARS})
        rows.append(row)
    return {"path": path, "rows": rows}
