"""Stored runs per projection are bounded: the oldest go, the newest of each scenario stays."""

from __future__ import annotations

import uuid

import pytest

from .helpers import DETERMINISTIC, asset, expense

KEPT = 3


@pytest.fixture(scope="module")
def settings_overrides():
    return {"runs_kept_per_projection": KEPT, "runs_per_minute_per_user": 1000}


@pytest.fixture
def me(new_user):
    return new_user()


def with_balance(upstream, user, balance: int) -> None:
    """Change the user's savings, so the next run has new inputs (and is stored anew)."""
    upstream.person(
        user.id, age=60, retire_at=65, plan_to=70, assets=[asset(balance)], expenses=[expense(10)]
    )


async def stored_runs(api, projection_id: str) -> list[tuple[str | None, str]]:
    """Return (scenario id, run id) of the projection's stored runs, oldest first."""
    rows = await api.pool.fetch(
        "SELECT scenario_id, id FROM runs WHERE projection_id = $1 ORDER BY created_at, id",
        uuid.UUID(projection_id),
    )
    return [
        (None if r["scenario_id"] is None else str(r["scenario_id"]), str(r["id"])) for r in rows
    ]


async def test_only_the_newest_runs_are_kept_and_the_newest_of_each_scenario_whatever_its_age(
    api, me, upstream
) -> None:
    projection = await api.create_projection(me, "Plan", **DETERMINISTIC)
    pid = projection["id"]
    first = await api.create_scenario(me, pid, "A")
    second = await api.create_scenario(me, pid, "B")
    with_balance(upstream, me, 1000)
    first_inputs = upstream.snapshots[me.id]
    baseline = await api.run(me, pid)
    scenario_a = await api.run(me, pid, first["id"])
    old_b = await api.run(me, pid, second["id"])
    for balance in range(2000, 7000, 1000):  # five more runs of scenario B
        with_balance(upstream, me, balance)
        newest_b = await api.run(me, pid, second["id"])
    kept = await stored_runs(api, pid)
    # The three newest (all B's), plus the newest baseline and newest A however old they are.
    assert len(kept) == KEPT + 2
    assert (None, baseline["run_id"]) in kept
    assert (first["id"], scenario_a["run_id"]) in kept
    assert (second["id"], newest_b["run_id"]) == kept[-1]
    assert (second["id"], old_b["run_id"]) not in kept
    # The newest baseline's result is still served from the store.
    upstream.snapshots[me.id] = first_inputs
    assert (await api.run(me, pid))["run_id"] == baseline["run_id"]


async def test_each_projection_keeps_its_own_runs(api, me, upstream) -> None:
    busy = await api.create_projection(me, "Busy", **DETERMINISTIC)
    quiet = await api.create_projection(me, "Quiet", **DETERMINISTIC)
    with_balance(upstream, me, 1000)
    quiet_run = await api.run(me, quiet["id"])
    for balance in range(1000, 8000, 1000):
        with_balance(upstream, me, balance)
        await api.run(me, busy["id"])
    assert len(await stored_runs(api, busy["id"])) == KEPT
    assert await stored_runs(api, quiet["id"]) == [(None, quiet_run["run_id"])]
