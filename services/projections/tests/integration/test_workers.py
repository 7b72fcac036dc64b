"""The engine's worker pool, with real processes: cancel kills, memory is bounded, no orphans.

Jobs here are builtins (`sum` over a huge range burns CPU in one call; `bytearray` allocates),
so the spawned workers need nothing from this test module.
"""

from __future__ import annotations

import asyncio
import copy
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any, TypeVar

import pytest

from nestegg_common.testing.processes import computing, running, seconds_until_idle
from projections import compute
from projections.app import WORKER_IDLE_S, WORKER_PRELOAD, WORKER_SETUP, WORKER_WHEN_IDLE
from projections.engine.bench import bench_plan, couple_plan, us_plan
from projections.engine.household import LAST_AGE, plan_rows
from projections.engine.plan import Plan
from projections.settings import ProjectionsSettings
from projections.workers import WorkerOutOfMemory, WorkerPool

FOREVER = range(10**13)  # sum() over it runs for hours


async def ready_pids(pool: WorkerPool, n: int) -> list[int]:
    """Return the pids once `n` workers answer (a job needs a worker that has started)."""
    await asyncio.wait_for(asyncio.gather(*(pool.run(sum, range(3)) for _ in range(n))), 60)
    return pool.pids()


@pytest.fixture
async def pool() -> AsyncIterator[WorkerPool]:
    workers = WorkerPool(size=1, memory_limit_bytes=512 * 1024 * 1024)
    workers.start()
    yield workers
    await workers.close()


async def test_a_job_returns_its_result_and_raises_its_exception(pool: WorkerPool) -> None:
    assert await pool.run(sum, range(10)) == 45
    with pytest.raises(ValueError, match="invalid literal"):
        await pool.run(int, "not a number")
    assert await pool.run(pow, 2, 10) == 1024  # the worker survived the exception


async def test_a_cancelled_job_stops_its_worker_within_a_second_and_a_new_one_serves(
    pool: WorkerPool,
) -> None:
    (first,) = await ready_pids(pool, 1)
    job = asyncio.ensure_future(pool.run(sum, FOREVER))
    await asyncio.to_thread(computing, [first])
    cancelled_at = time.monotonic()
    job.cancel()
    assert await asyncio.to_thread(seconds_until_idle, [first], since=cancelled_at) < 1.0
    assert not running(first)  # killed, not merely idle
    with pytest.raises(asyncio.CancelledError):
        await job
    assert await asyncio.wait_for(pool.run(sum, range(10)), 60) == 45
    assert pool.pids() != [first]


async def test_a_job_past_the_memory_limit_is_refused_and_its_worker_replaced(
    pool: WorkerPool,
) -> None:
    (first,) = await ready_pids(pool, 1)
    with pytest.raises(WorkerOutOfMemory):
        await pool.run(bytearray, 1024**3)  # 1 GiB > the 512 MiB the worker may map
    assert await asyncio.wait_for(pool.run(bytearray, 1024), 60) == bytearray(1024)
    assert pool.pids() != [first]
    assert not running(first)


async def test_jobs_wait_for_a_free_worker_first_come_first_served(pool: WorkerPool) -> None:
    await ready_pids(pool, 1)
    busy = asyncio.ensure_future(pool.run(sum, FOREVER))
    await asyncio.sleep(0.2)
    later = [asyncio.ensure_future(pool.run(pow, 2, n)) for n in range(3)]
    await asyncio.sleep(0.2)
    assert not any(job.done() for job in later)  # all wait behind the busy worker
    busy.cancel()  # frees the place: the replacement serves them in order
    assert await asyncio.wait_for(asyncio.gather(*later), 60) == [1, 2, 4]


PARENT = textwrap.dedent(
    """
    import asyncio, sys
    from projections.workers import WorkerPool

    async def main():
        pool = WorkerPool(size=2)
        pool.start()
        await asyncio.gather(*(pool.run(sum, range(3)) for _ in range(2)))
        busy = asyncio.ensure_future(pool.run(sum, range(10**13)))
        print(*pool.pids(), flush=True)
        await busy

    asyncio.run(main())
    """
)


def test_workers_busy_or_idle_die_when_their_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 2
        computing(pids)
        killed_at = time.monotonic()
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        waited = seconds_until_idle(pids, since=killed_at)
        assert not any(running(pid) for pid in pids)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    assert waited < 1.0


T = TypeVar("T")
TODAY = date(2026, 1, 1)
# The hooks the service's workers run (app.py): the memory tests measure workers as they are.
ENGINE_HOOKS: dict[str, Any] = {
    "setup": WORKER_SETUP,
    "when_idle": WORKER_WHEN_IDLE,
    "idle_s": WORKER_IDLE_S,
}


