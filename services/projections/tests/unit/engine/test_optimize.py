"""Optimize: claiming ages ranked on shared paths, checked against a hand computation."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from projections.engine import run_projection
from projections.engine.bench import BENCH_TODAY, couple_plan
from projections.engine.optimize import NoCandidates, optimize

TODAY = date(2026, 6, 1)
# Born 2026 − 62 = 1964: full retirement age 67 (SSA, born 1960 or later).
AGE, PLAN_TO, PIA, SPEND, START = 62, 95, 24_000.0, 40_000.0, 1_000_000.0
# SSA's published factors for FRA 67 (ssa.gov/benefits/retirement/planner/agereduction.html
# and delayedret.html): 70 % at 62 … 100 % at 67, then +8 % a year to 124 % at 70.
SSA_FACTOR = {62: 0.70, 63: 0.75, 64: 0.80, 65: 0.8 + 2 / 30, 66: 0.9 + 1 / 30, 67: 1.0}
SSA_FACTOR |= {68: 1.08, 69: 1.16, 70: 1.24}


def single(growth: float) -> dict[str, Any]:
    """Return a retired 62-year-old: one fund growing `growth` a year, a benefit, spending."""
    return {
        "profile": {"current_age": AGE, "retirement_age": AGE, "life_expectancy": PLAN_TO},
        "assets": [
            {"name": "fund", "kind": "taxable", "balance": f"{START:.2f}", "stock_allocation": 1.0}
        ],
        "incomes": [
            {
                "name": "Social Security",
                "kind": "social_security",
                "amount": f"{PIA:.2f}",
                "start_age": 67,
            }
        ],
        "expenses": [{"name": "living", "amount": f"{SPEND:.2f}", "inflation_indexed": False}],
        "assumptions": {
            "mode": "deterministic",
            "stock_return": growth,
            "stock_vol": 0.0,
            "inflation": 0.0,
            "inflation_vol": 0.0,
            "income_tax_rate": 0.0,
            "tax": {"regime": "flat"},
        },
    }


def estate_by_hand(claim: int, growth: float) -> float:
    """B[t+1] = (B[t] + benefit − spending) × (1 + g), ages 62 to 94; the estate is B at 95."""
    balance = START
    for age in range(AGE, PLAN_TO):
        benefit = PIA * SSA_FACTOR[claim] if age >= claim else 0.0
        balance = (balance + benefit - SPEND) * (1.0 + growth)
    return balance


@pytest.mark.parametrize("growth", [0.02, 0.12])
def test_the_ranking_by_estate_is_the_hand_computed_one(growth: float) -> None:
    answer = optimize(
        single(growth), decision="claiming_ages", objective="median_estate_real", today=TODAY
    )

    by_hand = {age: estate_by_hand(age, growth) for age in range(62, 71)}
    expected = sorted(by_hand, key=lambda age: -by_hand[age])
    ranked = answer["candidates"]
    assert [c["choice"] for c in ranked] == [{"self": age, "partner": None} for age in expected]
    for candidate in ranked:
        age = candidate["choice"]["self"]
        assert candidate["median_estate_real"] == pytest.approx(by_hand[age], abs=0.01)
        assert candidate["success_rate"] == 1.0
    assert [c["rank"] for c in ranked] == list(range(1, 10))
    assert answer["best"] == ranked[0]
    first, second = expected[:2]
    assert answer["margin"] == pytest.approx(by_hand[first] - by_hand[second], abs=0.02)
    assert (answer["evaluations"], answer["paths"]) == (9, 1)


def test_claiming_at_70_maximises_the_estate_when_the_fund_earns_less_than_the_credits() -> None:
    """Waiting from 69 to 70 gives up one payment of 1.16 × PIA and adds 0.08 × PIA to each of
    the 25 payments from 70 to 94. At 2 % a year, valued at 95: the payment given up is worth
    1.16 × 1.02^26 = 1.94 × PIA, the extra 0.08 × (1.02 + … + 1.02^25) = 0.08 × 32.67 =
    2.61 × PIA; each earlier step gains more. So 70 is best and 69 runner-up, by
    (2.61 − 1.94) × 24,000 ≈ 16,200 (exactly: estate_by_hand(70) − estate_by_hand(69))."""
    answer = optimize(
        single(0.02), decision="claiming_ages", objective="median_estate_real", today=TODAY
    )
    assert answer["best"]["choice"] == {"self": 70, "partner": None}
    assert answer["candidates"][1]["choice"] == {"self": 69, "partner": None}
    lost = 1.16 * PIA * 1.02**26
    gained = 0.08 * PIA * sum(1.02**k for k in range(1, 26))
    assert answer["margin"] == pytest.approx(gained - lost, abs=0.02)
    assert 16_000 < answer["margin"] < 16_400


def test_ties_in_success_rate_are_broken_by_the_estate() -> None:
    answer = optimize(single(0.02), decision="claiming_ages", objective="success_rate", today=TODAY)
    estates = [c["median_estate_real"] for c in answer["candidates"]]
    assert {c["success_rate"] for c in answer["candidates"]} == {1.0}
    assert estates == sorted(estates, reverse=True)
    assert answer["best"]["choice"] == {"self": 70, "partner": None}
    assert answer["margin"] == 0.0


def test_a_couple_has_81_pairs_all_on_the_paths_of_a_run_of_the_plan() -> None:
    plan = couple_plan("guardrails", 500)  # stochastic lifespans, Monte Carlo
    answer = optimize(plan, decision="claiming_ages", objective="success_rate", today=BENCH_TODAY)
    pairs = [(c["choice"]["self"], c["choice"]["partner"]) for c in answer["candidates"]]
    assert sorted(pairs) == [(a, b) for a in range(62, 71) for b in range(62, 71)]
    assert answer["evaluations"] == 81 and answer["paths"] == 500
    # The ledger's own claims (70 and 62) are one of the candidates: on the same paths and
    # lifespans as a run of the plan, it scores exactly what the run does.
    own = next(c for c in answer["candidates"] if c["choice"] == {"self": 70, "partner": 62})
    assert own["success_rate"] == run_projection(plan, today=BENCH_TODAY)["success_rate"]
    rates = [c["success_rate"] for c in answer["candidates"]]
    assert rates == sorted(rates, reverse=True)
    assert answer["margin"] == pytest.approx(rates[0] - rates[1])


def test_only_ages_still_to_come_are_candidates() -> None:
    plan = copy.deepcopy(single(0.02))
    plan["profile"]["current_age"] = 66
    answer = optimize(plan, decision="claiming_ages", objective="success_rate", today=TODAY)
    assert sorted(c["choice"]["self"] for c in answer["candidates"]) == [66, 67, 68, 69, 70]


def test_a_plan_without_social_security_has_nothing_to_decide() -> None:
    plan = single(0.02)
    plan["incomes"] = []
    with pytest.raises(NoCandidates, match="social_security"):
        optimize(plan, decision="claiming_ages", objective="success_rate", today=TODAY)


def saver(**assumptions: Any) -> dict[str, Any]:
    """Return a retired 60-year-old with most savings in a 401(k), under the `us` regime."""
    return {
        "profile": {"current_age": 60, "retirement_age": 60, "life_expectancy": 90},
        "assets": [
            {"name": "401k", "kind": "tax_deferred", "balance": "900000.00"},
            {"name": "brokerage", "kind": "taxable", "balance": "150000.00"},
            {"name": "roth", "kind": "tax_free", "balance": "0.00"},
        ],
        "incomes": [
            {"name": "SS", "kind": "social_security", "amount": "30000.00", "start_age": 67}
        ],
        "expenses": [{"name": "living", "amount": "45000.00"}],
        "assumptions": {"paths": 200, "seed": 5, "tax": {"regime": "us"}, **assumptions},
    }


def with_conversion(plan: dict[str, Any], choice: dict[str, Any] | None) -> dict[str, Any]:
    changed = copy.deepcopy(plan)
    changed["assumptions"]["roth_conversion"] = choice
    return changed


def test_roth_candidates_are_each_bracket_and_end_age_scored_as_their_own_runs() -> None:
    plan = saver()
    answer = optimize(plan, decision="roth_conversions", objective="success_rate", today=TODAY)
    # Born 1966: RMDs from 75, so conversions from 60 (retired) ending at 60 … 74: 15 end
    # ages × the six brackets 10–35 %, and no conversion.
    choices = [c["choice"] for c in answer["candidates"]]
    assert answer["evaluations"] == len(choices) == 1 + 6 * 15
    assert None in choices
    assert {(c["up_to_bracket"], c["from_age"]) for c in choices if c} == {
        (rate, 60) for rate in (0.10, 0.12, 0.22, 0.24, 0.32, 0.35)
    }
    assert sorted({c["to_age"] for c in choices if c}) == list(range(60, 75))
    # Each candidate scores exactly what a run of the plan with that conversion does: the
    # same paths, the same kernel.
    by_choice = {str(c["choice"]): c for c in answer["candidates"]}
    for choice in (None, {"up_to_bracket": 0.12, "from_age": 60, "to_age": 66}):
        run = run_projection(with_conversion(plan, choice), today=TODAY)
        scored = by_choice[str(choice)]
        assert scored["success_rate"] == run["success_rate"]
        assert scored["median_estate_real"] == run["years"][-1]["portfolio_real"]["p50"]
    assert len({c["median_estate_real"] for c in answer["candidates"]}) > 10  # they differ
    keys = [(c["success_rate"], c["median_estate_real"]) for c in answer["candidates"]]
    assert keys == sorted(keys, reverse=True)


def test_roth_conversions_need_the_us_regime_and_a_tax_deferred_account() -> None:
    flat = saver(tax={"regime": "flat"})
    with pytest.raises(NoCandidates, match="flat"):
        optimize(flat, decision="roth_conversions", objective="success_rate", today=TODAY)
    nothing = saver()
    nothing["assets"] = nothing["assets"][1:]
    with pytest.raises(NoCandidates, match="tax_deferred"):
        optimize(nothing, decision="roth_conversions", objective="success_rate", today=TODAY)


def test_screening_keeps_the_exact_best_and_margin_of_a_full_evaluation() -> None:
    plan = couple_plan("guardrails", 3_000)  # more than 2 × 1,000 paths: screened
    exact = optimize(
        plan,
        decision="claiming_ages",
        objective="median_estate_real",
        today=BENCH_TODAY,
        screen_paths=None,
    )
    fast = optimize(
        plan, decision="claiming_ages", objective="median_estate_real", today=BENCH_TODAY
    )
    assert (exact["evaluations"], exact["screening_paths"]) == (81, None)
    assert (fast["evaluations"], fast["screening_paths"]) == (81 + 8, 1_000)
    assert [c["paths"] for c in fast["candidates"]] == [3_000] * 8 + [1_000] * 73
    # The finalists' scores are their scores on every path: the best, the runner-up and the
    # margin are the exhaustive search's.
    assert fast["candidates"][:2] == exact["candidates"][:2]
    assert fast["best"] == exact["best"] and fast["margin"] == exact["margin"]
    assert exact["margin"] > 0
