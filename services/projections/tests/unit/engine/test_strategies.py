"""Check each withdrawal strategy's behaviour on hand-made return paths."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from projections.engine.api import evaluate, prepare
from projections.engine.household import resolve_household
from projections.engine.inputs import kernel_inputs
from projections.engine.kernel import simulate
from projections.engine.plan import Plan
from projections.engine.returns import ReturnPaths

TODAY = date(2025, 6, 1)


def _run(plan_dict, stock, inflation):
    """Run the kernel on one path with the given yearly stock returns and inflation."""
    plan = Plan.model_validate(plan_dict)
    household = resolve_household(plan, TODAY)
    n = household.rows
    stock_row = np.array([stock + [0.0] * (n - len(stock))])
    infl_row = np.array([inflation + [0.0] * (n - len(inflation))])
    returns = ReturnPaths(stock=stock_row, bond=np.zeros((1, n)), inflation=infl_row)
    return simulate(kernel_inputs(plan, household), returns)


# Engine 2.2 (DESIGN §6.3): guardrails flex the discretionary expenses only. $1,000,000 and
# 20,000 essential + 20,000 discretionary: an initial withdrawal rate of 4 %.
HALF_DISCRETIONARY = [
    {"name": "living", "amount": "20000.00"},
    {"name": "travel", "amount": "20000.00", "essential": False},
]


def test_guardrails_cut_spending_after_a_crash(make_plan):
    plan = make_plan(withdrawal_strategy="guardrails", expenses=HALF_DISCRETIONARY)
    output = _run(plan, stock=[-0.40], inflation=[0.03])
    # Year 1: (1,000,000 − 40,000) × 0.6 = 576,000; the stated 41,200 is 7.15 % of it,
    # above 4 % × 1.2: discretionary 20,600 is cut by 10 % to 18,540; essential stays 20,600.
    assert output.portfolio[1, 0] == pytest.approx(576_000.0)
    assert output.withdrawals[1, 0] == pytest.approx(20_600.0 + 18_540.0)
    assert output.outcome.essential[1, 0] == pytest.approx(20_600.0)


def test_guardrails_never_raise_above_the_stated_amount(make_plan):
    plan = make_plan(withdrawal_strategy="guardrails", expenses=HALF_DISCRETIONARY)
    output = _run(plan, stock=[0.50], inflation=[0.03])
    # 960,000 × 1.5 = 1,440,000; 41,200 is 2.86 % < 4 % × 0.8, but the stated amount caps it.
    assert output.withdrawals[1, 0] == pytest.approx(41_200.0)


def test_guardrails_raise_back_after_a_cut(make_plan):
    plan = make_plan(withdrawal_strategy="guardrails", expenses=HALF_DISCRETIONARY)
    output = _run(plan, stock=[-0.40, 1.0], inflation=[0.0, 0.0])
    # Year 1: 40,000 / 576,000 = 6.9 %: discretionary 20,000 → 18,000 (spend 38,000).
    # Year 2: (576,000 − 38,000) × 2 = 1,076,000; 38,000 / 1,076,000 = 3.5 %: no raise
    # (not below 3.2 %). Year 3 at zero return: 1,038,000; 38,000 / 1,038,000 = 3.66 %: none.
    assert output.withdrawals[1, 0] == pytest.approx(38_000.0)
    assert output.withdrawals[2, 0] == pytest.approx(38_000.0)
    boom = _run(plan, stock=[-0.40, 2.0], inflation=[0.0, 0.0])
    # Year 2: 538,000 × 3 = 1,614,000; 38,000 / 1,614,000 = 2.35 % < 3.2 %: 18,000 × 1.1 =
    # 19,800.
    assert boom.withdrawals[2, 0] == pytest.approx(39_800.0)


def test_guardrails_never_cut_in_the_final_15_years(make_plan):
    plan = make_plan(
        current_age=80,
        retirement_age=80,
        life_expectancy=95,
        withdrawal_strategy="guardrails",
        expenses=HALF_DISCRETIONARY,
    )
    output = _run(plan, stock=[-0.40], inflation=[0.03])
    # 14 years are left at 81 (81 … 94): no cut, the stated 41,200 is spent.
    assert output.withdrawals[1, 0] == pytest.approx(41_200.0)


def test_fixed_real_adjusts_by_the_previous_years_inflation(make_plan):
    plan = make_plan(withdrawal_strategy="fixed_real", withdrawal_rate=0.05)
    output = _run(plan, stock=[-0.40, 0.1], inflation=[0.10, 0.02])
    assert output.withdrawals[0, 0] == pytest.approx(50_000.0)
    assert output.withdrawals[1, 0] == pytest.approx(55_000.0)
    assert output.withdrawals[2, 0] == pytest.approx(56_100.0)


def test_fixed_percentage_withdraws_the_rate_of_each_years_portfolio(make_plan):
    plan = make_plan(withdrawal_strategy="fixed_percentage", withdrawal_rate=0.05)
    output = _run(plan, stock=[0.2], inflation=[0.0])
    assert output.withdrawals[1, 0] == pytest.approx(0.05 * 950_000 * 1.2)


def test_fixed_percentage_never_fails_even_in_terrible_markets(make_plan):
    plan = make_plan(
        withdrawal_strategy="fixed_percentage",
        withdrawal_rate=0.5,
        mode="monte_carlo",
        paths=2_000,
        seed=7,
        stock_return=-0.05,
        stock_vol=0.5,
    )
    output = evaluate(prepare(plan, today=TODAY))
    assert output.success_rate == 1.0
    assert output.depletion_index.max() == -1


def test_needs_fails_in_the_first_year_it_cannot_pay_and_reports_that_age(make_plan):
    plan = make_plan(
        assets=[{"name": "bank", "kind": "cash", "balance": "100000.00"}],
        expenses=[{"name": "living", "amount": "30000.00", "inflation_indexed": False}],
    )
    from projections.engine import run_projection

    result = run_projection(plan, today=TODAY)
    # 100,000 pays three full years (ages 65, 66, 67); age 68 gets only 10,000.
    assert result["success_rate"] == 0.0
    assert result["depletion_ages"] == {"68": 1.0}
    assert result["years"][3]["withdrawals"]["p50"] == 10_000.0
    assert result["years"][4]["portfolio"]["p50"] == 0.0
