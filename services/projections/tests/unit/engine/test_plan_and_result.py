"""Check plan validation at the edge and the result's shape and hash."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from projections.engine import ENGINE_VERSION, Plan, run_projection
from projections.engine.household import completed_years

TODAY = date(2025, 6, 1)
PERCENTILE_KEYS = {"p10", "p25", "p50", "p75", "p90"}
MONEY = {
    "portfolio",
    "portfolio_real",
    "income",
    "spending",
    "essential_spending",
    "discretionary_spending",
    "withdrawals",
    "taxes",
    "debt",
    "rmd",
    "roth_conversions",
}


def test_an_unknown_field_is_rejected(make_plan):
    plan = make_plan()
    plan["assets"][0]["colour"] = "blue"
    with pytest.raises(ValidationError, match="colour"):
        Plan.model_validate(plan)


def test_an_unknown_assumption_is_rejected(make_plan):
    with pytest.raises(ValidationError, match="stock_retrun"):
        Plan.model_validate(make_plan(stock_retrun=0.1))


def test_money_accepts_decimal_strings_and_keeps_them_exact(make_plan):
    plan = make_plan()
    plan["assets"][0]["balance"] = "1234.56"
    assert Plan.model_validate(plan).assets[0].balance == Decimal("1234.56")


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [
        ("assets", "balance", "-1.00"),
        ("assets", "balance", "1.001"),
        ("assets", "stock_allocation", 1.5),
        ("assets", "kind", "crypto"),
    ],
)
def test_out_of_range_values_are_rejected(make_plan, section, field, value):
    plan = make_plan()
    plan[section][0][field] = value
    with pytest.raises(ValidationError):
        Plan.model_validate(plan)


@pytest.mark.parametrize(
    ("assumption", "value"),
    [
        ("paths", 0),
        ("paths", 100_001),
        ("withdrawal_strategy", "yolo"),
        ("mode", "quantum"),
        ("income_tax_rate", 1.0),
        ("stock_bond_corr", 1.5),
        # A JSON boolean is not a number anywhere in the assumptions (schemathesis found these).
        ("roth_conversion", {"up_to_bracket": 0.12, "from_age": False, "to_age": 70}),
        ("roth_conversion", {"up_to_bracket": 0.12, "from_age": 0, "to_age": True}),
        ("roth_conversion", {"up_to_bracket": 0.15, "from_age": 60, "to_age": 70}),
        ("fill_bracket", 0.2),
        ("tax", {"state_rate": True}),
        ("tax", {"year": False}),
        ("dividend_yield", False),
    ],
)
def test_out_of_range_assumptions_are_rejected(make_plan, assumption, value):
    with pytest.raises(ValidationError):
        Plan.model_validate(make_plan(**{assumption: value}))


def test_an_expense_window_ending_before_it_starts_is_rejected(make_plan):
    plan = make_plan(expenses=[{"name": "x", "amount": "1.00", "start_age": 70, "end_age": 60}])
    with pytest.raises(ValidationError, match="end_age"):
        Plan.model_validate(plan)


def test_a_profile_needs_a_birth_date_or_a_current_age(make_plan):
    plan = make_plan()
    del plan["profile"]["current_age"]
    with pytest.raises(ValidationError, match="birth_date or current_age"):
        Plan.model_validate(plan)


def test_current_age_is_the_completed_years_since_the_birth_date():
    assert completed_years(date(1960, 6, 2), date(2025, 6, 1)) == 64
    assert completed_years(date(1960, 6, 1), date(2025, 6, 1)) == 65


def test_a_birth_date_plan_starts_at_the_age_completed_on_the_run_date(make_plan):
    plan = make_plan()
    plan["profile"] = {"birth_date": "1960-06-02", "retirement_age": 65, "life_expectancy": 95}
    result = run_projection(plan, today=TODAY)
    assert result["years"][0]["age"] == 64
    assert result["years"][0]["year"] == 2025


def test_the_result_has_designs_exact_shape(make_plan):
    result = run_projection(make_plan(mode="monte_carlo", paths=100, seed=1), today=TODAY)
    assert set(result) == {
        "success_rate",
        "adjustment_rate",
        "paths",
        "seed",
        "inputs_hash",
        "engine_version",
        "dataset_hash",
        "depletion_ages",
        "shortfall",
        "lifespans",
        "years",
        "tax_law",
        "detail",
        "worst_start_years",
    }
    assert result["worst_start_years"] is None  # historical mode only
    assert result["tax_law"] == {"regime": "flat", "law_year": None, "hash": None}
    assert result["detail"] is None  # the flat regime has no per-tax breakdown
    assert result["lifespans"] is None  # fixed longevity
    assert result["engine_version"] == ENGINE_VERSION
    assert result["paths"] == 100
    assert result["seed"] == 1
    assert result["dataset_hash"] is None
    # Funded years are ages 65 .. 94, plus a last row at 95 showing what is left.
    assert [row["age"] for row in result["years"]] == list(range(65, 96))
    for row in result["years"]:
        assert set(row) == {"age", "partner_age", "year", "alive_share", *MONEY}
        assert row["partner_age"] is None
        for field in MONEY:
            assert set(row[field]) == PERCENTILE_KEYS
            assert all(isinstance(v, float) for v in row[field].values())
    last = result["years"][-1]
    assert last["withdrawals"]["p50"] == 0.0
    assert last["spending"]["p50"] == 0.0


def test_the_first_row_reports_the_portfolio_before_its_flows(make_plan):
    result = run_projection(make_plan(withdrawal_strategy="fixed_real"), today=TODAY)
    assert result["years"][0]["portfolio"]["p50"] == 1_000_000.0
    assert result["years"][1]["portfolio"]["p50"] == 960_000.0


def test_the_inputs_hash_is_stable_and_changes_with_any_input(make_plan):
    first = run_projection(make_plan(), today=TODAY)["inputs_hash"]
    assert run_projection(make_plan(), today=TODAY)["inputs_hash"] == first
    assert run_projection(make_plan(inflation=0.01), today=TODAY)["inputs_hash"] != first
    assert len(first) == 64


def test_depletion_shares_and_success_rate_add_up_to_one(make_plan):
    plan = make_plan(
        mode="monte_carlo",
        paths=1_000,
        seed=4,
        stock_return=0.05,
        stock_vol=0.25,
        withdrawal_strategy="fixed_real",
        withdrawal_rate=0.06,
    )
    result = run_projection(plan, today=TODAY)
    assert 0.0 < result["success_rate"] < 1.0
    assert result["success_rate"] + sum(result["depletion_ages"].values()) == pytest.approx(1.0)
    assert all(65 <= int(age) < 95 for age in result["depletion_ages"])


def test_historical_mode_with_a_missing_data_file_is_a_clear_error(
    make_plan, monkeypatch, tmp_path
):
    monkeypatch.setenv("NESTEGG_HISTORICAL_DATA", str(tmp_path / "missing.csv"))
    with pytest.raises(ValueError, match="historical data file not found"):
        run_projection(make_plan(mode="historical"), today=TODAY)


def test_the_expected_inputs_hash_matches_the_result_of_a_seeded_run() -> None:
    from projections.engine import expected_inputs_hash, run_projection

    plan = {
        "profile": {"current_age": 40, "retirement_age": 65, "life_expectancy": 90},
        "assets": [{"name": "a", "kind": "taxable", "balance": "100000.00"}],
        "assumptions": {"mode": "monte_carlo", "paths": 200, "seed": 7},
    }
    assert expected_inputs_hash(plan) == run_projection(plan)["inputs_hash"]
    deterministic = {**plan, "assumptions": {"mode": "deterministic"}}
    assert expected_inputs_hash(deterministic) == run_projection(deterministic)["inputs_hash"]


def test_an_unseeded_monte_carlo_plan_has_no_expected_hash() -> None:
    import pytest

    from projections.engine import expected_inputs_hash

    plan = {
        "profile": {"current_age": 40, "retirement_age": 65, "life_expectancy": 90},
        "assumptions": {"mode": "monte_carlo"},
    }
    with pytest.raises(ValueError, match="seed"):
        expected_inputs_hash(plan)