# The most paths, over as many years as the default path-years allow.
LARGEST_PATHS = 100_000
LARGEST_YEARS = ProjectionsSettings.model_fields["compute_max_path_years"].default // LARGEST_PATHS


async def _in_a_default_worker(function: Callable[..., T], *args: Any) -> T:
    """Run a job in one worker as the service starts it: default memory limit, hooks."""
    memory_mb = ProjectionsSettings.model_fields["compute_worker_memory_mb"].default
    pool = WorkerPool(
        size=1, memory_limit_bytes=memory_mb * 1024 * 1024, preload=WORKER_PRELOAD, **ENGINE_HOOKS
    )
    pool.start()
    try:
        return await pool.run(function, *args)
    finally:
        await pool.close()


def _largest_single() -> dict[str, Any]:
    plan = bench_plan("monte_carlo", "needs", LARGEST_PATHS)
    age = 95 - LARGEST_YEARS
    plan["profile"] = {"current_age": age, "retirement_age": 65, "life_expectancy": 95}
    return plan


async def test_the_largest_plan_the_defaults_allow_fits_in_a_workers_default_memory() -> None:
    result = await _in_a_default_worker(compute._project, _largest_single(), TODAY, None)
    assert len(result["years"]) == LARGEST_YEARS + 1


async def test_a_compare_of_the_largest_plan_the_defaults_allow_fits_in_a_workers_memory() -> None:
    """A compare holds one plan's output, the group's matrices and the states kept for the
    scenarios to resume from (compare.STATE_BYTES): within what one run of the plan needs."""
    plans = [_largest_single()]
    for age in (60, 62, 67, 70):  # four distinct rows to resume from
        scenario = copy.deepcopy(plans[0])
        scenario["profile"]["retirement_age"] = age
        plans.append(scenario)
    compared = await _in_a_default_worker(compute._compare, plans, TODAY, None)
    assert len(compared) == len(plans)
    assert len({c["success_rate"] for c in compared}) > 1


def _resident_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


async def test_an_idle_worker_gives_back_the_memory_its_job_freed() -> None:
    """Between jobs that follow each other freed memory is kept for the next (setup); once
    the worker has waited WORKER_IDLE_S for a job it goes back to the system (when_idle)."""
    grown: dict[str, float] = {}
    for name, hooks in (("kept", {"setup": WORKER_SETUP}), ("given back", ENGINE_HOOKS)):
        pool = WorkerPool(size=1, preload=WORKER_PRELOAD, **hooks)
        pool.start()
        try:
            await pool.ready()
            (pid,) = pool.pids()
            ready = _resident_mb(pid)
            await pool.run(compute._project, us_plan(20_000), TODAY, None)
            kept_now = _resident_mb(pid) - ready
            await asyncio.sleep(WORKER_IDLE_S + 1.5)  # idle: when_idle has run
            grown[name] = _resident_mb(pid) - ready
            if name == "given back":
                # Right after the job, before the worker idles, it still holds its memory;
                # after idling it takes the next job as before.
                assert kept_now > 30, kept_now
                assert await pool.run(sum, range(3)) == 3
        finally:
            await pool.close()
    assert grown["given back"] < 15, grown
    assert grown["kept"] > grown["given back"] + 30, grown  # what when_idle gave back


async def test_the_largest_stochastic_couple_the_defaults_allow_fits_in_a_workers_memory() -> None:
    """Issue 15: two people, Social Security, survivors and a lifespan per path and person, at
    the bound the engine's own row count gives (`household.plan_rows`: to 120 of the younger)."""
    path_years = ProjectionsSettings.model_fields["compute_max_path_years"].default
    paths, years = LARGEST_PATHS, LARGEST_YEARS
    plan = couple_plan("guardrails", paths)
    plan["profile"]["current_age"] = LAST_AGE - years + 2
    plan["profile"]["partner"]["current_age"] = LAST_AGE - years
    assert paths * plan_rows(Plan.model_validate(plan), TODAY) == path_years
    result = await _in_a_default_worker(compute._project, plan, TODAY, None)
    assert len(result["years"]) == years + 1
    assert result["lifespans"] is not None


async def test_the_memory_limit_is_the_jobs_on_top_of_the_ready_workers_code() -> None:
    # The compiled us kernel (numba's LLVM) maps ~190 MB of address space as a worker
    # preloads it: a 256 MiB limit (the setting's least) still leaves a job its 256 MiB.
    pool = WorkerPool(
        size=1, memory_limit_bytes=256 * 1024 * 1024, preload=WORKER_PRELOAD, **ENGINE_HOOKS
    )
    pool.start()
    try:
        result = await pool.run(compute._project, us_plan(1_000), TODAY, None)
    finally:
        await pool.close()
    assert result["tax_law"]["regime"] == "us"
