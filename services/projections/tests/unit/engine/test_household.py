"""Two people on one timeline (DESIGN §6.1, §6.2, §6.4): each rule against a hand-built schedule.

Every expectation here is written out by hand from the rules (and SSA's published claiming
factors), not computed by the engine's helpers: zero returns and zero inflation make each
row's money a plain sum.
"""

from __future__ import annotations

import csv
from datetime import date
from typing import Any

import numpy as np
import pytest

from projections.engine import expected_inputs_hash, run_projection, solve
from projections.engine.api import evaluate, prepare
from projections.engine.household import Lives, resolve_household
from projections.engine.inputs import kernel_inputs
from projections.engine.kernel import simulate
from projections.engine.mortality import LIFE_TABLE_PATH
from projections.engine.plan import Plan
from projections.engine.returns import ReturnPaths

TODAY = date(2025, 6, 1)
FLAT = {
    "mode": "deterministic",
    "stock_return": 0.0,
    "bond_return": 0.0,
    "inflation": 0.0,
    "income_tax_rate": 0.0,
    "tax": {"regime": "flat"},  # hand-built schedules without tax: the flat regime at 0 %
}


def _couple(**changes: Any) -> dict[str, Any]:
    """Return a married couple: Alex (65, dies at 72) and Sam (66, lives to 90)."""
    plan: dict[str, Any] = {
        "profile": {
            "birth_date": "1960-01-15",  # SSA birth year 1960: FRA 67
            "retirement_age": 72,
            "life_expectancy": 72,
            "sex": "male",
            "filing_status": "married_joint",
            "partner": {
                "birth_date": "1959-03-10",  # FRA 66 and 10 months; survivor FRA 66 and 6 months
                "retirement_age": 70,
                "life_expectancy": 90,
                "sex": "female",
            },
        },
        "assets": [{"name": "savings", "kind": "taxable", "balance": "5000000.00"}],
        "incomes": [
            {"name": "Alex pay", "kind": "salary", "amount": "50000.00"},
            {"name": "Sam pay", "kind": "salary", "amount": "30000.00", "owner": "partner"},
            {
                "name": "Alex pension",
                "kind": "pension",
                "amount": "20000.00",
                "start_age": 65,
                "survivor_fraction": 0.6,
            },
            {
                "name": "Alex SS",
                "kind": "social_security",
                "amount": "2000.00",
                "frequency": "monthly",
                "start_age": 67,
            },
            {
                "name": "Sam SS",
                "kind": "social_security",
                "amount": "1000.00",
                "frequency": "monthly",
                "start_age": 67,
                "owner": "partner",
            },
        ],
        "expenses": [
            {"name": "home", "amount": "40000.00", "owner": "joint"},
            {"name": "Alex golf", "amount": "5000.00"},
            {"name": "Sam books", "amount": "3000.00", "owner": "partner"},
        ],
        "assumptions": dict(FLAT),
    }
    plan.update(changes)
    return plan


def _expected_couple_rows() -> list[dict[str, float]]:
    """Hand-built: Alex alive in rows 0–6 (ages 65–71), Sam (66–89) in rows 0–23."""
    rows = []
    for t in range(24):
        alex = t <= 6
        income = 0.0
        income += 50_000 if alex else 0  # salary until retirement at 72 = death
        income += 30_000 if t <= 3 else 0  # Sam works at 66–69, retires at 70
        income += 20_000 if alex else 0.6 * 20_000  # pension, then its survivor share
        income += 24_000 if alex and t >= 2 else 0  # Alex claims at 67 = FRA: 100 % of PIA
        # Sam's own benefit from 67: 2 months past FRA, 2 × 2/3 % credits = 12,000 × 1.013333…;
        # no spousal top-up (50 % of 24,000 = 12,000 = Sam's PIA); widowed, Sam keeps the larger
        # benefit: Alex's 24,000 (Sam is past the survivor FRA).
        if t >= 1:
            income += 12_000 * (1 + 2 * 8 / 1200) if alex else 24_000
        expenses = 40_000 + 3_000 + (5_000 if alex else 0)
        rows.append({"income": income, "expenses": expenses, "joint": float(alex)})
    return rows


