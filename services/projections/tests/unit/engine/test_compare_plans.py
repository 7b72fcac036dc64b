"""compare_plans: several plans on return paths prepared once per returns key, answering each
plan's compared figures — those its whole result (run_projection, build_result) has."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from projections.engine import api, run_projection
from projections.engine.bench import BENCH_TODAY, couple_plan, us_plan
from projections.engine.compare import FIGURES, compare_plans, grouped, result_figures
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


def separately(plans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return each plan's figures as its own whole result has them.

    An independent path: one sort of every money field per row, percentiles read off it.
    """
    return [result_figures(run_projection(plan, today=BENCH_TODAY)) for plan in plans]


def test_each_plans_figures_are_exactly_those_of_a_separate_run() -> None:
    plans = scenarios(SHARING | OWN_PATHS)  # stochastic lifespans: medians over the living
    compared = compare_plans(plans, today=BENCH_TODAY)
    assert compared == separately(plans)
    assert all(tuple(figures) == FIGURES for figures in compared)
    assert len({r["success_rate"] for r in compared}) > 3  # the scenarios really differ
    assert any(r["depletion_ages"] for r in compared)


@pytest.mark.parametrize("paths", [1, 2, 301, 1000])
def test_figures_under_fixed_lifespans_and_odd_path_counts_are_a_runs(paths: int) -> None:
    base = couple_plan("guardrails", paths)
    base["assumptions"]["longevity"] = "fixed"
    plans = [base]
    for change in SHARING.values():
        plan = copy.deepcopy(base)
        change(plan)
        plans.append(plan)
    assert compare_plans(plans, today=BENCH_TODAY) == separately(plans)


def test_figures_of_us_and_historical_plans_are_a_runs() -> None:
    us = us_plan(300)
    historical = couple_plan("needs", 1)
    historical["assumptions"].update(mode="historical", longevity="fixed")
    plans = [us, historical, *scenarios(SHARING)[1:3]]
    assert compare_plans(plans, today=BENCH_TODAY) == separately(plans)


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
    assert len(compared[1]["ages"]) == len(compared[0]["ages"]) + 6
    assert compared == separately([base, longer, later])


def test_plans_without_a_seed_share_one_drawn_seed() -> None:
    # The same plan twice: with one seed drawn for both, the same figures; with a seed each,
    # 200 paths of random lifespans and markets would differ.
    plans = [scenarios(SHARING)[0]] * 2 + scenarios(OWN_PATHS)[1:2]
    for plan in plans:
        plan["assumptions"].pop("seed", None)
    first, again, own = compare_plans(plans, today=BENCH_TODAY)
    assert first == again
    assert own != first  # another group, the same drawn seed: figures of its own


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
