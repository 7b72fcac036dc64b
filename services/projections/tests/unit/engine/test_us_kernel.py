"""`tax.regime: us` in the kernel (DESIGN §6.4), against hand arithmetic from the 2026 law.

Every expectation below is worked out by hand from the 2026 parameters (docs/ENGINE.md, "Taxes
(US regime)"; brackets single 10 % to 12,400, 12 % to 50,400, 22 % to 105,700; standard
deduction 16,100 single, 2,050 more at 65+, the senior deduction 6,000 less 6 % of AGI above
75,000; 0 % gains to 49,450 single; IRMAA single tiers above 109,000 … 205,000): returns and
inflation are zero (volatilities too, so the deterministic path is the stated mean whatever
its definition), so every year's law is 2026's unindexed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from projections.engine import run_projection
from projections.engine.api import evaluate, prepare

ZERO = {
    "mode": "deterministic",
    "stock_return": 0.0,
    "bond_return": 0.0,
    "inflation": 0.0,
    "stock_vol": 0.0,
    "bond_vol": 0.0,
    "inflation_vol": 0.0,
    "tax": {"regime": "us"},
}


def _plan(
    *,
    age: int = 67,
    born: str = "1960-03-01",
    assets: list[dict[str, Any]],
    incomes: list[dict[str, Any]] | None = None,
    expenses: list[dict[str, Any]] | None = None,
    retirement_age: int = 60,
    **assumptions: Any,
) -> dict[str, Any]:
    return {
        "profile": {
            "birth_date": born,
            "retirement_age": min(retirement_age, 95),
            "life_expectancy": max(age + 5, 95),
        },
        "assets": assets,
        "incomes": incomes or [],
        "expenses": expenses or [],
        "assumptions": {**ZERO, **assumptions},
    }


def _rows(plan: dict[str, Any], today: date) -> list[dict[str, Any]]:
    result = run_projection(plan, today=today)
    assert result["tax_law"]["regime"] == "us"
    assert result["tax_law"]["law_year"] == 2026
    rows: list[dict[str, Any]] = result["detail"]["rows"]
    return rows


def _ira(balance: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "ira",
        "kind": "tax_deferred",
        "balance": balance,
        "stock_allocation": 0.0,
        **extra,
    }


def _spend(amount: str) -> list[dict[str, Any]]:
    return [{"name": "living", "amount": amount, "inflation_indexed": False}]


# Born 1960-03-01: 67 on 2027-06-01 (FRA 67, so a claim at 67 pays the PIA exactly).
IN_2027 = date(2027, 6, 1)


def test_a_single_retirees_year_matches_the_hand_computed_torpedo_case() -> None:
    # Social Security 30,000 and an IRA draw of exactly 40,000 (docs/ENGINE.md, "Tax torpedo"):
    # provisional 40,000 + 15,000 = 55,000; taxable SS min(0.85 × 21,000 + 4,500, 25,500) =
    # 22,350; AGI 62,350; deduction 16,100 + 2,050 + 6,000 = 24,150; taxable 38,200; tax
    # 1,240 + 12 % × 25,800 = 4,336. So spending 30,000 + 40,000 − 4,336 = 65,664 takes
    # a draw of exactly 40,000.
    plan = _plan(
        assets=[_ira("1000000.00")],
        incomes=[{"name": "ss", "kind": "social_security", "amount": "30000.00", "start_age": 67}],
        expenses=_spend("65664.00"),
    )
    row = _rows(plan, IN_2027)[0]
    assert row["age"] == 67 and row["year"] == 2027
    assert row["incomes"]["social_security"] == 30_000.0
    assert row["withdrawals"]["tax_deferred"] == pytest.approx(40_000.0, abs=0.02)
    assert row["taxes"]["federal"] == pytest.approx(4_336.0, abs=0.01)
    assert row["taxes"]["payroll"] == 0.0
    assert row["taxes"]["irmaa"] == 0.0
    assert row["agi"] == pytest.approx(62_350.0, abs=0.02)
    assert row["spending"] == pytest.approx(65_664.0, abs=0.01)


def _worker(contribute_to: str) -> dict[str, Any]:
    return {
        "profile": {"current_age": 40, "retirement_age": 65, "life_expectancy": 90},
        "assets": [
            {"name": "cash", "kind": "cash", "balance": "50000.00"},
            {
                "name": "401k" if contribute_to == "tax_deferred" else "brokerage",
                "kind": contribute_to,
                "balance": "0.00",
                "annual_contribution": "10000.00",
                "stock_allocation": 0.0,
            },
        ],
        "incomes": [{"name": "pay", "kind": "salary", "amount": "100000.00"}],
        "expenses": _spend("60000.00"),
        "assumptions": dict(ZERO),
    }


def test_pre_tax_contributions_lower_the_working_years_tax_by_the_marginal_rate() -> None:
    today = date(2026, 6, 1)
    after_tax = _rows(_worker("taxable"), today)[0]
    pre_tax = _rows(_worker("tax_deferred"), today)[0]
    # 100,000 − 16,100 = 83,900 taxable: 1,240 + 4,560 + 22 % × 33,500 = 13,170.
    assert after_tax["taxes"]["federal"] == pytest.approx(13_170.0, abs=0.01)
    # 10,000 deferred, still in the 22 % bracket: 10,000 × 22 % less.
    assert pre_tax["taxes"]["federal"] == pytest.approx(13_170.0 - 2_200.0, abs=0.01)
    # Payroll wages are before deferrals: 7.65 % of 100,000 either way.
    assert after_tax["taxes"]["payroll"] == pytest.approx(7_650.0, abs=0.01)
    assert pre_tax["taxes"]["payroll"] == pytest.approx(7_650.0, abs=0.01)


def test_an_rmd_at_75_comes_from_the_tables_divisor_and_its_unspent_part_lands_in_taxable() -> None:
    # Born 1960: first RMD year 75. 500,000 ÷ 24.6 = 20,325.20. In 2035 the senior deduction
    # has ended: deduction 16,100 + 2,050 = 18,150, taxable 2,175.20, tax 217.52.
    plan = _plan(age=75, assets=[_ira("500000.00")])
    rows = _rows(plan, date(2035, 6, 1))
    first = rows[0]
    assert first["age"] == 75
    assert first["rmd"] == pytest.approx(20_325.20, abs=0.01)
    assert first["taxes"]["federal"] == pytest.approx(217.52, abs=0.01)
    assert first["savings"] == pytest.approx(20_325.20 - 217.52, abs=0.02)
    assert rows[1]["balances"]["taxable"] == pytest.approx(20_107.68, abs=0.02)
    assert rows[1]["balances"]["tax_deferred"] == pytest.approx(500_000 - 20_325.20, abs=0.02)
    # At 74 nothing is due.
    assert _rows(_plan(age=74, assets=[_ira("500000.00")]), date(2034, 6, 1))[0]["rmd"] == 0.0


def test_a_roth_conversion_fills_the_12_percent_bracket_exactly() -> None:
    # Single, 67, no other income: ordinary taxable income reaches 50,400 at a conversion X
    # with X − 16,100 − 2,050 − 6,000 = 50,400 (AGI below 75,000, full senior deduction):
    # X = 74,550, tax 1,240 + 12 % × 38,000 = 5,800, paid from cash.
    plan = _plan(
        assets=[{"name": "cash", "kind": "cash", "balance": "100000.00"}, _ira("1000000.00")],
        roth_conversion={"up_to_bracket": 0.12, "from_age": 67, "to_age": 67},
    )
    rows = _rows(plan, IN_2027)
    assert rows[0]["roth_conversion"] == pytest.approx(74_550.0, abs=0.02)
    assert rows[0]["taxes"]["federal"] == pytest.approx(5_800.0, abs=0.01)
    assert rows[0]["withdrawals"]["cash"] == pytest.approx(5_800.0, abs=0.01)
    assert rows[1]["balances"]["tax_free"] == pytest.approx(74_550.0, abs=0.02)
    assert rows[1]["roth_conversion"] == 0.0  # the window was one year


def test_a_taxable_sale_realises_its_gain_at_average_cost() -> None:
    # 1,000,000 with a basis of 40,000: each dollar sold realises 0.96 of gain. Spending
    # 200,000: AGI = 0.96 G above 200,000 (NIIT) and above 175,000 (no senior deduction), so
    # tax = 15 % × (0.96 G − 18,150 − 49,450) + 3.8 % × (0.96 G − 200,000) and G − tax =
    # 200,000 gives G = 182,260 / 0.81952.
    plan = _plan(
        assets=[
            {
                "name": "brokerage",
                "kind": "taxable",
                "balance": "1000000.00",
                "cost_basis": "40000.00",
                "stock_allocation": 0.0,
            }
        ],
        expenses=_spend("200000.00"),
    )
    rows = _rows(plan, IN_2027)
    draw = 182_260.0 / 0.81952
    assert rows[0]["withdrawals"]["taxable"] == pytest.approx(draw, abs=0.05)
    assert rows[0]["realised_gains"] == pytest.approx(0.96 * draw, abs=0.05)
    assert rows[0]["taxes"]["federal"] == pytest.approx(draw - 200_000.0, abs=0.05)
    assert rows[0]["spending"] == pytest.approx(200_000.0, abs=0.01)
    # The basis left is 40,000 × (1 − G / 1,000,000): the next sale's gain share is unchanged.
    second = rows[1]["withdrawals"]["taxable"]
    assert rows[1]["realised_gains"] == pytest.approx(0.96 * second, abs=0.05)


def test_irmaa_follows_the_magi_of_two_years_before() -> None:
    # A one-off 300,000 at 68 (row 1) puts that year's MAGI in the single tier above 205,000:
    # two years later (row 3) 12 × 529.60 (Part B + Part D, tier 4) = 6,355.20; no other year pays.
    plan = _plan(
        assets=[{"name": "cash", "kind": "cash", "balance": "2000000.00"}],
        incomes=[
            {
                "name": "bonus",
                "kind": "other",
                "amount": "300000.00",
                "frequency": "once",
                "start_age": 68,
            }
        ],
        expenses=_spend("50000.00"),
    )
    rows = _rows(plan, IN_2027)
    assert rows[1]["agi"] == pytest.approx(300_000.0)
    assert [r["taxes"]["irmaa"] for r in rows[:5]] == [0.0, 0.0, 0.0, 6_355.20, 0.0]


def test_proportional_draws_pro_rata_to_the_balances() -> None:
    plan = _plan(
        assets=[
            {"name": "cash", "kind": "cash", "balance": "100000.00"},
            {
                "name": "brokerage",
                "kind": "taxable",
                "balance": "100000.00",
                "stock_allocation": 0.0,
            },
            _ira("200000.00"),
            {"name": "roth", "kind": "tax_free", "balance": "100000.00", "stock_allocation": 0.0},
        ],
        expenses=_spend("50000.00"),
        withdrawal_order="proportional",
    )
    row = _rows(plan, IN_2027)[0]
    w = row["withdrawals"]
    total = sum(w.values())
    assert w["cash"] == pytest.approx(total / 5, abs=0.01)
    assert w["taxable"] == pytest.approx(total / 5, abs=0.01)
    assert w["tax_deferred"] == pytest.approx(2 * total / 5, abs=0.01)
    assert w["tax_free"] == pytest.approx(total / 5, abs=0.01)
    # 0.4 G of ordinary income; G − tax = 50,000. 0.4 G ≈ 20,400 is below the 24,150 deduction:
    # no tax, G = 50,000.
    assert total == pytest.approx(50_000.0, abs=0.02)
    assert row["taxes"]["federal"] == 0.0


def test_bracket_fill_draws_tax_deferred_to_the_brackets_top_first() -> None:
    # The 12 % top is reached at an IRA draw of 74,550 (as in the conversion test), tax
    # 5,800; the rest of spending 100,000 comes from cash: 100,000 − 74,550 + 5,800.
    plan = _plan(
        assets=[{"name": "cash", "kind": "cash", "balance": "1000000.00"}, _ira("1000000.00")],
        expenses=_spend("100000.00"),
        withdrawal_order="bracket_fill",
        fill_bracket=0.12,
    )
    row = _rows(plan, IN_2027)[0]
    assert row["withdrawals"]["tax_deferred"] == pytest.approx(74_550.0, abs=0.02)
    assert row["withdrawals"]["cash"] == pytest.approx(31_250.0, abs=0.02)
    assert row["taxes"]["federal"] == pytest.approx(5_800.0, abs=0.01)
    assert row["spending"] == pytest.approx(100_000.0, abs=0.01)
    # Conventional order would spend the cash first and pay no tax this year.
    conventional = _rows(
        {**plan, "assumptions": {**plan["assumptions"], "withdrawal_order": "conventional"}},
        IN_2027,
    )[0]
    assert conventional["withdrawals"]["cash"] == pytest.approx(100_000.0)
    assert conventional["taxes"]["federal"] == 0.0


def test_the_gross_up_meets_spending_to_under_a_dollar_on_every_path() -> None:
    plan = {
        "profile": {
            "current_age": 62,
            "retirement_age": 62,
            "life_expectancy": 95,
            "filing_status": "married_joint",
            "partner": {"current_age": 60, "retirement_age": 60, "life_expectancy": 93},
        },
        "assets": [
            {"name": "cash", "kind": "cash", "balance": "30000.00"},
            {
                "name": "brokerage",
                "kind": "taxable",
                "balance": "600000.00",
                "cost_basis": "300000.00",
            },
            _ira("1200000.00", stock_allocation=0.6),
            {"name": "roth", "kind": "tax_free", "balance": "200000.00"},
        ],
        "incomes": [
            {"name": "ss", "kind": "social_security", "amount": "36000.00", "start_age": 67},
            {"name": "ss2", "kind": "social_security", "amount": "20000.00", "owner": "partner"},
            {"name": "pension", "kind": "pension", "amount": "15000.00", "survivor_fraction": 0.5},
        ],
        "expenses": _spend("130000.00"),
        "assumptions": {
            "mode": "monte_carlo",
            "paths": 2000,
            "seed": 7,
            "tax": {"regime": "us", "state_rate": 0.05},
            "roth_conversion": {"up_to_bracket": 0.22, "from_age": 62, "to_age": 66},
        },
    }
    output = evaluate(prepare(plan, today=date(2026, 6, 1)))
    funded = output.depletion_index
    rows = output.spending.shape[0] - 1
    for t in range(rows):
        ok = (funded < 0) | (funded > t)
        gap = abs(output.spending[t, ok] - 130_000.0)
        assert gap.max() < 1.0, t
    assert output.grossup is not None
    assert output.grossup[0] <= 12


def test_after_a_death_the_survivor_takes_the_rmds_at_their_own_age() -> None:
    # Spousal rollover: the IRA of the first person (80, born 1946: RMDs since 72) passes at
    # their death (life expectancy 82: not alive from row 2) to the partner (70 now, born
    # 1956: RMDs from 73), who is 72 in row 2 — no RMD — and 73 in row 3. Periods: 80 → 20.2,
    # 81 → 19.4, 73 → 26.5 (Uniform Lifetime Table).
    plan = {
        "profile": {
            "current_age": 80,
            "retirement_age": 65,
            "life_expectancy": 82,
            "filing_status": "married_joint",
            "partner": {"current_age": 70, "retirement_age": 65, "life_expectancy": 95},
        },
        "assets": [_ira("1000000.00")],
        "assumptions": dict(ZERO),
    }
    rows = _rows(plan, date(2026, 6, 1))
    first = 1_000_000 / 20.2
    second = (1_000_000 - first) / 19.4
    left = 1_000_000 - first - second
    assert [r["rmd"] for r in rows[:4]] == pytest.approx(
        [first, second, 0.0, left / 26.5], abs=0.01
    )


@pytest.mark.parametrize(
    ("currency", "regime"), [(None, "us"), ("USD", "us"), ("EUR", "flat"), ("GBP", "flat")]
)
def test_a_null_regime_is_us_for_dollars_and_flat_otherwise(
    currency: str | None, regime: str
) -> None:
    plan = _plan(assets=[_ira("1000.00")])
    del plan["assumptions"]["tax"]
    plan["profile"]["currency"] = currency
    result = run_projection(plan, today=IN_2027)
    assert result["tax_law"]["regime"] == regime
    assert (result["detail"] is None) is (regime == "flat")


def test_a_law_year_that_is_not_shipped_is_refused() -> None:
    plan = _plan(assets=[_ira("1000.00")], tax={"regime": "us", "year": 2019})
    with pytest.raises(ValueError, match=r"tax\.year 2019"):
        run_projection(plan, today=IN_2027)


@pytest.mark.parametrize("field", ["from_age", "to_age", "up_to_bracket"])
def test_a_roth_conversion_refuses_booleans(field: str) -> None:
    conversion: dict[str, Any] = {"up_to_bracket": 0.12, "from_age": 60, "to_age": 70}
    conversion[field] = False
    plan = _plan(assets=[_ira("1000.00")], roth_conversion=conversion)
    with pytest.raises(ValueError, match="not true or false"):
        run_projection(plan, today=IN_2027)


def test_a_conversions_tax_comes_from_cash_whatever_the_order() -> None:
    # Proportional order, no spending: the only draw is the conversion's tax (5,800, as in
    # the 12 % test above), and it comes from cash, not pro rata from the IRA and the Roth.
    plan = _plan(
        assets=[
            {"name": "cash", "kind": "cash", "balance": "100000.00"},
            _ira("1000000.00"),
            {"name": "roth", "kind": "tax_free", "balance": "100000.00", "stock_allocation": 0.0},
        ],
        roth_conversion={"up_to_bracket": 0.12, "from_age": 67, "to_age": 67},
        withdrawal_order="proportional",
    )
    row = _rows(plan, IN_2027)[0]
    assert row["roth_conversion"] == pytest.approx(74_550.0, abs=0.02)
    assert row["taxes"]["federal"] == pytest.approx(5_800.0, abs=0.01)
    assert row["withdrawals"] == pytest.approx(
        {"cash": 5_800.0, "taxable": 0.0, "tax_deferred": 0.0, "tax_free": 0.0}, abs=0.01
    )
