"""Check invariants over generated plans with hypothesis."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.engine.api import evaluate, prepare

TODAY = date(2025, 6, 1)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,  # leave no .hypothesis directory in the repository
    suppress_health_check=[HealthCheck.too_slow],
)

money = st.integers(min_value=0, max_value=2_000_000).map(lambda cents: f"{cents}.00")
kinds = st.sampled_from(["cash", "taxable", "tax_deferred", "tax_free", "real_estate", "other"])
asset = st.fixed_dictionaries(
    {
        "name": st.just("a"),
        "kind": kinds,
        "balance": money,
        "stock_allocation": st.floats(0.0, 1.0),
        "annual_contribution": st.integers(0, 20_000).map(lambda v: f"{v}.00"),
        "contribution_end_age": st.integers(30, 70),
    }
)


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    """Draw a small Monte Carlo plan with a salary that ends at retirement and one expense."""
    current = draw(st.integers(30, 60))
    life = draw(st.integers(current + 5, current + 40))
    return {
        "profile": {
            "current_age": current,
            "retirement_age": draw(st.integers(current, life)),
            "life_expectancy": life,
        },
        "assets": draw(st.lists(asset, min_size=1, max_size=4)),
        "incomes": [
            {
                "name": "pay",
                "kind": "salary",
                "amount": draw(money),
                "growth_rate": draw(st.floats(-0.02, 0.05)),
                "taxable": draw(st.booleans()),
            }
        ],
        "expenses": [
            {
                "name": "living",
                "amount": draw(st.integers(0, 120_000).map(lambda v: f"{v}.00")),
                "inflation_indexed": draw(st.booleans()),
            }
        ],
        "assumptions": {
            "mode": "monte_carlo",
            "paths": 64,
            "seed": draw(st.integers(0, 2**32)),
            "income_tax_rate": draw(st.floats(0.0, 0.5)),
            "inflation_vol": draw(st.floats(0.0, 0.2)),
            "withdrawal_strategy": "needs",
        },
    }


def _with(plan: dict[str, Any], section: str, **changes: Any) -> dict[str, Any]:
    copy = dict(plan)
    if section == "profile":
        copy["profile"] = plan["profile"] | changes
    else:
        copy[section] = [plan[section][0] | changes]
    return copy


@SETTINGS
@given(
    plan=plans(),
    strategy=st.sampled_from(["needs", "fixed_real", "fixed_percentage", "guardrails"]),
)
def test_balances_are_never_negative(plan: dict[str, Any], strategy: str) -> None:
    plan = plan | {"assumptions": plan["assumptions"] | {"withdrawal_strategy": strategy}}
    output = evaluate(prepare(plan, today=TODAY))
    assert (output.portfolio >= 0.0).all()
    assert (output.withdrawals >= 0.0).all()
    assert (output.spending >= 0.0).all()


@SETTINGS
@given(plan=plans(), extra=st.integers(1, 50_000))
def test_success_rate_never_rises_when_spending_rises(plan: dict[str, Any], extra: int) -> None:
    base = evaluate(prepare(plan, today=TODAY)).success_rate
    amount = int(plan["expenses"][0]["amount"].split(".")[0]) + extra
    more = evaluate(prepare(_with(plan, "expenses", amount=f"{amount}.00"), today=TODAY))
    assert more.success_rate <= base


@SETTINGS
@given(plan=plans(), later=st.integers(1, 10))
def test_success_rate_never_falls_when_retirement_comes_later(
    plan: dict[str, Any], later: int
) -> None:
    profile = plan["profile"]
    age = min(profile["retirement_age"] + later, profile["life_expectancy"])
    base = evaluate(prepare(plan, today=TODAY)).success_rate
    delayed = evaluate(prepare(_with(plan, "profile", retirement_age=age), today=TODAY))
    assert delayed.success_rate >= base


@SETTINGS
@given(plan=plans(), rate=st.floats(0.01, 0.08), step=st.floats(0.001, 0.05))
def test_fixed_real_success_never_rises_with_the_withdrawal_rate(
    plan: dict[str, Any], rate: float, step: float
) -> None:
    def success(r: float) -> float:
        assumptions = plan["assumptions"] | {
            "withdrawal_strategy": "fixed_real",
            "withdrawal_rate": r,
        }
        return evaluate(prepare(plan | {"assumptions": assumptions}, today=TODAY)).success_rate

    assert success(rate + step) <= success(rate)
