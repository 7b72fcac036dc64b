"""Processes die: kill -9 the ledger under load; take ledger and projections away during an erasure.

Real processes, real signals. Each test prints what it saw (timings) for docs/OPERATIONS.md.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from .conftest import Cluster, User, sign_up
from .db import connect, deliveries, processed, rows_of
from .load import Load, describe, wait_for
from .resources import PLANNABLE_PROFILE, create_one_of_each

pytestmark = pytest.mark.e2e

FAILED_UPSTREAM = {502, 503, 504}
SUBSCRIBERS = ("ledger", "projections")


def plannable_user(
    http: httpx.Client, cluster: Cluster, document: dict[str, Any], label: str
) -> tuple[User, dict[str, str]]:
    """Make a user with a profile, a record of every collection, a keyed POST and a run."""
    user = sign_up(http, cluster.api(""), label)
    profile = http.put(cluster.api("/me/profile"), json=PLANNABLE_PROFILE, headers=user.auth)
    assert profile.status_code == 200, profile.text
    ids = create_one_of_each(http, cluster.api(""), user.auth, document)
    keyed = http.post(
        cluster.api("/assets"),
        json={"name": "Keyed", "kind": "cash", "balance": "5.00"},
        headers={**user.auth, "Idempotency-Key": f"{label}-asset"},
    )
    assert keyed.status_code == 201, keyed.text
    run = http.post(cluster.api(f"/projections/{ids['/projections']}/run"), headers=user.auth)
    assert run.status_code == 200, run.text
    return user, ids


def test_killing_the_ledger_under_load_is_a_fast_502_and_it_recovers_without_a_gateway_restart(
    cluster: Cluster, http: httpx.Client
) -> None:
    user = sign_up(http, cluster.api(""), "kill")
    asset = {"name": "Cash", "kind": "cash", "balance": "10.00"}
    assert http.post(cluster.api("/assets"), json=asset, headers=user.auth).status_code == 201
    gateway = cluster.processes["gateway"]
    timeout_s = float(cluster.env["NESTEGG_UPSTREAM_TIMEOUT_S"])

    with Load(cluster.api("/assets"), user.auth, clients=4) as load:
        time.sleep(1.0)
        killed_at = time.monotonic()
        cluster.processes["ledger"].kill()  # SIGKILL: no goodbye, sockets reset
        cluster.processes["ledger"].wait()
        time.sleep(3.0)
        readyz = http.get(cluster.gateway_url + "/readyz")
        restart_at = time.monotonic()
        cluster.start("ledger")  # returns once the new ledger's /readyz says 200
        back_at = time.monotonic()
        time.sleep(1.5)
        done_at = time.monotonic()

    before = load.between(0, killed_at)
    down = load.between(killed_at, restart_at)
    after = load.between(back_at, done_at)
    print(
        f"\nFAULT kill -9 ledger: before {describe(before)}; down (3 s) {describe(down)}; "
        f"restart took {back_at - restart_at:.1f} s; after {describe(after)}"
    )
    assert before and all(s.status == 200 for s in before)
    assert down, "no request was made while the ledger was down"
    assert all(s.status in FAILED_UPSTREAM for s in down), describe(down)
    assert all(s.content_type.startswith("application/problem+json") for s in down)
    assert max(s.elapsed for s in down) < timeout_s, "a request hung while the ledger was down"
    assert readyz.status_code == 503 and "ledger" in readyz.text, readyz.text
    assert after and all(s.status == 200 for s in after), describe(after)
    assert gateway.poll() is None and cluster.processes["gateway"] is gateway


def test_an_erasure_made_while_ledger_and_projections_are_down_reaches_them_exactly_once(
    cluster: Cluster, http: httpx.Client, document: dict[str, Any]
) -> None:
    leaving, _ = plannable_user(http, cluster, document, "erase-leaving")
    staying, _ = plannable_user(http, cluster, document, "erase-staying")
    staying_rows = rows_of(cluster, staying.id)
    assert all(staying_rows[f"ledger.{t}"] for t in ("assets", "debts", "incomes", "expenses"))
    assert all(staying_rows[f"projections.{t}"] for t in ("projections", "scenarios", "runs"))

    for name in SUBSCRIBERS:
        cluster.processes[name].kill()
        cluster.processes[name].wait()
    try:
        assert http.delete(cluster.api("/me"), headers=leaving.auth).status_code == 204
        erased_at = time.monotonic()
        # The dispatcher tries each subscriber, fails and backs off.
        wait_for(
            lambda: (
                [(s, a >= 1, d) for _, s, a, d, _ in deliveries(cluster, leaving.id)]
                == [("ledger", True, False), ("projections", True, False)]
            ),
            timeout_s=10,
        )
        time.sleep(1.0)
        failed = deliveries(cluster, leaving.id)
        left_behind = rows_of(cluster, leaving.id)
        assert left_behind["accounts.users"] == 0
        assert left_behind["ledger.assets"] and left_behind["projections.runs"]
    finally:
        restart_at = time.monotonic()
        for name in SUBSCRIBERS:
            cluster.start(name)
    restarted_at = time.monotonic()

    delivered_after = wait_for(
        lambda: all(delivered for *_, delivered, _ in deliveries(cluster, leaving.id)[:2]),
        timeout_s=30,
    )
    rows = deliveries(cluster, leaving.id)
    event_id = rows[0][0]
    print(
        f"\nFAULT erasure while ledger+projections down: outage {restart_at - erased_at:.1f} s, "
        f"attempts while down {[(s, a, e) for _, s, a, _, e in failed]}, restart took "
        f"{restarted_at - restart_at:.1f} s, delivered {delivered_after:.1f} s after the restart, "
        f"attempts in all {[(s, a) for _, s, a, _, _ in rows]}"
    )
    assert [(s, d) for _, s, _, d, _ in rows] == [("ledger", True), ("projections", True)]
    assert all(attempts >= 2 for _, _, attempts, _, _ in rows)  # the first ones failed
    assert {k: v for k, v in rows_of(cluster, leaving.id).items() if v} == {}
    assert rows_of(cluster, staying.id) == staying_rows
    first = {name: processed(cluster, name, event_id) for name in SUBSCRIBERS}
    assert all(len(found) == 1 for found in first.values()), first

    # At least once: deliver the same event again; it is acknowledged and not applied again.
    with connect(cluster, "accounts") as conn:
        conn.execute(
            "UPDATE outbox_deliveries SET delivered_at = NULL, next_attempt_at = now() "
            "WHERE event_id = %s",
            (event_id,),
        )
    wait_for(
        lambda: all(delivered for *_, delivered, _ in deliveries(cluster, leaving.id)),
        timeout_s=30,
    )
    assert {name: processed(cluster, name, event_id) for name in SUBSCRIBERS} == first
    assert rows_of(cluster, staying.id) == staying_rows
    assert {k: v for k, v in rows_of(cluster, leaving.id).items() if v} == {}
