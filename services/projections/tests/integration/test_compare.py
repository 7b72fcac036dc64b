"""Compare: the baseline and each scenario side by side, computed once and then reused."""

from __future__ import annotations

import pytest

from .helpers import DETERMINISTIC, asset, expense, income

AGE, PLAN_TO, START, SPEND, SALARY, GROWTH = 60, 70, 100_000.0, 20_000.0, 30_000.0, 0.05
SUMMARY_FIELDS = (
    "success_rate",
    "median_portfolio_at_retirement",
    "median_portfolio_at_end",
    "median_depletion_age",
)


def by_hand(*, retire_at: int, spend: float) -> dict:
    """Simulate the one deterministic path: a salary until retirement, spending every year."""
    rows, b, depleted = [START], START, None
    for age in range(AGE, PLAN_TO):
        b += (SALARY if age < retire_at else 0.0) - spend
        if b < 0 and depleted is None:
            depleted = age
        b = max(b, 0.0) * (1 + GROWTH)
        rows.append(b)
    return {
        "success_rate": 1.0 if depleted is None else 0.0,
        "median_portfolio_at_retirement": rows[retire_at - AGE],
        "median_portfolio_at_end": rows[-1],
        "median_depletion_age": depleted,
    }


@pytest.fixture
def planner(new_user, upstream):
    me = new_user()
    upstream.person(
        me.id,
        age=AGE,
        retire_at=AGE,
        plan_to=PLAN_TO,
        assets=[asset(START)],
        expenses=[expense(SPEND)],
        incomes=[income(SALARY)],
    )
    return me


async def compare(api, user, projection_id: str) -> list[dict]:
    response = await api.post(user, f"/projections/{projection_id}/compare")
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["projection_id"] == projection_id
    runs: list[dict] = body["runs"]
    return runs


def assert_summary(actual: dict, expected: dict) -> None:
    assert actual["success_rate"] == expected["success_rate"]
    assert actual["median_depletion_age"] == expected["median_depletion_age"]
    for field in ("median_portfolio_at_retirement", "median_portfolio_at_end"):
        assert actual[field] == pytest.approx(expected[field], abs=0.01), field


async def test_compare_puts_the_baseline_and_each_scenario_side_by_side(api, planner) -> None:
    projection = await api.create_projection(planner, "Base", stock_return=GROWTH, **DETERMINISTIC)
    frugal = await api.create_scenario(planner, projection["id"], "Frugal", expense_scale=0.5)
    later = await api.create_scenario(planner, projection["id"], "Work on", retirement_age=62)

    columns = await compare(api, planner, projection["id"])

    assert [(c["scenario_id"], c["name"]) for c in columns] == [
        (None, "Base"),
        (frugal["id"], "Frugal"),
        (later["id"], "Work on"),
    ]
    expected = [
        by_hand(retire_at=AGE, spend=SPEND),
        by_hand(retire_at=AGE, spend=SPEND / 2),
        by_hand(retire_at=62, spend=SPEND),
    ]
    # By hand: the baseline runs out at 65, spending half never does, and working two more
    # years (saving 10k a year) makes the money last until 69, so it still fails.
    assert [e["median_depletion_age"] for e in expected] == [65, None, 69]
    for column, summary in zip(columns, expected, strict=True):
        assert_summary(column["summary"], summary)
    baseline = columns[0]["summary"]
    assert columns[0]["difference"] is None
    for column in columns[1:]:
        for field in SUMMARY_FIELDS:
            mine, base = column["summary"][field], baseline[field]
            wanted = None if mine is None or base is None else mine - base
            assert column["difference"][field] == wanted, field
    assert columns[1]["difference"]["success_rate"] == 1.0
    assert columns[2]["difference"]["median_depletion_age"] == 4


async def test_a_repeated_compare_recomputes_nothing(api, planner) -> None:
    projection = await api.create_projection(planner, "Base", stock_return=GROWTH, **DETERMINISTIC)
    await api.create_scenario(planner, projection["id"], "Frugal", expense_scale=0.5)
    await api.create_scenario(planner, projection["id"], "Work on", retirement_age=62)
    baseline_run = await api.run(planner, projection["id"])
    assert await api.count("runs", planner.id) == 1

    first = await compare(api, planner, projection["id"])
    assert first[0]["run_id"] == baseline_run["run_id"]
    assert first[0]["inputs_hash"] == baseline_run["inputs_hash"]
    assert await api.count("runs", planner.id) == 3

    again = await compare(api, planner, projection["id"])
    assert again == first
    assert await api.count("runs", planner.id) == 3


async def test_compare_without_scenarios_shows_the_baseline_alone(api, planner) -> None:
    projection = await api.create_projection(planner, "Base", stock_return=GROWTH, **DETERMINISTIC)
    (column,) = await compare(api, planner, projection["id"])
    assert (column["scenario_id"], column["difference"]) == (None, None)
    assert_summary(column["summary"], by_hand(retire_at=AGE, spend=SPEND))


async def test_a_compare_that_fails_upstream_stores_nothing(api, planner, upstream) -> None:
    projection = await api.create_projection(planner, "Base", stock_return=GROWTH, **DETERMINISTIC)
    await api.create_scenario(planner, projection["id"], "Frugal", expense_scale=0.5)
    upstream.down.add(planner.id)
    response = await api.post(planner, f"/projections/{projection['id']}/compare")
    await api.problem(response, 502)
    upstream.down.discard(planner.id)
    assert await api.count("runs", planner.id) == 0
