"""Compare is one computation: one slot of the per-minute limit, one worker job, any number of
scenarios (31 here: 32 plans); it answers their compared figures and stores nothing."""

from __future__ import annotations

import pytest

from nestegg_common.metrics import METRICS

from .helpers import asset, expense, income

SCENARIOS = 31
MISSES = "nestegg_projection_cache_misses_total"


@pytest.fixture(scope="module")
def settings_overrides():
    # Two computations a minute: the compare of 32 plans and one more, then 429.
    return {"runs_per_minute_per_user": 2, "runs_in_flight_per_user": 1}


@pytest.fixture
def planner(new_user, upstream):
    me = new_user()
    upstream.person(
        me.id,
        age=50,
        retire_at=60,
        plan_to=90,
        assets=[asset(800_000, stock_allocation=0.6)],
        expenses=[expense(45_000, indexed=True)],
        incomes=[income(70_000)],
    )
    return me


def misses(client) -> float:
    return client.server.app[METRICS].registry.get_sample_value(MISSES) or 0.0


async def test_a_compare_of_31_scenarios_is_one_computation_and_stores_nothing(
    api, client, planner
) -> None:
    projection = await api.create_projection(planner, "Base", paths=500, seed=7)
    pid = projection["id"]
    scenarios = [
        await api.create_scenario(
            planner,
            pid,
            f"Retire at {55 + i % 12}",
            retirement_age=55 + i % 12,
            expense_scale=1 + i / 100,
        )
        for i in range(SCENARIOS - 1)
    ]
    # One scenario changes what the return paths depend on: it gets paths of its own.
    scenarios.append(
        await api.create_scenario(planner, pid, "Cautious", assumptions={"stock_return": 0.06})
    )
    before = misses(client)

    response = await api.post(planner, f"/projections/{pid}/compare")
    assert response.status == 200, await response.text()
    runs = (await response.json())["runs"]

    assert misses(client) == before + 1  # one engine computation for 32 plans
    assert [r["scenario_id"] for r in runs] == [None, *(s["id"] for s in scenarios)]
    assert [r["returns_group"] for r in runs] == [0] * SCENARIOS + [1]
    assert all(r["run_id"] is None for r in runs)
    assert await api.count("runs", planner.id) == 0
    # Opening a scenario is the second computation of the minute: its whole result, stored,
    # has the figures the compare gave; a third computation is refused: the compare was one.
    opened = await api.run(planner, pid, scenarios[3]["id"])
    assert opened["cached"] is False
    assert opened["success_rate"] == runs[4]["summary"]["success_rate"]
    assert [y["portfolio_real"]["p50"] for y in opened["years"]] == [
        p["value"] for p in runs[4]["median_portfolio_real"]
    ]
    assert (await api.run(planner, pid, scenarios[3]["id"]))["cached"] is True  # a read
    third = await api.post(planner, f"/projections/{pid}/run", {"scenario_id": scenarios[5]["id"]})
    body = await api.problem(third, 429)
    assert "a minute" in body["detail"]
