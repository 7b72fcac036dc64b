"""Check the kernel against textbook closed forms."""

from __future__ import annotations

import math
from datetime import date

import pytest

from projections.engine import run_projection
from projections.engine.api import evaluate, prepare

TODAY = date(2025, 6, 1)


def _p50(result: dict[str, object], field: str) -> list[float]:
    years = result["years"]
    assert isinstance(years, list)
    return [row[field]["p50"] for row in years]


def test_contributions_without_withdrawals_grow_to_the_annuity_due_future_value(make_plan):
    balance, contribution, rate, years = 10_000.0, 6_000.0, 0.07, 25
    plan = make_plan(
        current_age=30,
        retirement_age=55,
        life_expectancy=80,
        stock_return=rate,
        assets=[
            {
                "name": "brokerage",
                "kind": "taxable",
                "balance": "10000.00",
                "annual_contribution": "6000.00",
                "contribution_end_age": 54,
                "stock_allocation": 1.0,
            }
        ],
        # A tax-free salary of exactly the contribution leaves no surplus and no shortfall.
        incomes=[{"name": "pay", "kind": "salary", "amount": "6000.00", "taxable": False}],
    )
    output = evaluate(prepare(plan, today=TODAY))
    growth = (1 + rate) ** years
    # Payments at the start of each year: FV = B(1+r)^n + C((1+r)^n − 1)/r × (1+r).
    expected = balance * growth + contribution * (growth - 1) / rate * (1 + rate)
    assert output.portfolio[years, 0] == pytest.approx(expected, rel=1e-9)
    assert output.failed.sum() == 0


def test_a_mortgage_amortises_to_zero_in_its_textbook_number_of_years(make_plan):
    principal, annual_rate, months = 300_000.0, 0.06, 360
    i = annual_rate / 12
    payment = principal * i / (1 - (1 + i) ** -months)  # 1798.65157...
    rounded_up = math.ceil(payment * 100) / 100  # lenders round the instalment up to the cent
    plan = make_plan(
        current_age=40,
        retirement_age=80,
        life_expectancy=90,
        debts=[
            {
                "name": "home",
                "kind": "mortgage",
                "balance": "300000.00",
                "interest_rate": annual_rate,
                "monthly_payment": f"{rounded_up:.2f}",
            }
        ],
        incomes=[{"name": "pay", "kind": "salary", "amount": "30000.00", "taxable": False}],
    )
    debt = _p50(run_projection(plan, today=TODAY), "debt")
    assert debt[0] == principal
    assert debt[29] > 0.0
    assert debt[30] == 0.0
    assert all(value == 0.0 for value in debt[30:])


def test_an_indexed_expense_grows_exactly_with_inflation(make_plan):
    inflation = 0.031
    plan = make_plan(
        inflation=inflation,
        assets=[{"name": "bank", "kind": "cash", "balance": "5000000.00"}],
        expenses=[
            {
                "name": "living",
                "amount": "2500.00",
                "frequency": "monthly",
                "inflation_indexed": True,
            }
        ],
    )
    spending = _p50(run_projection(plan, today=TODAY), "spending")
    for t in range(30):
        assert spending[t] == pytest.approx(round(30_000 * (1 + inflation) ** t, 2), abs=0.006)


def test_a_tax_deferred_withdrawal_of_n_net_removes_n_over_one_minus_t(make_plan):
    need, tax_rate = 40_000.0, 0.25
    plan = make_plan(
        income_tax_rate=tax_rate,
        assets=[
            {
                "name": "ira",
                "kind": "tax_deferred",
                "balance": "1000000.00",
                "stock_allocation": 0.0,
            }
        ],
        expenses=[{"name": "living", "amount": "40000.00", "inflation_indexed": False}],
    )
    output = evaluate(prepare(plan, today=TODAY))
    gross = need / (1 - tax_rate)
    assert output.withdrawals[0, 0] == pytest.approx(gross, rel=1e-12)
    assert output.taxes[0, 0] == pytest.approx(gross * tax_rate, rel=1e-12)
    assert output.portfolio[1, 0] == pytest.approx(1_000_000 - gross, rel=1e-12)
    assert output.spending[0, 0] == pytest.approx(need, rel=1e-12)


def test_withdrawals_follow_the_order_cash_taxable_tax_deferred_tax_free(make_plan):
    plan = make_plan(
        income_tax_rate=0.2,
        assets=[
            {"name": "roth", "kind": "tax_free", "balance": "100000.00"},
            {"name": "ira", "kind": "tax_deferred", "balance": "100000.00"},
            {"name": "brokerage", "kind": "taxable", "balance": "10000.00"},
            {"name": "bank", "kind": "cash", "balance": "5000.00"},
        ],
        expenses=[{"name": "living", "amount": "31000.00", "inflation_indexed": False}],
    )
    output = evaluate(prepare(plan, today=TODAY))
    # 5,000 cash + 10,000 taxable, then 16,000 net from the IRA costs 16,000 / 0.8 = 20,000.
    assert output.withdrawals[0, 0] == pytest.approx(35_000.0)
    assert output.taxes[0, 0] == pytest.approx(4_000.0)
    assert output.portfolio[1, 0] == pytest.approx(180_000.0)


def test_real_estate_grows_with_inflation_and_is_never_sold(make_plan):
    plan = make_plan(
        inflation=0.02,
        assets=[
            {"name": "bank", "kind": "cash", "balance": "10000.00"},
            {"name": "home", "kind": "real_estate", "balance": "500000.00"},
        ],
        expenses=[{"name": "living", "amount": "20000.00", "inflation_indexed": False}],
    )
    output = evaluate(prepare(plan, today=TODAY))
    assert output.failed[0]
    assert output.depletion_index[0] == 0
    assert output.portfolio[1, 0] == 0.0


def test_surplus_before_retirement_is_saved_and_income_tax_is_flat(make_plan):
    plan = make_plan(
        current_age=40,
        retirement_age=41,
        life_expectancy=45,
        income_tax_rate=0.3,
        assets=[{"name": "brokerage", "kind": "taxable", "balance": "0.00"}],
        incomes=[{"name": "pay", "kind": "salary", "amount": "100000.00"}],
        expenses=[{"name": "living", "amount": "50000.00", "inflation_indexed": False}],
    )
    output = evaluate(prepare(plan, today=TODAY))
    assert output.taxes[0, 0] == pytest.approx(30_000.0)
    assert output.portfolio[1, 0] == pytest.approx(20_000.0)
    # The salary stops at retirement, so the next year's expenses come out of the savings.
    assert output.income[1, 0] == 0.0
    assert output.withdrawals[1, 0] == pytest.approx(20_000.0)
    assert output.failed[0]
