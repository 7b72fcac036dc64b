"""The `us` result: `detail` adds up on every row of random plans; the new user's household.

The identity (DESIGN §6.6): income + withdrawals (+ what could not be funded, on a failing
path) = spending + taxes + debt payments + contributions + savings, every row.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

from projections.engine import run_projection

TODAY = date(2026, 6, 1)


def _random_plan(rng: random.Random) -> dict[str, Any]:
    couple = rng.random() < 0.5
    age = rng.randint(35, 80)
    profile: dict[str, Any] = {
        "current_age": age,
        "retirement_age": rng.randint(age, max(age, 75)),
        "life_expectancy": rng.randint(max(age + 2, 80), 100),
    }
    if couple:
        partner_age = rng.randint(max(age - 8, 30), age + 5)
        profile["filing_status"] = rng.choice(["married_joint", "single"])
        profile["partner"] = {
            "current_age": partner_age,
            "retirement_age": rng.randint(partner_age, max(partner_age, 75)),
            "life_expectancy": rng.randint(max(partner_age + 2, 80), 100),
        }
    owners = ["self", "partner"] if couple else ["self"]

    def money(low: int, high: int) -> str:
        return f"{rng.randint(low, high)}.{rng.randint(0, 99):02d}"

    assets = [
        {"name": "cash", "kind": "cash", "balance": money(0, 50_000)},
        {
            "name": "brokerage",
            "kind": "taxable",
            "balance": money(0, 800_000),
            "cost_basis": money(0, 400_000),
            "annual_contribution": money(0, 10_000),
            "stock_allocation": rng.random(),
        },
        {
            "name": "401k",
            "kind": "tax_deferred",
            "balance": money(0, 1_500_000),
            "annual_contribution": money(0, 20_000),
            "owner": rng.choice(owners),
        },
        {"name": "roth", "kind": "tax_free", "balance": money(0, 300_000)},
    ]
    if rng.random() < 0.4:
        assets.append(
            {
                "name": "home",
                "kind": "real_estate",
                "balance": money(200_000, 900_000),
                "cost_basis": money(50_000, 300_000),
                "sell_age": rng.randint(age, age + 20),
            }
        )
    incomes: list[dict[str, Any]] = [
        {"name": "pay", "kind": "salary", "amount": money(30_000, 250_000), "owner": owner}
        for owner in owners
    ]
    incomes += [
        {
            "name": "ss",
            "kind": "social_security",
            "amount": money(10_000, 45_000),
            "owner": owner,
            "start_age": rng.randint(62, 70),
        }
        for owner in owners
    ]
    if rng.random() < 0.5:
        incomes.append(
            {"name": "pension", "kind": "pension", "amount": money(5_000, 40_000), "taxable": True}
        )
    if rng.random() < 0.3:
        incomes.append(
            {"name": "gift", "kind": "other", "amount": money(1_000, 20_000), "taxable": False}
        )
    debts = []
    if rng.random() < 0.5:
        debts.append(
            {
                "name": "mortgage",
                "kind": "mortgage",
                "balance": money(50_000, 400_000),
                "interest_rate": 0.05,
                "monthly_payment": money(800, 3_000),
            }
        )
    strategy = rng.choice(
        [
            "needs",
            "needs",
            "guardrails",
            "fixed_real",
            "fixed_percentage",
            "vpw",
            "floor_ceiling",
            "rmd_based",
        ]
    )
    assumptions: dict[str, Any] = {
        "mode": rng.choice(["monte_carlo", "deterministic"]),
        "paths": 200,
        "seed": rng.randint(0, 10_000),
        "withdrawal_strategy": strategy,
        "withdrawal_order": rng.choice(["conventional", "proportional", "bracket_fill"]),
        "fill_bracket": rng.choice([0.12, 0.22, 0.24]),
        "tax": {"regime": "us", "state_rate": rng.choice([0.0, 0.05])},
        "longevity": rng.choice(["fixed", "stochastic"]),
    }
    if rng.random() < 0.5:
        start = rng.randint(age, age + 10)
        assumptions["roth_conversion"] = {
            "up_to_bracket": rng.choice([0.12, 0.22, 0.24, 0.37]),
            "from_age": start,
            "to_age": start + rng.randint(0, 8),
        }
    return {
        "profile": profile,
        "assets": assets,
        "debts": debts,
        "incomes": incomes,
        "expenses": [
            {"name": "living", "amount": money(30_000, 150_000)},
            {"name": "fun", "amount": money(0, 30_000), "essential": False},
        ],
        "assumptions": assumptions,
    }


@pytest.mark.parametrize("seed", range(80))
def test_detail_adds_up_on_every_row(seed: int) -> None:
    plan = _random_plan(random.Random(seed))  # noqa: S311 (test data, not secrets)
    result = run_projection(plan, today=TODAY)
    rows = result["detail"]["rows"]
    assert len(rows) == len(result["years"]) - 1
    for row in rows:
        sources = row["income"] + sum(row["withdrawals"].values()) + row["unfunded"]
        uses = (
            row["spending"]
            + sum(row["taxes"].values())
            + row["debt_payments"]
            + row["contributions"]
            + row["savings"]
        )
        # Each of the ~15 figures is rounded to the cent.
        assert sources == pytest.approx(uses, abs=0.1), row
        assert sum(row["incomes"].values()) == pytest.approx(row["income"], abs=0.1), row
        split = row["essential_spending"] + row["discretionary_spending"]
        assert split == pytest.approx(row["spending"], abs=0.02), row
        assert min(row["balances"].values()) >= 0.0


def _new_user() -> dict[str, Any]:
    """The issue's household: 401(k), Roth, brokerage, cash; retiring at 60."""
    return {
        "profile": {"current_age": 50, "retirement_age": 60, "life_expectancy": 92},
        "assets": [
            {"name": "cash", "kind": "cash", "balance": "40000.00"},
            {
                "name": "brokerage",
                "kind": "taxable",
                "balance": "300000.00",
                "cost_basis": "200000.00",
            },
            {
                "name": "401(k)",
                "kind": "tax_deferred",
                "balance": "900000.00",
                "annual_contribution": "23000.00",
            },
            {
                "name": "roth",
                "kind": "tax_free",
                "balance": "150000.00",
                "annual_contribution": "7000.00",
            },
        ],
        "incomes": [
            {"name": "salary", "kind": "salary", "amount": "160000.00", "inflation_indexed": True},
            {"name": "ss", "kind": "social_security", "amount": "32000.00", "start_age": 67},
        ],
        "expenses": [{"name": "living", "amount": "100000.00"}],
        "assumptions": {"mode": "monte_carlo", "paths": 2000, "seed": 16},
    }


