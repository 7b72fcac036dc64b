"""Solve for the earliest retirement age or the highest spending that reaches a success rate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

from .api import Prepared, evaluate, hash_inputs, prepare, summarise
from .plan import Plan
from .returns import HistoricalSeries
from .strategies import FIXED_PERCENTAGE
from .version import ENGINE_VERSION

Target = Literal["retirement_age", "annual_spending"]
SPENDING_STEP = 100
# Spending searches stop here: beyond a billion a year the question is not a retirement plan.
MAX_SPENDING_STEPS = 10_000_000


def _with_retirement_age(plan: Plan, age: int) -> Plan:
    """Return the plan with another retirement age."""
    return plan.model_copy(
        update={"profile": plan.profile.model_copy(update={"retirement_age": age})}
    )


def _lowest_passing(lo: int, hi: int, passes: Callable[[int], bool]) -> int | None:
    """Return the lowest integer in [lo, hi] that passes, assuming passing is monotone upwards."""
    if not passes(hi):
        return None
    if passes(lo):
        return lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if passes(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _highest_passing(passes: Callable[[int], bool], start: int) -> int | None:
    """Return the highest integer >= 0 that passes, assuming passing is monotone downwards."""
    if not passes(0):
        return None
    lo, hi = 0, max(1, start)
    while passes(hi):
        lo, hi = hi, hi * 2
        if hi > MAX_SPENDING_STEPS:
            return lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if passes(mid):
            lo = mid
        else:
            hi = mid
    return lo


def _spending_guess(prepared: Prepared) -> int:
    """Return a first bracket for the spending search: 4% of liquid assets, in steps."""
    liquid = sum(
        float(a.balance) for a in prepared.plan.assets if a.kind not in ("real_estate", "other")
    )
    return int(0.04 * liquid) // SPENDING_STEP + 1


def solve(
    plan: Plan | Mapping[str, Any],
    *,
    target: Target,
    success_rate: float,
    today: date | None = None,
    historical_path: str | Path | None = None,
    historical: HistoricalSeries | None = None,
) -> dict[str, Any]:
    """Bisect over the one kernel, on the same return matrices, to reach a success rate."""
    if not 0.0 <= success_rate <= 1.0:
        raise ValueError("success_rate must be between 0 and 1")
    prepared = prepare(plan, today=today, historical_path=historical_path, historical=historical)
    base = prepared.plan
    rates: dict[int, float] = {}

    if target == "retirement_age":

        def retires_ok(age: int) -> bool:
            rates[age] = evaluate(prepared, _with_retirement_age(base, age)).success_rate
            return rates[age] >= success_rate

        first = prepared.household.first
        value = _lowest_passing(first.age, first.life_expectancy, retires_ok)
        chosen = None if value is None else _with_retirement_age(base, value)
        spending = None
    elif target == "annual_spending":
        if base.assumptions.withdrawal_strategy == FIXED_PERCENTAGE:
            raise ValueError("fixed_percentage never runs out, so it has no highest spending")

        def spends_ok(steps: int) -> bool:
            output = evaluate(prepared, annual_spending=float(steps * SPENDING_STEP))
            rates[steps] = output.success_rate
            return rates[steps] >= success_rate

        steps = _highest_passing(spends_ok, _spending_guess(prepared))
        value = None if steps is None else steps * SPENDING_STEP
        chosen = base
        spending = None if value is None else float(value)
    else:
        raise ValueError(f"unknown solve target {target!r}")

    found = None if value is None else (value // SPENDING_STEP if spending is not None else value)
    result = None
    if value is not None and chosen is not None:
        output = evaluate(prepared, chosen, annual_spending=spending)
        result = summarise(prepared, output, chosen, annual_spending=spending)
    return {
        "target": target,
        "success_rate": success_rate,
        "value": value,
        "achieved_success_rate": None if found is None else rates[found],
        "evaluations": len(rates),
        "paths": prepared.returns.paths,
        "seed": prepared.seed,
        "inputs_hash": hash_inputs(prepared),
        "engine_version": ENGINE_VERSION,
        "dataset_hash": prepared.dataset_hash,
        "result": result,
    }
