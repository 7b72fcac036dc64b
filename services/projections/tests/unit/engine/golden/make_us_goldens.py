"""Write the `us` kernel's path-for-path outputs on a few varied plans (issue 16, speed).

Run once, at commit ad3ed89 (engine 2.2.0, the numpy `us` kernel, before it was compiled),
from the worktree root:

    .venv/bin/python services/projections/tests/unit/engine/golden/make_us_goldens.py

It writes `us_goldens.npz` beside itself: for each case every yearly series of the
KernelOutput (and of the spending Outcome), per path, and for the one-path case the recorded
detail. The compiled kernel must reproduce them (test_us_goldens.py). Do not re-run it on a
later engine: the file is a record of the numpy kernel.
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from projections.engine.api import prepare
from projections.engine.bench import BENCH_TODAY, bench_plan, couple_plan, us_plan
from projections.engine.inputs import kernel_inputs
from projections.engine.kernel import KernelOutput
from projections.engine.us_kernel import simulate_us

OUT = Path(__file__).resolve().parent / "us_goldens.npz"
PATHS = 50
SERIES = (
    "portfolio",
    "portfolio_real",
    "income",
    "spending",
    "withdrawals",
    "taxes",
    "debt",
    "failed",
    "depletion_index",
    "rmd",
    "conversions",
    "home_sale_gains",
)
OUTCOME = ("discretionary", "unfunded_real", "years_short", "adjusted", "deepest_cut")


def _us(plan: dict[str, Any], **assumptions: Any) -> dict[str, Any]:
    out = copy.deepcopy(plan)
    tax = {"regime": "us", **assumptions.pop("tax", {})}
    out["assumptions"].update(assumptions, tax=tax)
    return out


def cases() -> dict[str, dict[str, Any]]:
    """Return the plans: single and couple, every order, conversions, RMDs, sales, a failure."""
    single = bench_plan("monte_carlo", "guardrails", PATHS)
    single["assets"][1]["cost_basis"] = "40000.00"  # a large unrealised gain in taxable
    single["assets"][4]["sell_age"] = 70  # a home sale above the exclusion
    single["assets"][4]["cost_basis"] = "100000.00"
    failing = bench_plan("monte_carlo", "needs", PATHS)
    failing["expenses"][0]["amount"] = "90000.00"
    return {
        "couple_conventional_conversions": us_plan(PATHS),
        "couple_proportional": _us(
            couple_plan("needs", PATHS), withdrawal_order="proportional", tax={"state_rate": 0.04}
        ),
        "couple_bracket_fill_conversions": _us(
            couple_plan("guardrails", PATHS),
            withdrawal_order="bracket_fill",
            fill_bracket=0.22,
            roth_conversion={"up_to_bracket": 0.22, "from_age": 60, "to_age": 74},
        ),
        "single_basis_sale_guardrails": _us(single, dividend_yield=0.03),
        "single_fixed_percentage": _us(bench_plan("monte_carlo", "fixed_percentage", PATHS)),
        "single_rmd_based_bracket_fill": _us(
            bench_plan("monte_carlo", "rmd_based", PATHS), withdrawal_order="bracket_fill"
        ),
        "single_failing_needs": _us(failing),
        "couple_deterministic_detail": _us(
            couple_plan("guardrails", 1),
            mode="deterministic",
            longevity="fixed",
            roth_conversion={"up_to_bracket": 0.12, "from_age": 65, "to_age": 72},
        ),
    }


def outputs(plan: dict[str, Any], *, record: bool) -> dict[str, np.ndarray]:
    """Return every per-path series of the us kernel on a plan (flattened into one dict)."""
    prepared = prepare(plan, today=BENCH_TODAY)
    inputs = kernel_inputs(prepared.plan, prepared.household, prepared.lives)
    out: KernelOutput = simulate_us(inputs, prepared.returns, record=record)
    arrays: dict[str, np.ndarray] = {}
    for name in SERIES:
        value = getattr(out, name)
        if value is not None:
            arrays[name] = np.asarray(value)
    assert out.outcome is not None and out.grossup is not None
    for name in OUTCOME:
        arrays[f"outcome.{name}"] = np.asarray(getattr(out.outcome, name))
    arrays["grossup"] = np.asarray(out.grossup)
    for name, value in (out.record or {}).items():
        arrays[f"record.{name}"] = value
    return arrays


def main() -> None:
    """Write the goldens with the commit they came from."""
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    flat: dict[str, Any] = {}
    plans = cases()
    for name, plan in plans.items():
        for key, value in outputs(plan, record=name.endswith("_detail")).items():
            flat[f"{name}/{key}"] = value
    flat["meta"] = np.array(json.dumps({"commit": commit, "cases": sorted(plans)}))
    np.savez_compressed(OUT, **flat)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes) from {commit}")


if __name__ == "__main__":
    main()
