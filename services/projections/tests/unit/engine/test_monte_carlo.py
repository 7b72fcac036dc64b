"""Check the Monte Carlo generator against the deterministic mode and against itself."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pytest

from projections.engine import run_projection
from projections.engine.api import evaluate, prepare
from projections.engine.returns import log_correlation, lognormal_params, monte_carlo_returns

TODAY = date(2025, 6, 1)


def _market_plan(make_plan, **assumptions):
    return make_plan(
        current_age=40,
        retirement_age=60,
        life_expectancy=90,
        assets=[
            {
                "name": "brokerage",
                "kind": "taxable",
                "balance": "250000.00",
                "annual_contribution": "12000.00",
                "stock_allocation": 0.7,
            },
            {
                "name": "ira",
                "kind": "tax_deferred",
                "balance": "150000.00",
                "stock_allocation": 0.5,
            },
        ],
        incomes=[
            {"name": "pay", "kind": "salary", "amount": "80000.00", "growth_rate": 0.02},
            {
                "name": "pension",
                "kind": "pension",
                "amount": "1500.00",
                "frequency": "monthly",
                "start_age": 65,
                "inflation_indexed": True,
            },
        ],
        expenses=[{"name": "living", "amount": "50000.00", "inflation_indexed": True}],
        debts=[
            {
                "name": "car",
                "kind": "auto",
                "balance": "20000.00",
                "interest_rate": 0.05,
                "monthly_payment": "450.00",
            }
        ],
        stock_return=0.08,
        bond_return=0.04,
        inflation=0.025,
        **assumptions,
    )


def test_monte_carlo_with_every_volatility_zero_equals_deterministic_bit_for_bit(make_plan):
    # Deterministic earns the median (§6.5), which at σ = 0 is the stated mean exactly, and
    # Monte Carlo at σ = 0 draws exactly the mean: every number in the result is the same float.
    zero = {"stock_vol": 0.0, "bond_vol": 0.0, "inflation_vol": 0.0}
    deterministic = run_projection(_market_plan(make_plan, **zero), today=TODAY)
    flat = run_projection(
        _market_plan(make_plan, mode="monte_carlo", paths=5, seed=3, **zero), today=TODAY
    )
    assert flat["success_rate"] == deterministic["success_rate"]
    assert flat["years"] == deterministic["years"]
    assert flat["depletion_ages"] == deterministic["depletion_ages"]


def test_zero_volatility_paths_equal_the_deterministic_path_bit_for_bit(make_plan):
    zero = {"stock_vol": 0.0, "bond_vol": 0.0, "inflation_vol": 0.0}
    det = evaluate(prepare(_market_plan(make_plan, **zero), today=TODAY))
    flat = _market_plan(make_plan, mode="monte_carlo", paths=4, seed=9, **zero)
    mc = evaluate(prepare(flat, today=TODAY))
    for field in ("portfolio", "portfolio_real", "income", "spending", "withdrawals", "taxes"):
        np.testing.assert_array_equal(
            getattr(mc, field), np.repeat(getattr(det, field), 4, axis=1), err_msg=field
        )


def test_the_mean_terminal_value_converges_to_the_deterministic_one(make_plan):
    # Rebalanced yearly with independent years, E[∏(1 + r)] = ∏(1 + E[r]) = the deterministic path.
    plan = make_plan(
        current_age=50,
        retirement_age=80,
        life_expectancy=80,
        assets=[
            {"name": "fund", "kind": "taxable", "balance": "100000.00", "stock_allocation": 0.6}
        ],
        stock_return=0.08,
        bond_return=0.04,
        inflation=0.02,
    )
    expected = 100_000 * (1 + 0.6 * 0.08 + 0.4 * 0.04) ** 30
    mc = plan | {
        "assumptions": plan["assumptions"]
        | {
            "mode": "monte_carlo",
            "paths": 20_000,
            "seed": 11,
            "stock_vol": 0.18,
            "bond_vol": 0.07,
            "stock_bond_corr": 0.2,
        }
    }
    terminal = evaluate(prepare(mc, today=TODAY)).portfolio[-1]
    standard_error = terminal.std(ddof=1) / math.sqrt(terminal.size)
    assert abs(terminal.mean() - expected) < 3 * standard_error
    det = evaluate(prepare(plan, today=TODAY)).portfolio[-1, 0]
    assert det == pytest.approx(expected, rel=1e-9)


def test_lognormal_draws_have_the_requested_arithmetic_moments_and_correlation():
    paths = monte_carlo_returns(
        200_000,
        1,
        seed=5,
        stock=(0.10, 0.20),
        bond=(0.04, 0.08),
        inflation=(0.03, 0.04),
        stock_bond_corr=0.3,
    )
    stock, bond, inflation = paths.stock[:, 0], paths.bond[:, 0], paths.inflation[:, 0]
    se = 1 / math.sqrt(stock.size)
    assert abs(stock.mean() - 0.10) < 4 * 0.20 * se
    assert abs(bond.mean() - 0.04) < 4 * 0.08 * se
    assert abs(inflation.mean() - 0.03) < 4 * 0.04 * se
    assert stock.std() == pytest.approx(0.20, rel=0.02)
    assert bond.std() == pytest.approx(0.08, rel=0.02)
    assert np.corrcoef(stock, bond)[0, 1] == pytest.approx(0.3, abs=0.01)


def test_lognormal_parameters_reproduce_mean_and_volatility_in_closed_form():
    mu, sigma = lognormal_params(0.07, 0.15)
    assert math.exp(mu + sigma**2 / 2) - 1 == pytest.approx(0.07, rel=1e-12)
    variance = (math.exp(sigma**2) - 1) * math.exp(2 * mu + sigma**2)
    assert math.sqrt(variance) == pytest.approx(0.15, rel=1e-12)
    rho = log_correlation(0.3, 0.2, 0.1)
    implied = math.expm1(rho * 0.2 * 0.1) / math.sqrt(math.expm1(0.04) * math.expm1(0.01))
    assert implied == pytest.approx(0.3, rel=1e-12)


def test_the_same_seed_gives_identical_json(make_plan):
    plan = _market_plan(make_plan, mode="monte_carlo", paths=500, seed=42, stock_vol=0.18)
    first = json.dumps(run_projection(plan, today=TODAY), sort_keys=True)
    second = json.dumps(run_projection(plan, today=TODAY), sort_keys=True)
    assert first == second


def test_changing_only_the_seed_changes_the_result(make_plan):
    one = run_projection(
        _market_plan(make_plan, mode="monte_carlo", paths=500, seed=1, stock_vol=0.18),
        today=TODAY,
    )
    two = run_projection(
        _market_plan(make_plan, mode="monte_carlo", paths=500, seed=2, stock_vol=0.18),
        today=TODAY,
    )
    assert one["years"][-1]["portfolio"] != two["years"][-1]["portfolio"]
    assert one["inputs_hash"] != two["inputs_hash"]


def test_a_null_seed_is_drawn_from_entropy_and_reported_so_the_run_can_be_repeated(make_plan):
    plan = _market_plan(make_plan, mode="monte_carlo", paths=200, seed=None)
    first = run_projection(plan, today=TODAY)
    assert isinstance(first["seed"], int)
    again = _market_plan(make_plan, mode="monte_carlo", paths=200, seed=first["seed"])
    assert run_projection(again, today=TODAY) == first
