"""Solve for the earliest retirement age or the highest spending that reaches a success rate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

from .api import Prepared, evaluate, hash_inputs, prepare, summarise
from .plan import Plan
from .returns import HistoricalSeries
from .strategies import FIXED_PERCENTAGE, FIXED_REAL, NEEDS
from .version import ENGINE_VERSION

Target = Literal["retirement_age", "annual_spending"]
SPENDING_STEP = 100
# The spending search's range, [0, $1,000,000,000] a year: beyond it the question is not a
# retirement plan, and a target still reached there is refused rather than answered with
# wherever a search happened to stop.
MAX_SPENDING_STEPS = 10_000_000
# Strategies under which spending more can never save a path (each year's draw grows with the
# spending, so every balance shrinks): success falls monotonically and bisection is exact.
MONOTONE_IN_SPENDING = frozenset({NEEDS, FIXED_REAL})
# Retiring a year later under `needs` swaps a year of draws for a year of pay: success rises.
# Under the rate strategies the first withdrawal is a share of the portfolio at retirement, so
# retiring later into a crash can lower it; the answer has no passing age in the
# LOOKBELOW_AGES ages below it.
MONOTONE_IN_AGE = frozenset({NEEDS})
LOOKBELOW_AGES = 3
# Elsewhere (guardrails: a higher first withdrawal moves every later cut) success may fall
# short and then reach the target again a few hundred dollars higher; the answer is the highest
# passing step with no passing step in the LOOKAHEAD_STEPS steps above it (docs/ENGINE.md).
LOOKAHEAD_STEPS = 5


def _with_retirement_age(plan: Plan, age: int) -> Plan:
    """Return the plan with another retirement age."""
    return plan.model_copy(
        update={"profile": plan.profile.model_copy(update={"retirement_age": age})}
    )


def _lowest_passing(lo: int, hi: int, passes: Callable[[int], bool], lookbelow: int) -> int | None:
    """Return the lowest integer in [lo, hi] that passes with none of the `lookbelow` below it.

    Bisection, then (where passing need not be monotone) the window below the answer is
    tried, moving down whenever one passes.
    """
    if not passes(hi):
        return None
    if passes(lo):
        return lo
    bottom = lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if passes(mid):
            hi = mid
        else:
            lo = mid
    best, age = hi, hi - 1
    while age > bottom and age >= best - lookbelow:
        if passes(age):
            best = age
        age -= 1
    return best


def _bracket(passes: Callable[[int], bool], start: int, resolution: int) -> int:
    """Return a passing step at most `resolution` below a failing one (0 passes).

    Doubling from `start` finds a failing step; bisection then narrows [passing, failing].
    """
    lo, hi = 0, min(max(1, start), MAX_SPENDING_STEPS)
    while passes(hi):
        if hi == MAX_SPENDING_STEPS:
            raise ValueError(
                "success_rate: annual spending of "
                f"{MAX_SPENDING_STEPS * SPENDING_STEP:,} a year still reaches it; the solver "
                "searches no higher"
            )
        lo, hi = hi, min(hi * 2, MAX_SPENDING_STEPS)
    while hi - lo > resolution:
        mid = (lo + hi) // 2
        if passes(mid):
            lo = mid
        else:
            hi = mid
    return lo


def _highest_passing(passes: Callable[[int], bool], start: int, lookahead: int) -> int | None:
    """Return the highest passing step with no passing step in the `lookahead` steps above it.

    With `lookahead` 1 this is bisection (exact when passing is monotone). Otherwise the
    bisection stops within `lookahead` steps of a failing step and every step of the window
    above the best so far is tried, moving up whenever one passes.
    """
    if not passes(0):
        return None
    best = _bracket(passes, start, lookahead)
    step = best + 1
    while step <= best + lookahead:
        if passes(step):
            best = step
        step += 1
    return best


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
        raise ValueError("success_rate: must be between 0 and 1")
    prepared = prepare(plan, today=today, historical_path=historical_path, historical=historical)
    base = prepared.plan
    rates: dict[int, float] = {}

    if target == "retirement_age":

        def retires_ok(age: int) -> bool:
            if age not in rates:  # the look-below revisits ages the bisection tried
                rates[age] = evaluate(prepared, _with_retirement_age(base, age)).success_rate
            return rates[age] >= success_rate

        first = prepared.household.first
        monotone = base.assumptions.withdrawal_strategy in MONOTONE_IN_AGE
        lookbelow = 0 if monotone else LOOKBELOW_AGES
        value = _lowest_passing(first.age, first.life_expectancy, retires_ok, lookbelow)
        chosen = None if value is None else _with_retirement_age(base, value)
        spending = None
    elif target == "annual_spending":
        strategy = base.assumptions.withdrawal_strategy
        if strategy == FIXED_PERCENTAGE:
            raise ValueError("fixed_percentage never runs out, so it has no highest spending")
        if success_rate == 0.0:
            raise ValueError(
                "success_rate: must be above 0 to solve for annual_spending (every spending "
                "reaches 0 %, so none is the highest)"
            )

        def spends_ok(steps: int) -> bool:
            if steps not in rates:  # the look-ahead revisits steps the bisection tried
                output = evaluate(prepared, annual_spending=float(steps * SPENDING_STEP))
                rates[steps] = output.success_rate
            return rates[steps] >= success_rate

        lookahead = 1 if strategy in MONOTONE_IN_SPENDING else LOOKAHEAD_STEPS
        steps = _highest_passing(spends_ok, _spending_guess(prepared), lookahead)
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
