"""Check the historical series and the 30-year 4% backtest against independent computations."""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path

import pytest

from projections.engine import load_shiller_csv, run_projection

TODAY = date(2025, 6, 1)


def _bond(coupon: float, sell_yield: float) -> float:
    # The remaining 9 annual coupons and principal priced at the new yield, plus this year's coupon.
    discount = (1 + sell_yield) ** -9
    return coupon * (1 - discount) / sell_yield + discount + coupon - 1


def _annual_series(path: Path) -> dict[int, tuple[float, float, float]]:
    """Recompute DESIGN §6's annual series with the csv module, apart from the engine."""
    rows = {}
    with path.open(newline="") as handle:
        for row in csv.reader(handle):
            if row[0] == "Date":
                continue
            if float(row[2]) == 0.0 or float(row[4]) == 0.0:
                break
            rows[row[0][:7]] = [float(x) for x in row[1:6]]
    series = {}
    for year in range(1871, 2200):
        months = [rows.get(f"{year}-{m:02d}") for m in range(1, 13)]
        following = rows.get(f"{year + 1}-01")
        if following is None or any(m is None for m in months):
            break
        jan = months[0]
        dividend = sum(m[1] for m in months) / 12
        series[year] = (
            (following[0] + dividend) / jan[0] - 1,
            _bond(jan[4] / 100, following[4] / 100),
            following[3] / jan[3] - 1,
        )
    return series


def _backtest(series: dict[int, tuple[float, float, float]], stocks: float) -> float:
    """Run the plain 30-year 4% rule over every start year; return the share that survives."""
    years = sorted(series)
    starts = [y for y in years if y + 29 <= years[-1]]
    survived = 0
    for start in starts:
        balance, withdrawal, ok = 1_000_000.0, 40_000.0, True
        for year in range(start, start + 30):
            stock, bond, inflation = series[year]
            if balance < withdrawal:
                ok = False
                break
            balance = (balance - withdrawal) * (1 + stocks * stock + (1 - stocks) * bond)
            withdrawal *= 1 + inflation
        survived += ok
    return survived / len(starts)


def test_the_loader_matches_annual_values_computed_by_hand_from_the_csv_rows(historical_csv):
    series = load_shiller_csv(historical_csv)
    by_year = {y: i for i, y in enumerate(series.years)}

    # 1871: SP500 Jan 4.44 -> Jan 1872 4.86; Dividend 0.26 every month; CPI 12.46 -> 12.65;
    # GS10 5.32% -> 5.36%.
    i = by_year[1871]
    assert series.stock[i] == pytest.approx((4.86 + 0.26) / 4.44 - 1, rel=1e-12)  # 0.1531531532
    assert series.inflation[i] == pytest.approx(12.65 / 12.46 - 1, rel=1e-12)  # 0.0152487961
    assert series.bond[i] == pytest.approx(0.0504019020, abs=1e-10)

    # 1931: SP500 15.98 -> 8.30; dividends 0.9667 .. 0.82 sum to 10.72 (mean 0.893333);
    # CPI 15.9 -> 14.3; GS10 3.34% -> 3.68%.
    i = by_year[1931]
    assert series.stock[i] == pytest.approx(
        (8.3 + 10.72 / 12) / 15.98 - 1, rel=1e-12
    )  # -0.4246975386
    assert series.inflation[i] == pytest.approx(14.3 / 15.9 - 1, rel=1e-12)  # -0.1006289308
    assert series.bond[i] == pytest.approx(0.0077471588, abs=1e-10)

    # 2022: SP500 4573.8155 -> 3960.6565; mean monthly dividend 64.0134963571;
    # CPI 281.15 -> 299.17; GS10 1.76% -> 3.53%.
    i = by_year[2022]
    assert series.stock[i] == pytest.approx(-0.1200628892, abs=1e-10)
    assert series.inflation[i] == pytest.approx(0.0640939001, abs=1e-10)
    assert series.bond[i] == pytest.approx(-0.1168700276, abs=1e-10)


def test_the_loader_stops_at_the_last_complete_year_before_the_zero_padding(historical_csv):
    series = load_shiller_csv(historical_csv)
    assert series.years[0] == 1871
    # Dividends and CPI end with 2023-06, so 2022 (which needs January 2023) is the last full year.
    assert series.years[-1] == 2022
    assert series.sha256 == hashlib.sha256(historical_csv.read_bytes()).hexdigest()


def test_the_loader_agrees_with_an_independent_csv_reading_for_every_year(historical_csv):
    series = load_shiller_csv(historical_csv)
    independent = _annual_series(historical_csv)
    assert list(series.years) == sorted(independent)
    for i, year in enumerate(series.years):
        assert (series.stock[i], series.bond[i], series.inflation[i]) == pytest.approx(
            independent[year], rel=1e-12, abs=1e-15
        )


@pytest.mark.parametrize("stocks", [1.0, 0.75, 0.5])
def test_the_30_year_4_percent_success_rate_equals_a_plain_python_backtest(
    make_plan, historical_csv, stocks
):
    plan = make_plan(
        current_age=65,
        retirement_age=65,
        life_expectancy=95,
        mode="historical",
        withdrawal_strategy="fixed_real",
        withdrawal_rate=0.04,
        assets=[
            {
                "name": "portfolio",
                "kind": "taxable",
                "balance": "1000000.00",
                "stock_allocation": stocks,
            }
        ],
    )
    result = run_projection(plan, today=TODAY, historical_path=historical_csv)
    expected = _backtest(_annual_series(historical_csv), stocks)
    assert result["success_rate"] == expected
    assert result["paths"] == 2022 - 29 - 1871 + 1
    assert result["seed"] is None
    assert result["dataset_hash"] == hashlib.sha256(historical_csv.read_bytes()).hexdigest()
    assert sum(result["depletion_ages"].values()) == pytest.approx(1 - expected, abs=1e-12)


def test_the_historical_range_limits_the_start_years(make_plan, historical_csv):
    plan = make_plan(
        current_age=65,
        retirement_age=65,
        life_expectancy=95,
        mode="historical",
        withdrawal_strategy="fixed_real",
        historical={"first_year": 1926, "last_year": 2000},
    )
    result = run_projection(plan, today=TODAY, historical_path=historical_csv)
    assert result["paths"] == 2000 - 29 - 1926 + 1


def test_a_plan_longer_than_the_history_is_an_error(make_plan, historical_csv):
    plan = make_plan(
        current_age=20, life_expectancy=95, mode="historical", historical={"first_year": 1990}
    )
    with pytest.raises(ValueError, match="complete years"):
        run_projection(plan, today=TODAY, historical_path=historical_csv)
