"""The solvers screen values on few paths and confirm answers on all (solve._Search)."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from projections.engine.api import evaluate, on_paths, prepare
from projections.engine.bench import BENCH_TODAY, bench_plan, couple_plan, us_plan
from projections.engine.solve import LOOKAHEAD_STEPS, _highest_passing, _Search, _verified, solve

solve_module = importlib.import_module("projections.engine.solve")
PLANS = {
    "single guardrails": lambda: bench_plan("monte_carlo", "guardrails", 1_500),
    "couple stochastic lives": lambda: couple_plan("vpw", 1_500),
    "couple us": lambda: us_plan(300),
    "historical": lambda: bench_plan("historical", "fixed_real", 88),
}


@pytest.mark.parametrize("name", list(PLANS))
def test_a_path_run_on_some_paths_has_its_outcome_on_all_paths(name: str) -> None:
    prepared = prepare(PLANS[name](), today=BENCH_TODAY)
    whole = evaluate(prepared, annual_spending=70_000.0)
    index = np.flatnonzero(np.random.default_rng(3).random(prepared.returns.paths) < 0.3)
    part = evaluate(on_paths(prepared, index), annual_spending=70_000.0)
    assert np.array_equal(part.failed, whole.failed[index])
    assert np.array_equal(part.portfolio, whole.portfolio[:, index])
    assert np.array_equal(part.spending, whole.spending[:, index])


def test_a_spending_solve_on_many_paths_runs_few_of_them(monkeypatch: Any) -> None:
    # Issue 17: solve ≤ 4 × one run. Fourteen values are tried on the bench plan under
    # guardrails; screened on the paths likely to fail, they cost under six runs' paths.
    plan = bench_plan("monte_carlo", "guardrails", 2_000)
    run: list[int] = []

    def counted(prepared: Any, *args: Any, **kwargs: Any) -> Any:
        run.append(prepared.returns.paths)
        return evaluate(prepared, *args, **kwargs)

    monkeypatch.setattr(solve_module, "evaluate", counted)
    answer = solve(plan, target="annual_spending", success_rate=0.9, today=BENCH_TODAY)
    assert answer["evaluations"] >= 10
    assert sum(run) <= 6 * 2_000

    prepared = prepare(plan, today=BENCH_TODAY)

    def rate(spending: int) -> float:
        return evaluate(prepared, annual_spending=float(spending)).success_rate

    value = answer["value"]
    assert rate(value) >= 0.9 == answer["result"]["success_rate"] >= 0.9
    assert all(rate(value + 100 * k) < 0.9 for k in range(1, LOOKAHEAD_STEPS + 1))


def _synthetic(seed: int, paths: int = 1_000) -> tuple[Any, list[int]]:
    """Return a run whose paths fail above a threshold, some also inside a band below it.

    The band paths make success non-monotone: a screen on a higher value's failing paths
    misses them, so values in the band pass tentatively and the confirmation refutes them.
    """
    rng = np.random.default_rng(seed)
    threshold = rng.integers(300, 900, size=paths)
    band = rng.random(paths) < 0.08
    start = rng.integers(350, 600, size=paths)
    width = rng.integers(1, 4, size=paths)

    def failed(value: int) -> np.ndarray:
        inside = band & (value >= start) & (value < start + width)
        return (value > threshold) | inside

    def run(value: int, index: np.ndarray | None) -> Any:
        mask = failed(value) if index is None else failed(value)[index]
        return SimpleNamespace(failed=mask, success_rate=float(np.count_nonzero(~mask)) / mask.size)

    passing = [v for v in range(0, 1_000) if np.count_nonzero(failed(v)) <= 0.3 * paths]
    return run, passing


@pytest.mark.parametrize("seed", range(12))
def test_screened_answers_are_the_contracts_where_success_is_not_monotone(seed: int) -> None:
    run, passing = _synthetic(seed)
    search = _Search(0.7, better=lambda a, b: a > b, run=run, keep=False, paths=1_000, screen=True)
    found = _verified(search, lambda: _highest_passing(search.rate, 0.7, 400, LOOKAHEAD_STEPS))
    assert found == max(passing)
    assert not any(found + k in passing for k in range(1, LOOKAHEAD_STEPS + 1))
    assert search.rates[found] >= 0.7  # confirmed on every path


@pytest.mark.parametrize("strategy", ["needs", "fixed_real", "guardrails"])
def test_a_screened_age_search_gives_the_brute_force_answer(strategy: str) -> None:
    # 1,500 paths: screened (SCREEN_FROM_PATHS); under the rate strategies screens only
    # prove failures (an age below a failing one), so no screened pass is ever refuted.
    plan = bench_plan("monte_carlo", strategy, 1_500)
    prepared = prepare(plan, today=BENCH_TODAY)
    base = prepared.plan

    def rate(age: int) -> float:
        chosen = base.model_copy(
            update={"profile": base.profile.model_copy(update={"retirement_age": age})}
        )
        return evaluate(prepared, chosen).success_rate

    passing = [age for age in range(30, 96) if rate(age) >= 0.9]
    answer = solve(plan, target="retirement_age", success_rate=0.9, today=BENCH_TODAY)
    assert answer["value"] == min(passing)
    assert answer["achieved_success_rate"] == rate(min(passing))
    assert answer["result"]["success_rate"] == answer["achieved_success_rate"]
