"""compare_plans: several plans on return paths prepared once per returns key."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from projections.engine import api, run_projection
from projections.engine.bench import BENCH_TODAY, couple_plan
from projections.engine.compare import compare_plans, grouped
from projections.engine.plan import Plan

Change = Callable[[dict[str, Any]], None]
# What scenarios change. The first five leave the return paths alone; the last three cannot.
SHARING: dict[str, Change] = {
    "retire at 62": lambda p: p["profile"].update(retirement_age=62),
    "partner lives to 99": lambda p: p["profile"]["partner"].update(life_expectancy=99),
    "spend more": lambda p: p["expenses"].append({"name": "travel", "amount": "5000.00"}),
    "needs": lambda p: p["assumptions"].update(withdrawal_strategy="needs"),
    "flat tax 30 %": lambda p: p["assumptions"].update(income_tax_rate=0.3),
}
OWN_PATHS: dict[str, Change] = {
    "stocks 7 %": lambda p: p["assumptions"].update(stock_return=0.07),
    "more paths": lambda p: p["assumptions"].update(paths=300),
    "fixed longevity": lambda p: p["assumptions"].update(longevity="fixed"),
}


def scenarios(changes: dict[str, Change]) -> list[dict[str, Any]]:
    base = couple_plan("guardrails", 200)  # stochastic lifespans: rows do not follow the LE
    plans = [base]
    for change in changes.values():
        plan = copy.deepcopy(base)
        change(plan)
        plans.append(plan)
    return plans


def test_each_result_is_exactly_a_separate_run_of_that_plan() -> None:
    plans = scenarios(SHARING | OWN_PATHS)
    compared = compare_plans(plans, today=BENCH_TODAY)
    assert compared == [run_projection(plan, today=BENCH_TODAY) for plan in plans]
    assert len({r["success_rate"] for r in compared}) > 3  # the scenarios really differ


def test_plans_that_change_only_flows_share_one_preparation(monkeypatch) -> None:
    prepared = []
    real = api.prepare

    def counting(*args: Any, **kwargs: Any) -> Any:
        prepared.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr("projections.engine.compare.prepare", counting)
    plans = scenarios(SHARING | OWN_PATHS)
    compare_plans(plans, today=BENCH_TODAY)
    valid = [Plan.model_validate(p) for p in plans]
    assert grouped(valid, BENCH_TODAY) == [[0, 1, 2, 3, 4, 5], [6], [7], [8]]
    assert len(prepared) == 4  # one per group, not one per plan


def test_a_shorter_plan_under_fixed_longevity_draws_its_own_paths() -> None:
    base = couple_plan("needs", 100)
    base["assumptions"]["longevity"] = "fixed"
    longer = copy.deepcopy(base)
    longer["profile"]["partner"]["life_expectancy"] = 99  # the plan's length: 44 rows, not 38
    later = copy.deepcopy(base)
    later["profile"]["retirement_age"] = 67
    valid = [Plan.model_validate(p) for p in (base, longer, later)]
    assert grouped(valid, BENCH_TODAY) == [[0, 2], [1]]
    compared = compare_plans([base, longer, later], today=BENCH_TODAY)
    assert len(compared[1]["years"]) == len(compared[0]["years"]) + 6
    assert compared == [run_projection(p, today=BENCH_TODAY) for p in (base, longer, later)]


def test_plans_without_a_seed_share_one_drawn_seed() -> None:
    plans = scenarios(SHARING)
    for plan in plans:
        plan["assumptions"].pop("seed")
    compared = compare_plans(plans, today=BENCH_TODAY)
    assert len({r["seed"] for r in compared}) == 1
    assert compared[0]["seed"] is not None


@pytest.mark.parametrize("count", [31])
def test_thirty_and_more_scenarios_are_one_call(count: int) -> None:
    base = couple_plan("needs", 100)
    plans = []
    for i in range(count + 1):
        plan = copy.deepcopy(base)
        plan["expenses"][0]["amount"] = f"{50_000 + 1_000 * i}.00"
        plans.append(plan)
    compared = compare_plans(plans, today=BENCH_TODAY)
    assert len(compared) == count + 1
    rates = [r["success_rate"] for r in compared]
    assert rates == sorted(rates, reverse=True)  # spending more never helps, on the same paths
