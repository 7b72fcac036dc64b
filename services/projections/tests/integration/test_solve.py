"""Solve: the earliest retirement age and the highest spending, checked by hand."""

from __future__ import annotations

import pytest

from projections.engine.version import ENGINE_VERSION

from .helpers import DETERMINISTIC, asset, expense, income


@pytest.fixture
def retiree(new_user, upstream):
    """62, retired, planning to 72: 300k in stocks; the ledger's expense is replaced by S."""
    me = new_user()
    upstream.person(
        me.id,
        age=62,
        retire_at=62,
        plan_to=72,
        assets=[asset(300_000)],
        expenses=[expense(90_000)],
    )
    return me


@pytest.fixture
def worker(new_user, upstream):
    """50, planning to 90: 100k at 4%, earning 60k until retirement, spending 40k a year."""
    me = new_user()
    upstream.person(
        me.id,
        age=50,
        retire_at=55,
        plan_to=90,
        assets=[asset(100_000)],
        expenses=[expense(40_000)],
        incomes=[income(60_000)],
    )
    return me


def highest_spending(start: float, growth: float, inflation: float, years: int) -> int:
    """S·Σ_{k<n} ((1+i)/(1+r))^k = B0, floored to the solver's steps of 100."""
    q = (1 + inflation) / (1 + growth)
    return int(start / sum(q**k for k in range(years)) // 100) * 100


def earliest_retirement() -> int:
    """Try each age in turn: the first whose savings carry the spending to 90."""
    for retire_at in range(50, 91):
        balance, ok = 100_000.0, True
        for age in range(50, 90):
            balance += (60_000.0 if age < retire_at else 0.0) - 40_000.0
            if balance < 0:
                ok = False
                break
            balance *= 1.04
        if ok:
            return retire_at
    raise AssertionError("no age works")


async def solve(api, user, projection_id: str, **body) -> dict:
    response = await api.post(user, f"/projections/{projection_id}/solve", body)
    assert response.status == 200, await response.text()
    answer: dict = await response.json()
    return answer


async def test_the_highest_spending_matches_the_annuity_formula(api, retiree) -> None:
    projection = await api.create_projection(retiree, "Base", stock_return=0.05, **DETERMINISTIC)
    answer = await solve(api, retiree, projection["id"], target="annual_spending", success_rate=0.9)
    expected = highest_spending(300_000, 0.05, 0.02, 10)
    assert expected == 34_000  # S = 34,061.84 before flooring
    assert answer["value"] == expected
    assert answer["target"] == "annual_spending"
    assert (answer["success_rate"], answer["achieved_success_rate"]) == (0.9, 1.0)
    assert (answer["paths"], answer["seed"], answer["dataset_hash"]) == (1, None, None)
    assert answer["engine_version"] == ENGINE_VERSION
    assert answer["projection_id"] == projection["id"]
    assert answer["scenario_id"] is None
    spending = [row["spending"]["p50"] for row in answer["result"]["years"]]
    assert spending[:3] == pytest.approx([34_000.0, 34_680.0, 35_373.6], abs=0.01)
    assert answer["result"]["success_rate"] == 1.0
    assert await api.count("runs", retiree.id) == 0  # solving stores no run


async def test_the_earliest_retirement_age_matches_a_year_by_year_check(api, worker) -> None:
    projection = await api.create_projection(worker, "Base", stock_return=0.04, **DETERMINISTIC)
    answer = await solve(api, worker, projection["id"], target="retirement_age", success_rate=1.0)
    assert earliest_retirement() == 66
    assert answer["value"] == 66
    assert answer["achieved_success_rate"] == 1.0
    assert answer["result"]["years"][0]["age"] == 50
    incomes = [row["income"]["p50"] for row in answer["result"]["years"]]
    assert incomes[15:17] == [60_000.0, 0.0]  # paid at 65, not at 66


async def test_solving_on_a_scenario_applies_its_overrides(api, worker) -> None:
    projection = await api.create_projection(worker, "Base", stock_return=0.04, **DETERMINISTIC)
    scenario = await api.create_scenario(
        worker, projection["id"], "No growth", assumptions={"stock_return": 0.0}
    )
    answer = await solve(
        api,
        worker,
        projection["id"],
        target="retirement_age",
        success_rate=1.0,
        scenario_id=scenario["id"],
    )
    # Without growth: 100k + 20k·(R − 50) must cover 40k·(90 − R), so 60·R ≥ 4500, R ≥ 75
    # (met exactly at 75: whole numbers, no rounding).
    assert answer["value"] == 75
    assert answer["scenario_id"] == scenario["id"]


async def test_a_target_that_cannot_be_reached_has_no_value(api, new_user, upstream) -> None:
    me = new_user()
    upstream.person(
        me.id,
        age=50,
        retire_at=55,
        plan_to=90,
        assets=[asset(100)],
        expenses=[expense(50_000)],
        incomes=[income(10_000)],
    )
    projection = await api.create_projection(me, "Hopeless", stock_return=0.0, **DETERMINISTIC)
    answer = await solve(api, me, projection["id"], target="retirement_age", success_rate=0.5)
    assert (answer["value"], answer["achieved_success_rate"], answer["result"]) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target": "retirement_age", "success_rate": 1.5}, "success_rate"),
        ({"target": "retirement_age", "success_rate": -0.1}, "success_rate"),
        ({"target": "retirement_age", "success_rate": "most"}, "success_rate"),
        ({"target": "retirement_age"}, "success_rate"),
        ({"target": "happiness", "success_rate": 0.9}, "target"),
        ({"success_rate": 0.9}, "target"),
        ({"target": "retirement_age", "success_rate": 0.9, "budget": 1}, "budget"),
        ({"target": "retirement_age", "success_rate": 0.9, "scenario_id": "x"}, "scenario_id"),
    ],
)
async def test_a_bad_solve_request_is_refused_naming_the_field(api, retiree, body, field) -> None:
    projection = await api.create_projection(retiree, "Base", **DETERMINISTIC)
    response = await api.post(retiree, f"/projections/{projection['id']}/solve", body)
    assert await api.fields(response) == [field]


async def test_spending_cannot_be_solved_for_a_fixed_percentage_strategy(api, retiree) -> None:
    projection = await api.create_projection(
        retiree, "Base", withdrawal_strategy="fixed_percentage", **DETERMINISTIC
    )
    response = await api.post(
        retiree,
        f"/projections/{projection['id']}/solve",
        {"target": "annual_spending", "success_rate": 0.9},
    )
    body = await api.problem(response, 422)
    assert "fixed_percentage" in body["detail"]