def test_a_couple_with_one_death_follows_the_hand_built_schedule() -> None:
    prepared = prepare(_couple(), today=TODAY)
    output = evaluate(prepared)
    expected = _expected_couple_rows()
    assert output.income.shape == (25, 1)  # 24 funded rows (Sam to 89) and what is left
    for t, row in enumerate(expected):
        assert output.income[t, 0] == pytest.approx(row["income"], abs=0.005), t
        assert output.spending[t, 0] == pytest.approx(row["expenses"], abs=0.005), t
        assert bool(output.joint_filing[t, 0]) is bool(row["joint"]), t
    # Nothing flows in the final row; the estate is what the flows left.
    assert output.income[24, 0] == 0.0
    flows = sum(r["income"] - r["expenses"] for r in expected)
    assert output.portfolio[24, 0] == pytest.approx(5_000_000 + flows, abs=0.01)


def test_a_couples_result_rows_carry_the_partners_age_and_who_is_alive() -> None:
    result = run_projection(_couple(), today=TODAY)
    years = result["years"]
    assert [(r["age"], r["partner_age"], r["year"]) for r in years[:2]] == [
        (65, 66, 2025),
        (66, 67, 2026),
    ]
    assert years[-1]["partner_age"] == 90
    assert [r["alive_share"] for r in years] == [1.0] * 24 + [0.0]
    assert result["lifespans"] is None


def test_salary_stops_at_its_owners_death_before_retirement() -> None:
    plan = Plan.model_validate(_couple())
    household = resolve_household(plan, TODAY)
    # Alex dies at 68 (alive in rows 0–2), before retiring at 72; Sam as planned.
    lives = Lives.of((np.array([68]), np.array([90])), shared=True)
    inputs = kernel_inputs(plan, household, lives)
    n = household.rows
    flat = np.zeros((1, n))
    output = simulate(inputs, ReturnPaths(stock=flat, bond=flat, inflation=flat))
    # Row 2 (Alex 67): both salaries, the pension, both benefits. Row 3: Alex's salary is gone;
    # Sam (69) still works, gets the pension's 60 % and, widowed, Alex's 24,000 benefit.
    assert output.income[2, 0] == pytest.approx(50_000 + 30_000 + 20_000 + 24_000 + 12_160)
    assert output.income[3, 0] == pytest.approx(30_000 + 12_000 + 24_000)
    assert not output.joint_filing[3, 0]


def test_once_records_are_paid_in_the_year_of_their_start_age_only() -> None:
    plan = _couple(
        incomes=[
            {
                "name": "bonus",
                "kind": "other",
                "amount": "10000.00",
                "frequency": "once",
                "start_age": 67,
            },
            {
                "name": "inheritance",
                "kind": "other",
                "amount": "7000.00",
                "frequency": "once",
                "start_age": 70,
                "owner": "partner",
            },
        ],
        expenses=[
            {"name": "car", "amount": "25000.00", "frequency": "once", "owner": "joint"},
            {"name": "trip", "amount": "4000.00", "frequency": "once", "start_age": 64},
        ],
    )
    output = evaluate(prepare(plan, today=TODAY))
    income = [0.0] * 24
    income[2] = 10_000  # Alex is 67 in row 2
    income[4] = 7_000  # Sam is 70 in row 4 (a partner's record follows the partner's age)
    spending = [0.0] * 24
    spending[0] = 25_000  # null start_age: this year; the trip at 64 is already past
    assert output.income[:24, 0].tolist() == income
    assert output.spending[:24, 0].tolist() == spending


def _single(**changes: Any) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "profile": {"current_age": 60, "retirement_age": 60, "life_expectancy": 70},
        "assets": [{"name": "brokerage", "kind": "taxable", "balance": "100000.00"}],
        "assumptions": dict(FLAT),
    }
    plan.update(changes)
    return plan


def test_a_debt_is_paid_off_in_the_year_of_its_payoff_age() -> None:
    plan = _single(
        assets=[{"name": "brokerage", "kind": "taxable", "balance": "500000.00"}],
        debts=[
            {
                "name": "loan",
                "kind": "personal",
                "balance": "100000.00",
                "interest_rate": 0.0,
                "monthly_payment": "1000.00",
                "payoff_age": 62,
            },
            {
                "name": "mortgage",
                "kind": "mortgage",
                "balance": "200000.00",
                "interest_rate": 0.06,
                "monthly_payment": "1500.00",
                "payoff_age": 61,
            },
        ],
    )
    result = run_projection(plan, today=TODAY)
    output = evaluate(prepare(plan, today=TODAY))
    # The mortgage's first year by the closed form of a monthly annuity:
    # B12 = B0 (1 + i)^12 − P ((1 + i)^12 − 1) / i, i = 0.005.
    growth = 1.005**12
    mortgage_after_year = 200_000 * growth - 1_500 * (growth - 1) / 0.005
    debt = [
        100_000 + 200_000,
        88_000 + mortgage_after_year,  # row 1 (61): the mortgage is paid off in this year
        76_000,  # row 2 (62): the loan is paid off in this year
        0.0,
    ]
    assert [r["debt"]["p50"] for r in result["years"][:4]] == [round(d, 2) for d in debt]
    paid = [12_000 + 18_000, 12_000 + mortgage_after_year, 76_000, 0.0]
    assert output.withdrawals[:4, 0] == pytest.approx(paid, abs=0.005)


