"""Compute limits with real worker processes: the budget and a disconnect cancel the work (the
worker stops computing within a second), the global bound answers 503, paths × years 422."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient

from nestegg_common.testing.processes import computing, running, seconds_until_idle
from nestegg_common.testing.services import ServerAsDeployed
from projections.app import create_app
from projections.handlers import PROJECTIONS

from .helpers import DETERMINISTIC, asset, expense, income

BUDGET_S = 1.0
# 100,000 paths × 60 years (the most allowed): a solve needs 3 s of CPU or more.
HEAVY = {"paths": 100_000}
SOLVE = {"target": "annual_spending", "success_rate": 0.9}


@pytest.fixture(scope="module")
def settings_overrides():
    return {
        "projection_workers": 2,
        "compute_budget_s": BUDGET_S,
        "compute_max_pending": 2,
        "runs_per_minute_per_user": 1000,
    }


@pytest_asyncio.fixture(scope="module")
async def client(projections_settings, pool, tokens):
    """The app served as in a deployment: a client leaving does not cancel its handler."""
    app = create_app(
        projections_settings,
        pool=pool,
        fetch_jwks=tokens.fetch_jwks,
        fetch_erased=tokens.fetch_erased,
    )
    async with TestClient(ServerAsDeployed(app)) as test_client:
        yield test_client


@pytest.fixture
def planner(new_user, upstream):
    def make():
        me = new_user()
        upstream.person(
            me.id,
            age=35,
            retire_at=65,
            plan_to=95,
            assets=[asset(5_000_000)],
            expenses=[expense(40_000)],
        )
        # Counters as accounts and ledger send them: a stored run is read without its inputs.
        upstream.counters[me.id] = {"profile": 1, "ledger": 1}
        return me

    return make


@pytest_asyncio.fixture
async def engine(client):
    engine = client.server.app[PROJECTIONS].engine
    # A worker killed by the previous test is replaced by one that loads the compiled us
    # kernel (~1 s, docs/OPERATIONS.md): each test starts with every worker ready, as its
    # 1 s budget counts the wait for a worker too.
    await engine._workers.ready()
    return engine


async def busy_worker(engine, *, timeout_s: float = 10.0) -> int:
    """Return the pid of the worker that took the job, once it computes."""
    deadline = time.monotonic() + timeout_s
    while not engine.worker_pids(busy=True):
        assert time.monotonic() < deadline, "no worker took the job"
        await asyncio.sleep(0.01)
    (pid,) = engine.worker_pids(busy=True)
    # A twentieth of a second of CPU shows it computing: on a loaded machine a worker may get
    # well under 0.3 s of CPU in the whole 1 s budget, and be stopped before it got that much.
    await asyncio.to_thread(computing, [pid], at_least_s=0.05)
    return pid


async def test_a_solve_past_its_budget_is_a_503_and_its_worker_stops_within_a_second(
    api, planner, engine
) -> None:
    me = planner()
    heavy = await api.create_projection(me, "Heavy", **HEAVY)
    started = time.monotonic()
    solve = asyncio.ensure_future(api.post(me, f"/projections/{heavy['id']}/solve", SOLVE))
    busy = await busy_worker(engine)
    body = await api.problem(await solve, 503)
    assert "budget of 1 s" in body["detail"]
    stopped_after = await asyncio.to_thread(seconds_until_idle, [busy], since=started + BUDGET_S)
    assert stopped_after < 1.0, stopped_after
    assert not running(busy)  # killed, and replaced
    assert busy not in engine.worker_pids()
    assert len(engine.worker_pids()) == 2


async def test_a_solve_whose_client_disconnects_stops_its_worker_within_a_second(
    client, api, planner, engine
) -> None:
    me = planner()
    heavy = await api.create_projection(me, "Heavy", **HEAVY)
    payload = json.dumps(SOLVE).encode()
    _, writer = await asyncio.open_connection(client.server.host, client.server.port)
    head = (
        f"POST /projections/{heavy['id']}/solve HTTP/1.1\r\nHost: test\r\n"
        f"Authorization: {me.headers['Authorization']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    writer.write(head.encode() + payload)
    await writer.drain()
    busy = await busy_worker(engine)
    left_at = time.monotonic()
    writer.close()
    stopped_after = await asyncio.to_thread(seconds_until_idle, [busy], since=left_at)
    assert stopped_after < 1.0, stopped_after
    assert not running(busy)
    # The user's slot was given back: their next computation is not a 429.
    light = await api.create_projection(me, "Light", **DETERMINISTIC)
    assert (await api.run(me, light["id"]))["cached"] is False


async def test_a_full_engine_is_a_503_with_retry_after_but_a_stored_run_still_answers(
    api, planner, engine
) -> None:
    late = planner()
    stored = await api.create_projection(late, "Stored", **DETERMINISTIC)
    await api.run(late, stored["id"])
    fresh = await api.create_projection(late, "Fresh", **DETERMINISTIC)
    heavy_users = [planner() for _ in range(2)]  # compute_max_pending = 2
    heavies = [await api.create_projection(u, "Heavy", **HEAVY) for u in heavy_users]
    solves = [
        asyncio.ensure_future(api.post(u, f"/projections/{p['id']}/solve", SOLVE))
        for u, p in zip(heavy_users, heavies, strict=True)
    ]
    deadline = time.monotonic() + BUDGET_S
    while engine.admitted < 2:
        assert time.monotonic() < deadline, "the heavy solves never started"
        await asyncio.sleep(0.02)
    response = await api.post(late, f"/projections/{fresh['id']}/run")
    body = await api.problem(response, 503)
    assert body["type"] == "urn:nestegg:problem:service-unavailable"
    assert int(response.headers["Retry-After"]) >= 1
    assert (await api.run(late, stored["id"]))["cached"] is True  # no engine needed
    for solve in solves:  # both end at the budget and free their places
        await api.problem(await solve, 503)
    assert engine.admitted == 0
    await engine._workers.ready()  # the two killed workers' replacements load the us kernel
    assert (await api.run(late, fresh["id"]))["cached"] is False


async def test_paths_times_years_past_the_bound_is_a_422_naming_paths(
    api, new_user, upstream
) -> None:
    me = new_user()
    # 20 years old, planning to 120: 100 years × 100,000 paths = 10 million > 6 million.
    upstream.person(me.id, age=20, retire_at=65, plan_to=120, assets=[asset(1000)])
    projection = await api.create_projection(me, "Huge", **HEAVY)
    for path, body in (("run", {}), ("solve", SOLVE), ("compare", {})):
        response = await api.post(me, f"/projections/{projection['id']}/{path}", body)
        body = await api.problem(response, 422)
        assert [e["field"] for e in body["errors"]] == ["assumptions.paths"], path
        assert "at most 60000 paths" in body["detail"]
    assert await api.count("runs", me.id) == 0


@pytest.mark.parametrize("action", ["compare", "optimize"])
async def test_a_compare_or_optimize_past_its_budget_is_a_503_stopped_as_a_whole(
    api, new_user, upstream, engine, action
) -> None:
    me = new_user()
    upstream.person(
        me.id,
        age=35,
        retire_at=65,
        plan_to=95,
        assets=[asset(5_000_000)],
        expenses=[expense(40_000)],
        incomes=[income(2_000, kind="social_security", start_age=67)],
    )
    heavy = await api.create_projection(me, "Heavy", **HEAVY)
    for age in (60, 62):
        await api.create_scenario(me, heavy["id"], f"Retire at {age}", retirement_age=age)
    body = (
        {"decision": "claiming_ages", "objective": "success_rate"} if action == "optimize" else {}
    )
    started = time.monotonic()
    answer = asyncio.ensure_future(api.post(me, f"/projections/{heavy['id']}/{action}", body))
    busy = await busy_worker(engine)
    problem = await api.problem(await answer, 503)
    assert "budget of 1 s" in problem["detail"]
    # The one worker job computing every plan (or candidate) is killed: nothing goes on.
    stopped_after = await asyncio.to_thread(seconds_until_idle, [busy], since=started + BUDGET_S)
    assert stopped_after < 1.0, stopped_after
    assert not running(busy)
    assert engine.admitted == 0
    assert await api.count("runs", me.id) == 0  # a compare stopped stores nothing
