"""The earliest-retirement-age search (age_search.py) against brute force, and its cost."""

from __future__ import annotations

import importlib
import math
from typing import Any

import pytest

from projections.engine.age_search import lowest_passing_age
from projections.engine.api import evaluate
from projections.engine.bench import BENCH_TODAY, bench_plan
from projections.engine.solve import LOOKBELOW_AGES, solve

solve_module = importlib.import_module("projections.engine.solve")
TARGETS = (0.0, 0.05, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0)


def _logistic(centre: float, scale: float, top: float = 1.0) -> list[float]:
    """Success by age 30..95 rising as a logistic curve to `top`, rounded like 2,000 paths."""
    return [
        round(top / (1.0 + math.exp((centre - age) / scale)) * 2_000) / 2_000
        for age in range(30, 96)
    ]


MONOTONE = {
    "steep": _logistic(55, 2),
    "shallow": _logistic(70, 8),
    "early": _logistic(28, 3),
    "late": _logistic(90, 3),
    "plateau below 1": _logistic(60, 4, top=0.916),
    "staircase": [min(1.0, max(0.0, (age - 50) // 5 / 6)) for age in range(30, 96)],
}


@pytest.mark.parametrize("name", list(MONOTONE))
def test_from_every_start_the_search_finds_the_lowest_passing_age(name: str) -> None:
    curve = MONOTONE[name]
    for target in TARGETS:
        passing = [age for age in range(30, 96) if curve[age - 30] >= target]
        for lookbelow in (0, LOOKBELOW_AGES):
            for start in range(25, 100):
                found = lowest_passing_age(
                    30, 95, lambda age: curve[age - 30], target, lookbelow, start
                )
                assert found == (min(passing) if passing else None), (target, lookbelow, start)


def test_where_success_is_not_monotone_the_answer_keeps_the_contract() -> None:
    # A couple's fixed_real curve (2,000 paths): a jump, a dip and a fall towards the top.
    rising = [0.024, 0.092, 0.19, 0.31, 0.431, 0.524, 0.595, 0.646, 0.685, 0.694, 0.876, 0.882]
    top = [0.894, 0.902, 0.904, 0.906, 0.91, 0.91, 0.918, 0.922, 0.923, 0.919, 0.925, 0.925]
    curve = rising + top + [0.925, 0.926, 0.927, 0.923, 0.923, 0.923, 0.923, 0.921, 0.92, 0.92]
    last = 57 + len(curve) - 1
    for target in (0.5, 0.9, 0.91, 0.92, 0.923, 0.925, 0.927):
        for start in range(57, last + 1):
            found = lowest_passing_age(
                57, last, lambda age: curve[age - 57], target, LOOKBELOW_AGES, start
            )
            if curve[-1] < target:
                assert found is None  # never retiring misses it: null, as documented
                continue
            passing = [age for age in range(57, last + 1) if curve[age - 57] >= target]
            assert found == min(passing), (target, start)


@pytest.mark.parametrize("strategy", ["fixed_real", "guardrails"])
def test_a_rate_strategy_age_solve_costs_few_runs(strategy: str, monkeypatch: Any) -> None:
    # Issue 17: solve ≤ 4 × one run. Bisection over [30, 95] tried 9 ages on the bench plan,
    # every one on every path; from the plan's age 65, at most 7 are tried, the look-below
    # ones screened on the failing paths around them: under 6.5 runs' paths.
    plan = bench_plan("monte_carlo", strategy, 2_000)
    run: list[int] = []

    def counted(prepared: Any, *args: Any, **kwargs: Any) -> Any:
        run.append(prepared.returns.paths)
        return evaluate(prepared, *args, **kwargs)

    monkeypatch.setattr(solve_module, "evaluate", counted)
    answer = solve(plan, target="retirement_age", success_rate=0.9, today=BENCH_TODAY)
    assert answer["evaluations"] <= 7
    assert sum(run) <= 6.5 * 2_000
    assert answer["value"] in (57, 72)  # the brute-force answers (test_solve_screening.py)