def test_a_home_sale_moves_its_value_less_costs_to_taxable_and_records_the_gain() -> None:
    plan = _single(
        assets=[
            {"name": "brokerage", "kind": "taxable", "balance": "100000.00"},
            {
                "name": "home",
                "kind": "real_estate",
                "balance": "600000.00",
                "cost_basis": "200000.00",
                "sell_age": 63,
            },
        ],
        assumptions={**FLAT, "inflation": 0.02},
    )
    output = evaluate(prepare(plan, today=TODAY))
    # The home earns inflation: 600,000 × 1.02³ = 636,724.80 at the start of the year at 63;
    # less 6 % selling cost: 598,521.312 to taxable (which earns 0 here).
    assert output.portfolio[3, 0] == pytest.approx(100_000.0)
    assert output.portfolio[4, 0] == pytest.approx(698_521.312, abs=0.005)
    assert output.home_sale_gains is not None
    # Gain over basis beyond the single §121 exclusion: 598,521.312 − 200,000 − 250,000.
    gains = [0.0, 0.0, 0.0, 148_521.312] + [0.0] * 6
    assert output.home_sale_gains[:, 0] == pytest.approx(gains, abs=0.005)


def test_a_couples_home_sale_excludes_500k_while_both_live_and_file_jointly() -> None:
    plan = _couple(
        assets=[
            {"name": "savings", "kind": "cash", "balance": "5000000.00"},
            {
                "name": "home",
                "kind": "real_estate",
                "balance": "600000.00",
                "cost_basis": "50000.00",
                "sell_age": 66,
                "owner": "joint",
            },
        ],
        incomes=[],
        expenses=[],
    )
    output = evaluate(prepare(plan, today=TODAY))
    # No taxable account: one is opened for the proceeds (600,000 × 0.94 = 564,000).
    # Row 1 (Alex 66): 564,000 − 50,000 − 500,000 = 14,000.
    assert output.home_sale_gains is not None
    assert output.home_sale_gains[1, 0] == pytest.approx(14_000.0)
    assert output.portfolio[2, 0] == pytest.approx(5_000_000 + 564_000)


def _life_table(sex: str) -> list[float]:
    """Return q_x from the shipped CSV, read with the csv module (not the engine's reader)."""
    with LIFE_TABLE_PATH.open(newline="") as handle:
        return [float(row[f"{sex}_qx"]) for row in csv.DictReader(handle)]


def test_everyone_alive_at_119_is_dead_by_120() -> None:
    plan = _single(
        profile={"current_age": 119, "retirement_age": 119, "life_expectancy": 120},
        assumptions={**FLAT, "longevity": "stochastic", "paths": 500, "seed": 3},
    )
    result = run_projection(plan, today=TODAY)
    assert [r["alive_share"] for r in result["years"]] == [1.0, 0.0]
    person = result["lifespans"]["people"][0]
    assert person["person"] == "self"
    assert person["death_age"]["shares"] == {"120": 1.0}
    assert person["death_age"]["percentiles"] == dict.fromkeys(
        ("p10", "p25", "p50", "p75", "p90"), 120.0
    )
    assert result["paths"] == 500 and result["seed"] == 3


def test_alive_share_follows_the_life_tables_survivorship() -> None:
    paths = 20_000
    plan = _single(
        profile={"current_age": 65, "retirement_age": 65, "life_expectancy": 90, "sex": "female"},
        assumptions={**FLAT, "longevity": "stochastic", "paths": paths, "seed": 11},
    )
    result = run_projection(plan, today=TODAY)
    q = _life_table("female")
    survival = 1.0
    for t, row in enumerate(result["years"][:45]):
        # l(65 + t) / l(65): alive at the start of row t means surviving t years from 65.
        se = max((survival * (1 - survival) / paths) ** 0.5, 1e-9)
        assert abs(row["alive_share"] - survival) <= 4 * se + 1e-12, t
        survival *= 1 - q[65 + t]
    assert len(result["years"]) == 120 - 65 + 1


