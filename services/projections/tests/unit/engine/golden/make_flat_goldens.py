"""Write the flat kernel's path-for-path outputs on a matrix of plans (issue 17, speed).

Run once, at commit 660a5bc (engine 2.3.0, the flat kernel's year loop in numpy, before it
was compiled), from the worktree root:

    .venv/bin/python services/projections/tests/unit/engine/golden/make_flat_goldens.py

It writes `flat_goldens.npz` beside itself: for each case every per-path series of the
KernelOutput and of its spending Outcome. The compiled year must reproduce them bit for
bit (test_flat_goldens.py). Do not re-run it on a later engine: the file is a record of the
numpy kernel.
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
from projections.engine.kernel import KernelInputs, KernelOutput, simulate
from projections.engine.returns import ReturnPaths
from projections.engine.strategies import STRATEGIES

OUT = Path(__file__).resolve().parent / "flat_goldens.npz"
PATHS = 24
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
    "home_sale_gains",
)
OUTCOME = ("discretionary", "unfunded_real", "years_short", "adjusted", "deepest_cut")


def _with(plan: dict[str, Any], **assumptions: Any) -> dict[str, Any]:
    out = copy.deepcopy(plan)
    out["assumptions"].update(assumptions)
    return out


def cases() -> dict[str, dict[str, Any]]:
    """Return the plans: single and couple under every strategy, every mode, sales, failures.

    The bench plans carry contributions (three accounts) and a mortgage (a debt); the couple
    has stochastic lifespans, the single plan fixed ones.
    """
    plans: dict[str, dict[str, Any]] = {}
    for strategy in STRATEGIES:
        plans[f"single_{strategy}"] = bench_plan("monte_carlo", strategy, PATHS)
        plans[f"couple_{strategy}"] = couple_plan(strategy, PATHS)
    # Historical mode runs every start year (88 paths whatever PATHS is): two cases only.
    plans["historical_fixed_real"] = bench_plan("historical", "fixed_real", PATHS)
    for strategy in ("needs", "fixed_real", "guardrails"):
        plans[f"deterministic_{strategy}"] = bench_plan("deterministic", strategy, PATHS)
    for mode in ("historical", "deterministic"):
        plans[f"{mode}_couple_vpw"] = _with(couple_plan("vpw", PATHS), mode=mode)
    plans["single_stochastic_floor_ceiling"] = _with(
        bench_plan("monte_carlo", "floor_ceiling", PATHS), longevity="stochastic"
    )
    plans["couple_fixed_guardrails"] = _with(couple_plan("guardrails", PATHS), longevity="fixed")
    sale = bench_plan("monte_carlo", "guardrails", PATHS)
    sale["assets"][4]["sell_age"] = 70  # above the §121 exclusion on some paths
    sale["assets"][4]["cost_basis"] = "100000.00"
    plans["single_home_sale_guardrails"] = sale
    couple_sale = couple_plan("fixed_real", PATHS)
    couple_sale["assets"][4]["sell_age"] = 75
    couple_sale["assets"][4]["cost_basis"] = "150000.00"
    plans["couple_home_sale_fixed_real"] = couple_sale
    for strategy in ("needs", "fixed_percentage"):
        failing = bench_plan("monte_carlo", strategy, PATHS)
        failing["expenses"][0]["amount"] = "90000.00"
        plans[f"single_failing_{strategy}"] = failing
    failing_couple = couple_plan("guardrails", PATHS)
    failing_couple["expenses"][0]["amount"] = "140000.00"
    plans["couple_failing_guardrails"] = failing_couple
    plans["couple_conversions_flat"] = us_plan(PATHS, "flat")
    plans["single_one_path"] = _with(bench_plan("deterministic", "needs", 1), longevity="fixed")
    return plans


def prepared(plan: dict[str, Any]) -> tuple[KernelInputs, ReturnPaths]:
    """Return a plan's kernel inputs and return matrices."""
    ready = prepare(plan, today=BENCH_TODAY)
    return kernel_inputs(ready.plan, ready.household, ready.lives), ready.returns


def arrays_of(out: KernelOutput) -> dict[str, np.ndarray]:
    """Return every per-path series of a kernel output (flattened into one dict)."""
    arrays: dict[str, np.ndarray] = {}
    for name in SERIES:
        value = getattr(out, name)
        if value is not None:
            arrays[name] = np.asarray(value)
    assert out.outcome is not None
    for name in OUTCOME:
        arrays[f"outcome.{name}"] = np.asarray(getattr(out.outcome, name))
    return arrays


def outputs(plan: dict[str, Any]) -> dict[str, np.ndarray]:
    """Return every per-path series of the flat kernel on a plan."""
    inputs, returns = prepared(plan)
    assert inputs.us is None
    return arrays_of(simulate(inputs, returns))


def main() -> None:
    """Write the goldens with the commit they came from."""
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    flat: dict[str, Any] = {}
    plans = cases()
    for name, plan in plans.items():
        for key, value in outputs(plan).items():
            flat[f"{name}/{key}"] = value
    flat["meta"] = np.array(json.dumps({"commit": commit, "cases": sorted(plans)}))
    np.savez_compressed(OUT, **flat)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes) from {commit}")


if __name__ == "__main__":
    main()
