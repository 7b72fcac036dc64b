"""Past a worker's memory limit: a 422 naming `paths`, and the worker is replaced."""

from __future__ import annotations

import pytest

from projections.handlers import PROJECTIONS

from .helpers import DETERMINISTIC, asset, expense


@pytest.fixture(scope="module")
def settings_overrides():
    # 256 MiB of address space, and no path-years bound to stop the plan before it runs.
    return {"compute_worker_memory_mb": 256, "compute_max_path_years": 100_000_000}


async def test_a_run_past_the_workers_memory_is_a_422_and_the_next_run_is_served(
    client, api, new_user, upstream
) -> None:
    me = new_user()
    upstream.person(
        me.id, age=60, retire_at=65, plan_to=95, assets=[asset(10_000)], expenses=[expense(500)]
    )
    engine = client.server.app[PROJECTIONS].engine
    huge = await api.create_projection(me, "Huge", paths=100_000)  # ~350 MB: over 256 MiB
    light = await api.create_projection(me, "Light", **DETERMINISTIC)
    await api.run(me, light["id"])
    before = engine.worker_pids()
    response = await api.post(me, f"/projections/{huge['id']}/run")
    assert await api.fields(response) == ["assumptions.paths"]
    assert engine.worker_pids() != before  # the worker that ran out was replaced
    small = await api.create_projection(me, "Small", paths=1000)
    assert (await api.run(me, small["id"]))["cached"] is False
    assert await api.count("runs", me.id) == 2
