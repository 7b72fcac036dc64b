"""Compare: the baseline and each scenario side by side, by the figures a compare answers:
read from a plan's stored run, else computed and not stored (run_id null)."""

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


async def test_a_compare_reads_stored_runs_and_stores_nothing(api, planner) -> None:
    projection = await api.create_projection(planner, "Base", stock_return=GROWTH, **DETERMINISTIC)
    pid = projection["id"]
    frugal = await api.create_scenario(planner, pid, "Frugal", expense_scale=0.5)
    await api.create_scenario(planner, pid, "Work on", retirement_age=62)
    baseline_run = await api.run(planner, pid)
    assert await api.count("runs", planner.id) == 1

    first = await compare(api, planner, pid)
    assert first[0]["run_id"] == baseline_run["run_id"]  # read from the stored run
    assert first[0]["inputs_hash"] == baseline_run["inputs_hash"]
    assert [c["run_id"] for c in first[1:]] == [None, None]  # computed, not stored
    assert await api.count("runs", planner.id) == 1

    again = await compare(api, planner, pid)
    assert again == first
    assert await api.count("runs", planner.id) == 1

    # Opening a scenario (running it) stores its whole result; the next compare reads it.
    opened = await api.run(planner, pid, frugal["id"])
    assert opened["cached"] is False
    after = await compare(api, planner, pid)
    assert after[1]["run_id"] == opened["run_id"]
    assert after[1]["inputs_hash"] == opened["inputs_hash"]
    assert {**after[1], "run_id": None} == first[1]  # the same figures, read or computed
    assert after[2] == first[2]
    assert await api.count("runs", planner.id) == 2


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


async def test_the_compared_figures_are_those_of_separate_runs(api, new_user, upstream) -> None:
    me = new_user()
    upstream.person(
        me.id,
        age=50,
        retire_at=60,
        plan_to=90,
        assets=[asset(800_000, stock_allocation=0.6)],
        expenses=[expense(45_000, indexed=True)],
    )
    projection = await api.create_projection(me, "Base", paths=300, seed=11)
    pid = projection["id"]
    later = await api.create_scenario(me, pid, "Later", retirement_age=63)
    response = await api.post(me, f"/projections/{pid}/compare")
    runs = (await response.json())["runs"]
    assert [r["run_id"] for r in runs] == [None, None]
    assert await api.count("runs", me.id) == 0
    # Each plan run on its own: its whole result, computed afresh, has the compared figures.
    separate = [await api.run(me, pid), await api.run(me, pid, later["id"])]
    for column, run, retire_at in zip(runs, separate, (60, 63), strict=True):
        assert run["cached"] is False
        assert column["inputs_hash"] == run["inputs_hash"]
        years = {y["age"]: y for y in run["years"]}
        assert column["summary"]["success_rate"] == run["success_rate"]
        at_retirement = years[retire_at]["portfolio"]["p50"]
        assert column["summary"]["median_portfolio_at_retirement"] == at_retirement
        assert column["summary"]["median_portfolio_at_end"] == run["years"][-1]["portfolio"]["p50"]
        assert column["median_portfolio_real"] == [
            {"age": y["age"], "value": y["portfolio_real"]["p50"]} for y in run["years"]
        ]
        assert column["median_portfolio"] == [
            {"age": y["age"], "value": y["portfolio"]["p50"]} for y in run["years"]
        ]
    assert runs[1]["summary"] != runs[0]["summary"]
