"""Check historical mode's `worst_start_years` against a plain-Python backtest of each start year.

The expectations come from a loop over the shipped series' yearly returns (the loader is
checked year by year against an independent csv reading in test_historical.py), not from the
kernel: withdraw at the start of the year, earn the 60/40 mix, raise the withdrawal by the
year's inflation; a year whose withdrawal exceeds the balance is the year the money runs out.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from projections.engine import load_shiller_csv, run_projection
from projections.result_models import ProjectionResult, WorstStartYear

TODAY = date(2025, 6, 1)
YEARS = 30
FIRST_AGE = 65


def _plan(make_plan: Any, rate: float, **assumptions: Any) -> dict[str, Any]:
    plan: dict[str, Any] = make_plan(
        current_age=FIRST_AGE,
        retirement_age=FIRST_AGE,
        life_expectancy=FIRST_AGE + YEARS,
        withdrawal_strategy="fixed_real",
        withdrawal_rate=rate,
        assets=[
            {
                "name": "portfolio",
                "kind": "taxable",
                "balance": "1000000.00",
                "stock_allocation": 0.6,
            }
        ],
        **{"mode": "historical", **assumptions},
    )
    return plan


def _backtest(csv: Path, rate: float) -> dict[int, tuple[int | None, float, list[float]]]:
    """Return start year → (depletion age or None, final real portfolio, real portfolio by row)."""
    series = load_shiller_csv(csv)
    base = series.years[0]
    out = {}
    for start in range(base, series.years[-1] - YEARS + 2):
        balance, withdrawal, price = 1_000_000.0, rate * 1_000_000.0, 1.0
        depleted: int | None = None
        real = []
        for t in range(YEARS):
            i = start - base + t
            real.append(balance / price)
            if balance < withdrawal and depleted is None:
                depleted = FIRST_AGE + t
            balance = max(balance - withdrawal, 0.0)
            balance *= 1 + 0.6 * series.stock[i] + 0.4 * series.bond[i]
            withdrawal *= 1 + series.inflation[i]
            price *= 1 + series.inflation[i]
        real.append(balance / price)
        out[start] = (depleted, balance / price, real)
    return out


def _ranked(backtest: dict[int, tuple[int | None, float, list[float]]]) -> list[int]:
    """Order start years as documented: failing first by earliest depletion, then lowest final."""
    return sorted(
        backtest,
        key=lambda s: (
            backtest[s][0] is None,
            backtest[s][0] or 0,
            backtest[s][1],
            s,
        ),
    )


# The kernel and the loop do the same float operations in the same order but for the
# withdrawal's tax gross-up (a zero rate) and the rebalancing mix's 0 × inflation term, so
# they agree to well under a cent on ~$10⁶; the result rounds to cents, hence one cent.
CENT = 0.01


def test_the_worst_start_years_of_the_4_percent_rule_match_a_plain_backtest(
    make_plan, historical_csv
):
    result = run_projection(_plan(make_plan, 0.04), today=TODAY, historical_path=historical_csv)
    backtest = _backtest(historical_csv, 0.04)
    failing = [s for s, (age, _, _) in backtest.items() if age is not None]
    assert 0 < len(failing) <= 10  # so every failing year is listed, as documented
    worst = result["worst_start_years"]
    assert len(worst) == max(5, len(failing))
    assert [w["start_year"] for w in worst] == _ranked(backtest)[: len(worst)]
    assert sum(w["depleted_at_age"] is not None for w in worst) == len(failing)
    for entry in worst:
        depleted, final, real = backtest[entry["start_year"]]
        assert entry["depleted_at_age"] == depleted
        assert entry["final_portfolio_real"] == pytest.approx(final, abs=CENT)
        assert len(entry["portfolio_real"]) == YEARS + 1  # aligned with `years`' rows
        assert entry["portfolio_real"] == pytest.approx(real, abs=CENT)
    # cFIREsim's 1966 view: the stagflation retiree runs out, after the late 1960s' peers.
    by_year = {w["start_year"]: w for w in worst}
    assert 1966 in by_year and by_year[1966]["depleted_at_age"] is not None
    # The OpenAPI document describes every field (WorstStartYear forbids others).
    ProjectionResult.model_validate(result)
    assert all(set(entry) == set(WorstStartYear.model_fields) for entry in worst)
    # The rows' failure shares agree: the listed failing years are all the failing paths.
    assert sum(result["depletion_ages"].values()) * result["paths"] == pytest.approx(len(failing))


@pytest.mark.parametrize("start", [1929, 1966, 1982])
def test_one_start_years_final_real_portfolio_to_the_cent(make_plan, historical_csv, start):
    # A range that leaves exactly this start year: the entry is that path, whatever its rank.
    plan = _plan(make_plan, 0.04, historical={"first_year": start, "last_year": start + YEARS - 1})
    result = run_projection(plan, today=TODAY, historical_path=historical_csv)
    depleted, final, _ = _backtest(historical_csv, 0.04)[start]
    assert result["paths"] == 1
    [entry] = result["worst_start_years"]
    assert entry["start_year"] == start
    assert entry["depleted_at_age"] == depleted
    assert entry["final_portfolio_real"] == pytest.approx(final, abs=CENT)
    assert entry["final_portfolio_real"] == result["years"][-1]["portfolio_real"]["p50"]


def test_when_every_start_year_lasts_the_lowest_ending_ones_are_listed(make_plan, historical_csv):
    result = run_projection(_plan(make_plan, 0.03), today=TODAY, historical_path=historical_csv)
    backtest = _backtest(historical_csv, 0.03)
    assert all(age is None for age, _, _ in backtest.values())
    assert result["success_rate"] == 1.0
    worst = result["worst_start_years"]
    lowest = sorted(backtest, key=lambda s: (backtest[s][1], s))[:5]
    assert [w["start_year"] for w in worst] == lowest
    assert all(w["depleted_at_age"] is None for w in worst)
    finals = [w["final_portfolio_real"] for w in worst]
    assert finals == sorted(finals)
    assert finals[0] == pytest.approx(backtest[lowest[0]][1], abs=CENT)


def test_other_modes_and_stochastic_lives_have_none(make_plan, historical_csv):
    deterministic = run_projection(_plan(make_plan, 0.04, mode="deterministic"), today=TODAY)
    assert deterministic["worst_start_years"] is None
    monte_carlo = run_projection(
        _plan(make_plan, 0.04, mode="monte_carlo", paths=50, seed=1), today=TODAY
    )
    assert monte_carlo["worst_start_years"] is None
    # Under stochastic lifespans a start year is many paths (one per drawn lifespan pair).
    stochastic = _plan(make_plan, 0.04, longevity="stochastic", paths=200, seed=3)
    result = run_projection(stochastic, today=TODAY, historical_path=historical_csv)
    assert result["worst_start_years"] is None
