"""The spending policy (DESIGN §6.3) and its failure measures (§6.6), by hand arithmetic.

Every expectation is computed here from the rule's definition (Guyton & Klinger 2006; the
PMT closed form, checked against numpy-financial's formula written out; the IRS Uniform
Lifetime Table), never by calling the code under test.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import numpy as np
import pytest

from projections.engine import run_projection, solve
from projections.engine.api import evaluate, prepare
from projections.engine.household import resolve_household
from projections.engine.inputs import kernel_inputs
from projections.engine.kernel import simulate
from projections.engine.plan import Plan
from projections.engine.returns import ReturnPaths

TODAY = date(2025, 6, 1)
EXPENSES = [
    {"name": "living", "amount": "60000.00"},
    {"name": "travel", "amount": "20000.00", "essential": False},
]


def _assets(balance: str) -> list[dict[str, Any]]:
    return [{"name": "p", "kind": "taxable", "balance": balance, "stock_allocation": 1.0}]


def test_needs_with_enough_assets_spends_every_stated_expense(make_plan) -> None:
    plan = make_plan(assets=_assets("5000000.00"), expenses=EXPENSES, income_tax_rate=0.0)
    result = run_projection(plan, today=TODAY)
    for row in result["years"][:-1]:
        assert row["spending"]["p50"] == 80_000.0
        assert row["essential_spending"]["p50"] == 60_000.0
        assert row["discretionary_spending"]["p50"] == 20_000.0
    assert result["success_rate"] == 1.0
    assert result["adjustment_rate"] == 0.0


def _run_with(plan: dict[str, Any], stock: list[float]) -> Any:
    """Run the flat kernel on one path whose stock returns are given (no inflation, no bonds)."""
    valid = Plan.model_validate(plan)
    household = resolve_household(valid, TODAY)
    inputs = kernel_inputs(valid, household)
    n = inputs.years
    returns = ReturnPaths(
        stock=np.array([stock + [0.0] * (n - len(stock))]),
        bond=np.zeros((1, n)),
        inflation=np.zeros((1, n)),
    )
    return simulate(inputs, returns)


def test_a_crash_makes_the_guardrail_cut_discretionary_by_exactly_the_adjustment(make_plan):
    # 2,000,000 at 65, 30 years: initial rate 80,000 / 2,000,000 = 4 %; upper 0.20 → cut above
    # 4.8 %. Year 0: a −50 % crash leaves (2,000,000 − 80,000) × 0.5 = 960,000. Year 1: the
    # rate at the stated spending is 80,000 / 960,000 = 8.33 % > 4.8 % with 29 years left
    # (> 15): discretionary is cut by 10 % → 18,000; essential stays 60,000. Year 2 (flat
    # returns): 882,000 left; 78,000 / 882,000 = 8.84 % > 4.8 % → 18,000 × 0.9 = 16,200.
    plan = make_plan(
        assets=_assets("2000000.00"),
        expenses=EXPENSES,
        income_tax_rate=0.0,
        withdrawal_strategy="guardrails",
    )
    out = _run_with(plan, [-0.5])
    assert out.outcome.discretionary[0, 0] == pytest.approx(20_000.0)
    assert out.outcome.discretionary[1, 0] == pytest.approx(18_000.0)
    assert out.outcome.essential[1, 0] == pytest.approx(60_000.0)
    assert out.outcome.discretionary[2, 0] == pytest.approx(16_200.0)
    assert out.portfolio[2, 0] == pytest.approx(960_000.0 - 78_000.0)
    assert bool(out.outcome.adjusted[0]) and out.depletion_index[0] > 2
    assert out.outcome.deepest_cut[0] >= 0.19  # 16,200 and below: at least 19 % cut


def _pmt_begin(rate: float, nper: int, pv: float) -> float:
    """numpy-financial pmt(rate, nper, -pv, 0, when='begin'), written out from its docs."""
    # pmt solves fv + pv(1+r)^n + pmt(1 + r·when)((1+r)^n − 1)/r = 0 with fv = 0, when = 1.
    growth = (1 + rate) ** nper
    return pv * growth * rate / ((1 + rate) * (growth - 1))


def test_vpw_draws_the_pmt_of_the_portfolio_year_by_year(make_plan) -> None:
    plan = make_plan(
        assets=_assets("1000000.00"),
        expenses=[{"name": "living", "amount": "10000.00"}],
        income_tax_rate=0.0,
        withdrawal_strategy="vpw",
        vpw_real_return=0.05,
        stock_return=0.03,
    )
    out = evaluate(prepare(plan, today=TODAY))
    years = 30  # 65 to 95
    portfolio = 1_000_000.0
    for t in range(years):
        draw = _pmt_begin(0.05, years - t, portfolio)
        assert out.withdrawals[t, 0] == pytest.approx(draw, rel=1e-12), t
        assert out.spending[t, 0] == pytest.approx(draw, rel=1e-12), t
        portfolio = (portfolio - draw) * 1.03
    # The last year spends what is left.
    assert out.portfolio[years, 0] == pytest.approx(0.0, abs=1e-6)


def test_vpw_never_spends_below_the_essential_floor(make_plan) -> None:
    plan = make_plan(
        assets=_assets("300000.00"),
        expenses=[{"name": "living", "amount": "30000.00"}],
        income_tax_rate=0.0,
        withdrawal_strategy="vpw",
    )
    out = evaluate(prepare(plan, today=TODAY))
    alive = ~out.failed[0] or np.arange(31) < out.depletion_index[0]
    assert np.all(out.spending[:-1, 0][alive[:-1]] >= 30_000.0 - 1e-6)
    # 300,000 / 30,000 = 10 years at zero return, then the floor cannot be met: failure.
    assert out.depletion_index[0] == 10


def test_floor_ceiling_bounds_hold_on_every_path(make_plan) -> None:
    plan = make_plan(
        assets=_assets("1000000.00"),
        expenses=[{"name": "living", "amount": "10000.00"}],
        income_tax_rate=0.0,
        withdrawal_strategy="floor_ceiling",
        withdrawal_rate=0.05,
        floor=0.9,
        ceiling=1.2,
        mode="monte_carlo",
        paths=500,
        seed=3,
        stock_vol=0.18,
        inflation_vol=0.02,
        inflation=0.03,
        stock_return=0.08,
    )
    prepared = prepare(plan, today=TODAY)
    out = evaluate(prepared)
    first = 0.05 * 1_000_000.0
    price = np.cumprod(np.vstack([np.ones(500), 1 + prepared.returns.inflation[:, :29].T]), axis=0)
    lo = 0.9 * first * price
    hi = 1.2 * first * price
    rule = 0.05 * out.portfolio[:30]
    draws = out.withdrawals[:30]
    # The draw is the rule kept between the bounds, or what is left when that is less.
    expected = np.minimum(np.clip(rule, lo, hi), out.portfolio[:30])
    assert np.allclose(draws, expected, rtol=1e-12, atol=1e-6)
    funded = out.portfolio[:30] >= hi
    assert np.all(draws[funded] >= lo[funded] * (1 - 1e-12))
    assert np.all(draws <= hi * (1 + 1e-12))
    assert (rule > hi).any() and (rule < lo).any()  # both bounds bind somewhere


def test_rmd_based_draws_the_portfolio_over_the_uniform_lifetime_period(make_plan) -> None:
    # IRS Uniform Lifetime Table (2022): 75 → 24.6, 80 → 20.2, 90 → 12.2.
    plan = make_plan(
        current_age=75,
        retirement_age=75,
        life_expectancy=95,
        assets=_assets("1000000.00"),
        expenses=[{"name": "living", "amount": "10000.00"}],
        income_tax_rate=0.0,
        withdrawal_strategy="rmd_based",
    )
    out = evaluate(prepare(plan, today=TODAY))
    for t, period in ((0, 24.6), (5, 20.2), (15, 12.2)):
        assert out.withdrawals[t, 0] == pytest.approx(out.portfolio[t, 0] / period, rel=1e-12)


def test_failure_counts_only_essential_spending_and_shortfall_measures_it(make_plan) -> None:
    # 200,000 at zero return, 60k essential + 20k discretionary under needs: 2.5 years of
    # spending. Row 2 funds 40,000: discretionary goes unfunded (adjusted), essential lacks
    # 20,000 (a failure in row 2). Rows 3–29 lack 60,000 each: 27 × 60,000 + 20,000.
    plan = make_plan(assets=_assets("200000.00"), expenses=EXPENSES, income_tax_rate=0.0)
    result = run_projection(plan, today=TODAY)
    assert result["success_rate"] == 0.0
    assert result["adjustment_rate"] == 1.0
    assert result["depletion_ages"] == {"67": 1.0}
    short = result["shortfall"]
    assert short["unfunded_real"]["p50"] == pytest.approx(27 * 60_000 + 20_000)
    assert short["years_short"]["p50"] == 28
    assert short["deepest_cut"]["p50"] == 1.0


@pytest.mark.parametrize("strategy", ["needs", "guardrails", "vpw", "floor_ceiling", "rmd_based"])
def test_every_policy_runs_under_both_regimes(make_plan, strategy: str) -> None:
    for regime in ("flat", "us"):
        plan = make_plan(
            assets=_assets("1500000.00"),
            expenses=EXPENSES,
            withdrawal_strategy=strategy,
            mode="monte_carlo",
            paths=200,
            seed=1,
            stock_return=0.07,
            stock_vol=0.18,
            tax={"regime": regime},
        )
        result = run_projection(plan, today=TODAY)
        assert 0.0 <= result["success_rate"] <= 1.0
        for row in result["years"][:-1]:
            # Never below the essential floor on the median path while assets last.
            if result["success_rate"] == 1.0:
                assert row["essential_spending"]["p10"] == pytest.approx(60_000.0, abs=1.0)


def test_the_solver_keeps_the_plans_essential_share_under_guardrails(make_plan) -> None:
    plan = make_plan(
        assets=_assets("2000000.00"), expenses=EXPENSES, withdrawal_strategy="guardrails"
    )
    prepared = prepare(plan, today=TODAY)
    out = evaluate(dataclasses.replace(prepared), annual_spending=100_000.0)
    assert out.outcome.discretionary[0, 0] == pytest.approx(25_000.0)
    assert out.outcome.essential[0, 0] == pytest.approx(75_000.0)


@pytest.mark.parametrize("strategy", ["vpw", "rmd_based"])
def test_the_spending_solver_refuses_the_rules_that_set_every_draw(make_plan, strategy):
    plan = make_plan(assets=_assets("1000000.00"), expenses=EXPENSES, withdrawal_strategy=strategy)
    with pytest.raises(ValueError, match="no spending"):
        solve(plan, target="annual_spending", success_rate=0.9, today=TODAY)


@pytest.mark.parametrize(("stocks", "percent"), [(1.0, 95.93), (0.75, 96.75), (0.5, 95.12)])
def test_the_historical_4_percent_rule_is_unchanged(stocks: float, percent: float) -> None:
    # Engine 1's published figures on the shipped Shiller series (issue 17): research modes
    # keep engine 1's arithmetic under the spending policy.
    plan = {
        "profile": {"current_age": 65, "retirement_age": 65, "life_expectancy": 95},
        "assets": [
            {"name": "p", "kind": "taxable", "balance": "1000000.00", "stock_allocation": stocks}
        ],
        "debts": [],
        "incomes": [],
        "expenses": [],
        "assumptions": {
            "mode": "historical",
            "withdrawal_strategy": "fixed_real",
            "tax": {"regime": "flat"},
        },
    }
    result = run_projection(plan, today=TODAY)
    assert round(result["success_rate"] * 100, 2) == percent
