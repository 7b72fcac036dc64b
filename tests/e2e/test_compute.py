"""Compute routes through the gateway on a real cluster: abandoned work stops, users share.

Its own cluster: a 10 s budget (a heavy compare runs out), 3 engine workers and a
global bound of 3 (so filling it takes three users). Each figure the issue asks for is printed
(`pytest -s`): CPU released after an abandoned solve, a user's run time under load.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date
from urllib.parse import urlsplit

import httpx
import pytest

from nestegg_common.testing.processes import (
    CpuWatch,
    computing,
    cpu_seconds,
    descendants,
    running,
    seconds_until_idle,
)

from .conftest import Cluster, cluster_on

pytestmark = pytest.mark.e2e

BUDGET_S = 10.0
PASSWORD = "correct horse battery"
# 100,000 paths × 60 years (the most allowed): a solve takes 3–4 s of CPU, and a compare of
# the baseline and two dozen scenarios ~25 s. Solves are never stored, so each one computes.
HEAVY = {"paths": 100_000}
SOLVE = {"target": "annual_spending", "success_rate": 0.9}


@pytest.fixture(scope="module")
def compute_cluster(
    pg_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    with cluster_on(
        pg_server_url,
        tmp_path_factory.mktemp("compute-logs"),
        label="compute",
        NESTEGG_COMPUTE_BUDGET_S=str(BUDGET_S),
        NESTEGG_PROJECTION_WORKERS="3",
        NESTEGG_COMPUTE_MAX_PENDING="3",
    ) as running_cluster:
        yield running_cluster


def planner(
    cluster: Cluster, *, age: int = 60, **assumptions: object
) -> tuple[dict[str, str], str]:
    """Sign up someone of `age` (planning to 95) with savings and spending; return their auth
    and a projection with `assumptions`."""
    email = f"compute-{uuid.uuid4().hex[:10]}@example.com"
    with httpx.Client(timeout=15) as http:
        body = {"email": email, "password": PASSWORD}
        assert http.post(cluster.api("/auth/register"), json=body).status_code == 201
        tokens = http.post(cluster.api("/auth/login"), json=body).json()
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        profile = {
            "birth_date": f"{date.today().year - age}-01-01",
            "retirement_age": 65,
            "life_expectancy": 95,
        }
        assert http.put(cluster.api("/me/profile"), json=profile, headers=auth).is_success
        for path, record in (
            ("/assets", {"name": "Savings", "kind": "taxable", "balance": "5000000"}),
            (
                "/expenses",
                {"name": "Living", "category": "living", "amount": "40000", "frequency": "annual"},
            ),
        ):
            assert http.post(cluster.api(path), json=record, headers=auth).is_success
        return auth, new_projection(cluster, auth, **assumptions)


def new_projection(cluster: Cluster, auth: dict[str, str], **assumptions: object) -> str:
    body = {"name": "Plan", "assumptions": assumptions}
    created = httpx.post(cluster.api("/projections"), json=body, headers=auth, timeout=15)
    assert created.status_code == 201, created.text[:300]
    projection_id: str = created.json()["id"]
    return projection_id


def workers_of(cluster: Cluster) -> list[int]:
    """Return the projections process's descendants once none of them uses CPU (settled)."""
    pids = descendants(cluster.processes["projections"].pid)
    seconds_until_idle(pids, since=time.monotonic(), timeout_s=30)
    return descendants(cluster.processes["projections"].pid)