def test_the_new_users_household_pays_tax_in_early_retirement_and_takes_rmds() -> None:
    result = run_projection(_new_user(), today=TODAY)  # no currency: the us regime
    assert result["tax_law"]["regime"] == "us"
    by_age = {row["age"]: row for row in result["years"]}
    # Drawing ~135k a year from 60 to 66 (before Social Security) is taxed: dividends,
    # interest and gains beyond the 0 % band while the brokerage lasts, then 401(k) draws.
    # The flat regime (engine 1's rule) taxed none of it.
    flat = _new_user()
    flat["assumptions"]["tax"] = {"regime": "flat"}
    flat_by_age = {row["age"]: row for row in run_projection(flat, today=TODAY)["years"]}
    assert all(flat_by_age[age]["taxes"]["p50"] == 0.0 for age in range(60, 64))
    for age in range(60, 67):
        assert by_age[age]["taxes"]["p75"] > 0.0, age
    assert sum(by_age[age]["taxes"]["p50"] for age in range(60, 67)) > 40_000.0
    # Born 1976: RMDs from 75, none before.
    assert all(by_age[age]["rmd"]["p90"] == 0.0 for age in range(50, 75))
    assert by_age[75]["rmd"]["p50"] > 0.0
    # Pre-tax contributions lower the working years' federal tax: the same year with the
    # 401(k) contribution made to the brokerage account instead pays 23,000 × 24 % more:
    # 160,000 − 16,100 = 143,900 and 120,900 (plus the brokerage's interest) both lie in the
    # 2026 single 24 % bracket (105,700 to 201,775).
    plan = _new_user()
    plan["assumptions"] = {"mode": "deterministic", "tax": {"regime": "us"}}
    deferred = run_projection(plan, today=TODAY)["detail"]["rows"][0]
    plan["assets"][2]["annual_contribution"] = "0.00"
    plan["assets"][1]["annual_contribution"] = "23000.00"
    after_tax = run_projection(plan, today=TODAY)["detail"]["rows"][0]
    assert after_tax["taxes"]["federal"] - deferred["taxes"]["federal"] == pytest.approx(
        23_000 * 0.24, abs=0.01
    )