def test_failure_counts_only_while_someone_is_alive() -> None:
    plan = _single(
        expenses=[{"name": "living", "amount": "10000.00"}],
        assumptions={**FLAT, "longevity": "stochastic", "paths": 4000, "seed": 5},
    )
    prepared = prepare(plan, today=TODAY)
    output = evaluate(prepared)
    assert prepared.lives is not None
    # 100,000 lasts ten years of 10,000 (rows 0–9, ages 60–69); row 10 (age 70) fails on
    # exactly the paths on which the person is still alive at 70.
    alive_at_70 = prepared.lives.death_ages[0] > 70
    assert output.failed.tolist() == alive_at_70.tolist()
    assert set(output.depletion_index[output.failed].tolist()) == {10}
    result = run_projection(plan, today=TODAY)
    assert result["lifespans"]["money_lasts_share"] == result["success_rate"]
    assert result["success_rate"] == pytest.approx(1 - alive_at_70.mean())


def test_historical_stochastic_crosses_every_start_year_with_lifespan_draws() -> None:
    plan = _single(
        assumptions={"mode": "historical", "longevity": "stochastic", "paths": 1000, "seed": 9},
    )
    prepared = prepare(plan, today=TODAY)
    years = prepared.returns.start_years
    assert years is not None
    windows = sorted(set(years))
    draws = -(-1000 // len(windows))  # ceil(paths / start years)
    assert prepared.returns.paths == len(windows) * draws
    assert all(years.count(y) == draws for y in windows)
    result = run_projection(plan, today=TODAY)
    assert result["paths"] == len(windows) * draws
    assert result["seed"] == 9


def test_stochastic_lifespans_are_reproducible_by_seed() -> None:
    def lives(seed: int) -> list[int]:
        plan = _single(assumptions={**FLAT, "longevity": "stochastic", "paths": 200, "seed": seed})
        prepared = prepare(plan, today=TODAY)
        assert prepared.lives is not None
        return prepared.lives.death_ages[0].tolist()

    assert lives(1) == lives(1)
    assert lives(1) != lives(2)


def test_a_stochastic_couple_reports_both_lifespans_and_solves() -> None:
    plan = _couple(
        assumptions={
            **FLAT,
            "mode": "monte_carlo",
            "longevity": "stochastic",
            "paths": 300,
            "seed": 4,
            "stock_vol": 0.15,
            "bond_vol": 0.05,
        },
    )
    result = run_projection(plan, today=TODAY)
    people = result["lifespans"]["people"]
    assert [p["person"] for p in people] == ["self", "partner"]
    for person, age in zip(people, (65, 66), strict=True):
        assert min(int(a) for a in person["death_age"]["shares"]) > age
        assert sum(person["death_age"]["shares"].values()) == pytest.approx(1.0)
    # Both run to 120 of whoever could live longest: Alex is 65, so 55 rows and the last.
    assert len(result["years"]) == 56
    shares = [row["alive_share"] for row in result["years"]]
    assert shares[0] == 1.0 and shares == sorted(shares, reverse=True)
    # Filing status per path: joint exactly while both are alive (married_joint).
    prepared = prepare(plan, today=TODAY)
    output = evaluate(prepared)
    assert prepared.lives is not None
    alex, sam = prepared.lives.death_ages
    rows = np.arange(55)[:, None]
    both = (65 + rows < alex[None, :]) & (66 + rows < sam[None, :])
    assert (output.on_paths(output.joint_filing) == both).all()
    answer = solve(plan, target="annual_spending", success_rate=0.9, today=TODAY)
    assert answer["value"] is not None and answer["result"]["lifespans"] is not None


def test_a_stochastic_plans_inputs_hash_needs_a_seed() -> None:
    plan = _single(assumptions={**FLAT, "longevity": "stochastic"})
    with pytest.raises(ValueError, match="seed"):
        expected_inputs_hash(plan, today=TODAY)
    plan["assumptions"]["seed"] = 12
    assert (
        expected_inputs_hash(plan, today=TODAY) == run_projection(plan, today=TODAY)["inputs_hash"]
    )