def send_and_leave_open(cluster: Cluster, path: str, auth: dict[str, str]) -> socket.socket:
    """POST a solve to the gateway on a raw connection and return it, unanswered."""
    body = json.dumps(SOLVE).encode()
    gateway = urlsplit(cluster.gateway_url)
    sock = socket.create_connection((gateway.hostname, gateway.port))
    sock.sendall(
        f"POST /api/v1{path} HTTP/1.1\r\nHost: nestegg\r\n"
        f"Authorization: {auth['Authorization']}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    return sock


def test_a_solve_abandoned_through_the_gateway_stops_using_cpu_within_a_second(
    compute_cluster: Cluster,
) -> None:
    auth, projection = planner(compute_cluster, age=35, **HEAVY)
    pids = workers_of(compute_cluster)
    sock = send_and_leave_open(compute_cluster, f"/projections/{projection}/solve", auth)
    busy = computing(pids)
    left_at = time.monotonic()
    sock.close()
    released = seconds_until_idle([busy], since=left_at)
    print(f"\nCPU released {released:.3f} s after the client left (through the gateway)")
    assert released < 1.0
    assert not running(busy)


def test_a_compare_past_its_budget_is_a_503_and_stops_using_cpu_within_a_second(
    compute_cluster: Cluster,
) -> None:
    auth, projection = planner(compute_cluster, age=35, **HEAVY)
    # The baseline and 24 scenarios, each spending differently from this year on: no row is
    # shared with the baseline (a compare resumes a scenario from the row where it parts,
    # engine/resume.py), ~25 whole runs of ~1 s, far past the one budget.
    for n in range(24):
        scale = round(0.8 + 0.02 * n, 2)
        scenario = {"name": f"Spend × {scale}", "overrides": {"expense_scale": scale}}
        created = httpx.post(
            compute_cluster.api(f"/projections/{projection}/scenarios"),
            json=scenario,
            headers=auth,
            timeout=15,
        )
        assert created.status_code == 201, created.text[:300]
    pids = workers_of(compute_cluster)
    started = time.monotonic()
    with CpuWatch(pids) as watch:
        response = httpx.post(
            compute_cluster.api(f"/projections/{projection}/compare"),
            json={},
            headers=auth,
            timeout=BUDGET_S + 20,
        )
        answered_after = time.monotonic() - started
        time.sleep(0.5)
    released = watch.last_growth - (started + BUDGET_S)
    print(f"\nCPU released {released:.3f} s after the budget ran out ({answered_after:.1f} s)")
    assert response.status_code == 503, response.text[:300]
    assert "budget" in response.json()["detail"]
    assert released < 1.0


def hammer(cluster: Cluster, auth: dict[str, str], stop: threading.Event, seen: list[int]) -> None:
    """Solve again and again (a new projection each time is not needed: solves are not stored)."""
    projection = new_projection(cluster, auth, **HEAVY)
    with httpx.Client(timeout=BUDGET_S + 20) as http:
        while not stop.is_set():
            path = cluster.api(f"/projections/{projection}/solve")
            seen.append(http.post(path, json=SOLVE, headers=auth).status_code)


def test_a_users_10000_path_run_stays_under_2_s_while_two_others_hammer_the_engine(
    compute_cluster: Cluster,
) -> None:
    hammerers = [planner(compute_cluster, age=35)[0] for _ in range(2)]
    me, _ = planner(compute_cluster)
    mine = [new_projection(compute_cluster, me) for _ in range(3)]  # default: 10,000 paths
    pids = workers_of(compute_cluster)
    stop, seen = threading.Event(), []
    threads = [
        threading.Thread(target=hammer, args=(compute_cluster, auth, stop, seen))
        for auth in hammerers
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2.0)  # both hammering users are computing
        used_before, window_start = sum(cpu_seconds(pid) for pid in pids), time.monotonic()
        took = []
        with httpx.Client(timeout=30) as http:
            for projection in mine:  # each its own projection: computed, not read from the store
                started = time.monotonic()
                run = http.post(
                    compute_cluster.api(f"/projections/{projection}/run"), json={}, headers=me
                )
                took.append(time.monotonic() - started)
                assert run.status_code == 200, run.text[:300]
                assert run.json()["cached"] is False
        hammered = sum(cpu_seconds(pid) for pid in pids) - used_before
        window = time.monotonic() - window_start
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    print(f"\n10,000-path runs under load took {', '.join(f'{t:.2f}' for t in took)} s")
    assert max(took) < 2.0
    print(f"the engine's workers used {hammered:.2f} s of CPU in those {window:.2f} s")
    # The others really were computing meanwhile: on a quiet 2-core machine their workers use
    # well over one core; on one shared with other test runs, still over half of one.
    assert hammered > 0.5 * window
    assert set(seen) <= {200, 503}


def computing_at_once(pids: list[int], n: int, *, timeout_s: float = BUDGET_S) -> bool:
    """Wait until `n` of `pids` use CPU over the same 0.3 s; say whether they did in time."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        before = {pid: cpu_seconds(pid) for pid in pids}
        time.sleep(0.3)
        if sum(cpu_seconds(pid) > before[pid] for pid in pids) >= n:
            return True
    return False


def test_a_full_engine_answers_503_with_retry_after(compute_cluster: Cluster) -> None:
    heavy = [
        planner(compute_cluster, age=35, **HEAVY) for _ in range(3)
    ]  # NESTEGG_COMPUTE_MAX_PENDING
    late_auth, late = planner(compute_cluster)
    pids = workers_of(compute_cluster)
    held = [send_and_leave_open(compute_cluster, f"/projections/{p}/solve", a) for a, p in heavy]
    try:
        assert computing_at_once(pids, 3)  # every place is taken
        response = httpx.post(
            compute_cluster.api(f"/projections/{late}/run"), json={}, headers=late_auth, timeout=30
        )
    finally:
        for sock in held:
            sock.close()
    assert response.status_code == 503, response.text[:300]
    assert response.json()["type"] == "urn:nestegg:problem:service-unavailable"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_a_kill_9_of_projections_leaves_no_engine_worker_alive(compute_cluster: Cluster) -> None:
    auth, projection = planner(compute_cluster, age=35, **HEAVY)
    service = compute_cluster.processes["projections"]
    pids = workers_of(compute_cluster)
    assert len(pids) >= 3  # the workers (and multiprocessing's resource tracker)
    sock = send_and_leave_open(compute_cluster, f"/projections/{projection}/solve", auth)
    try:
        computing(pids)  # one is busy: only PR_SET_PDEATHSIG can stop it
        killed_at = time.monotonic()
        os.kill(service.pid, signal.SIGKILL)
        service.wait(10)
        gone = seconds_until_idle(pids, since=killed_at)
        alive = [pid for pid in pids if running(pid)]
    finally:
        sock.close()
        compute_cluster.start("projections")  # the module's other tests may still need it
    print(f"\nafter kill -9 of projections, its workers stopped within {gone:.3f} s")
    assert alive == []
