"""resume.py: a plan goes on from another's state at the first row where their inputs differ.

The rows are derived by hand from the plans' ages (row r is the year the first person turns
current_age + r); the resumed outputs are checked bit for bit against whole runs.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pytest

from projections.engine import api
from projections.engine.api import plan_inputs
from projections.engine.bench import couple_plan, us_plan
from projections.engine.compare import prepared_for
from projections.engine.kernel import KernelInputs, KernelOutput, simulate
from projections.engine.resume import first_difference, kept_rows, resume_row, state_vectors

TODAY = date(2026, 1, 1)
AGE, RETIRE, END = 40, 65, 95  # a single person: rows 0 … 54 are the ages 40 … 94


def single(regime: str = "flat", **assumptions: Any) -> dict[str, Any]:
    """Return a 55-row plan: salary to retirement, Social Security at 67, a home sold at 80."""
    return {
        "profile": {"current_age": AGE, "retirement_age": RETIRE, "life_expectancy": END},
        "assets": [
            {"name": "cash", "kind": "cash", "balance": "20000.00"},
            {"name": "brokerage", "kind": "taxable", "balance": "150000.00"},
            {
                "name": "401k",
                "kind": "tax_deferred",
                "balance": "250000.00",
                "annual_contribution": "12000.00",
            },
            {"name": "roth", "kind": "tax_free", "balance": "40000.00"},
            {"name": "home", "kind": "real_estate", "balance": "400000.00", "sell_age": 80},
        ],
        "incomes": [
            {"name": "salary", "kind": "salary", "amount": "90000.00", "growth_rate": 0.02},
            {
                "name": "social security",
                "kind": "social_security",
                "amount": "2400.00",
                "frequency": "monthly",
                "start_age": 67,
            },
        ],
        "expenses": [
            {"name": "living", "amount": "50000.00", "essential": True},
            {"name": "fun", "amount": "15000.00", "essential": False},
        ],
        "assumptions": {"paths": 300, "seed": 7, "tax": {"regime": regime}} | assumptions,
    }


Change = Callable[[dict[str, Any]], None]


def changed(plan: dict[str, Any], change: Change) -> dict[str, Any]:
    other = copy.deepcopy(plan)
    change(other)
    return other


def inputs(plan: dict[str, Any]) -> tuple[api.Prepared, KernelInputs]:
    ready = api.prepare(api.as_plan(plan), today=TODAY)
    return ready, plan_inputs(ready)


def fork(plan: dict[str, Any], change: Change) -> int:
    """Return the first row that can differ between the plan and the changed plan."""
    base, first = inputs(plan)
    other = prepared_for(base, api.as_plan(changed(plan, change)), TODAY)
    return first_difference(first, plan_inputs(other))


def retire_at(age: int) -> Change:
    return lambda p: p["profile"].update(retirement_age=age)


def strategy(name: str) -> Change:
    return lambda p: p["assumptions"].update(withdrawal_strategy=name)


def expense_from(age: int | None) -> Change:
    return lambda p: p["expenses"].append({"name": "travel", "amount": "6000.00", "start_age": age})


def claim_at(age: int) -> Change:
    return lambda p: p["incomes"][1].update(start_age=age)


def sell_at(age: int) -> Change:
    return lambda p: p["assets"][4].update(sell_age=age)


def convert(bracket: float) -> Change:
    roth = {"up_to_bracket": bracket, "from_age": 60, "to_age": 70}
    return lambda p: p["assumptions"].update(roth_conversion=roth)


ROWS = END - AGE  # fixed longevity: the plan ends at the life expectancy


@pytest.mark.parametrize(
    ("regime", "change", "row"),
    [
        ("flat", lambda p: None, ROWS),  # the same plan: no row differs
        ("flat", retire_at(67), RETIRE - AGE),  # both work to 65
        ("flat", retire_at(60), 60 - AGE),
        ("flat", strategy("guardrails"), RETIRE - AGE),  # a rule acts once retired
        ("flat", strategy("fixed_real"), RETIRE - AGE),
        ("flat", expense_from(70), 70 - AGE),
        ("flat", expense_from(None), 0),  # from this year
        ("flat", claim_at(70), 67 - AGE),  # the earlier claim's first payment
        ("flat", sell_at(75), 75 - AGE),  # the earlier sale
        ("flat", lambda p: p["assumptions"].update(income_tax_rate=0.3), 0),
        ("flat", lambda p: p["assets"][0].update(balance="20000.01"), 0),  # read from row 0
        ("us", lambda p: p["assumptions"].update(income_tax_rate=0.3), ROWS),  # flat rate: unread
        ("us", convert(0.22), 60 - AGE),  # converting from 60 on
        ("us", retire_at(67), RETIRE - AGE),
        ("us", claim_at(62), 62 - AGE),
        ("us", sell_at(85), 80 - AGE),
    ],
)
def test_the_first_row_that_can_differ_is_where_the_plans_part(
    regime: str, change: Change, row: int
) -> None:
    assert fork(single(regime), change) == row


def test_a_roth_conversion_differs_from_its_first_year() -> None:
    plan = single("us")
    convert(0.12)(plan)
    assert fork(plan, convert(0.22)) == 60 - AGE  # the bracket, from the first conversion
    assert fork(plan, lambda p: p["assumptions"]["roth_conversion"].update(from_age=62)) == (
        60 - AGE
    )
    assert fork(plan, lambda p: p["assumptions"]["roth_conversion"].update(to_age=68)) == (
        69 - AGE  # the shorter window's first year without a conversion
    )


def test_a_field_no_rule_names_counts_from_row_zero() -> None:
    _, first = inputs(single())
    weights = dataclasses.replace(first, stock_weight=first.stock_weight * 0.5)
    assert first_difference(first, weights) == 0
    assert first_difference(first, dataclasses.replace(first, years=first.years - 1)) == 0


def test_kept_rows_save_the_most_rows_within_the_states_allowed() -> None:
    forks = [32, 35, 0, 35, 65]
    # One state: at 32 four plans skip 32 rows (128); at 35, three skip 35 (105); at 65, 65.
    assert kept_rows(forks, 1) == {32}
    # Two: {32, 65} saves 32 + 32 + 32 + 65 = 161, {32, 35} only 32 + 35 + 35 + 35 = 137.
    assert kept_rows(forks, 2) == {32, 65}
    assert kept_rows(forks, 3) == {32, 35, 65}  # 32 + 35 + 35 + 65 = 167
    assert kept_rows(forks, 9) == {32, 35, 65}  # no other row saves anything
    assert kept_rows([0, 0], 4) == frozenset()
    assert resume_row(frozenset({32, 65}), 35) == 32  # the latest kept row at or before
    assert resume_row(frozenset({32, 65}), 31) == 0  # none: from the start


OUTPUT_ROWS = ("portfolio", "portfolio_real", "income", "spending", "withdrawals", "taxes")
PER_PATH = ("unfunded_real", "years_short", "adjusted", "deepest_cut", "failed", "depletion")


def assert_resumed_equal(whole: KernelOutput, resumed: KernelOutput) -> None:
    """Assert a resumed output equals the whole run on every row it computes, bit for bit."""
    first = resumed.first_row
    for name in (*OUTPUT_ROWS, "rmd", "conversions", "home_sale_gains"):
        mine, theirs = getattr(whole, name), getattr(resumed, name)
        if mine is None:
            assert theirs is None
            continue
        np.testing.assert_array_equal(theirs[first:], mine[first:], err_msg=name)
        assert not theirs[:first].any(), f"{name}: rows before the resumed row are not computed"
    assert whole.outcome is not None and resumed.outcome is not None
    np.testing.assert_array_equal(
        resumed.outcome.discretionary[first:], whole.outcome.discretionary[first:]
    )
    for name in PER_PATH:
        np.testing.assert_array_equal(getattr(resumed.outcome, name), getattr(whole.outcome, name))
    assert resumed.grossup == whole.grossup


PLANS = {
    "flat single guardrails": single(withdrawal_strategy="guardrails"),
    "flat single fixed_real": single(withdrawal_strategy="fixed_real"),
    "flat single floor_ceiling historical": single(
        withdrawal_strategy="floor_ceiling", mode="historical"
    ),
    "flat couple stochastic": couple_plan("guardrails", 300),
    "us single rmd_based": single(
        "us",
        withdrawal_strategy="rmd_based",
        roth_conversion={"up_to_bracket": 0.22, "from_age": 60, "to_age": 70},
    ),
    "us couple": us_plan(300),
}


@pytest.mark.parametrize("name", PLANS)
def test_a_run_resumed_from_a_kept_state_is_the_whole_run_from_that_row(name: str) -> None:
    ready, first = inputs(PLANS[name])
    rows = (1, first.retirement_index, first.retirement_index + 3, first.years - 1, first.years)
    whole = simulate(first, ready.returns, keep=frozenset(rows))
    assert set(whole.kept) == set(rows)
    # The compare's memory budget (compare.STATE_BYTES) counts on state_vectors' bound.
    vectors = state_vectors(first.balances.size, first.us is not None)
    for row in rows:
        assert whole.kept[row].row == row
        assert whole.kept[row].nbytes <= vectors * 8 * ready.returns.paths
        resumed = simulate(first, ready.returns, resume=whole.kept[row])
        assert resumed.first_row == row
        assert_resumed_equal(whole, resumed)
    # A kept state is a copy: resuming it twice gives the same run.
    again = simulate(first, ready.returns, resume=whole.kept[rows[2]])
    assert_resumed_equal(whole, again)


def test_a_scenario_resumed_from_the_baseline_is_its_own_whole_run() -> None:
    plan = PLANS["us couple"]
    base, first = inputs(plan)
    later = prepared_for(base, api.as_plan(changed(plan, retire_at(67))), TODAY)
    theirs = plan_inputs(later)
    row = first_difference(first, theirs)
    assert row == 65 - 57  # the first person is 57 and worked to 65: the rows before are shared
    kept = simulate(first, base.returns, keep=frozenset({row})).kept
    whole = simulate(theirs, base.returns)
    assert_resumed_equal(whole, simulate(theirs, base.returns, resume=kept[row]))
