"""A stored result read right after a write of its inputs is computed again (issue 19).

Projections serves a stored run by the change counters accounts and ledger announce before
each write commits, without asking them anything (docs/ARCHITECTURE.md, Stored results by
change counters): through the gateway, with every process real, each kind of write of a
profile or a record is followed at once by a run that must not be the stored one, and the run
after that is the stored one again. Reading it is not a computation: past the per-minute
computation limit, stored reads still answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import httpx
import pytest

from .conftest import Cluster

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
ASSUMPTIONS = {
    "mode": "deterministic",
    "stock_return": 0.05,
    "stock_vol": 0,
    "inflation": 0.02,
    "inflation_vol": 0,
    "tax": {"regime": "flat"},
}


def signed_up(cluster: Cluster, http: httpx.Client) -> dict[str, str]:
    email = f"stale-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD}
    assert http.post(cluster.api("/auth/register"), json=body).status_code == 201
    tokens = http.post(cluster.api("/auth/login"), json=body).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    profile = {
        "birth_date": f"{date.today().year - 60}-01-01",
        "retirement_age": 62,
        "life_expectancy": 70,
    }
    assert http.put(cluster.api("/me/profile"), json=profile, headers=auth).status_code == 200
    return auth


def test_every_write_of_an_input_is_seen_by_the_very_next_run(
    cluster: Cluster, http: httpx.Client
) -> None:
    auth = signed_up(cluster, http)
    asset = {"name": "Savings", "kind": "cash", "balance": "100000.00"}
    created = http.post(cluster.api("/assets"), json=asset, headers=auth)
    assert created.status_code == 201, created.text
    asset_id = created.json()["id"]
    projection = http.post(
        cluster.api("/projections"), json={"name": "Base", "assumptions": ASSUMPTIONS}, headers=auth
    ).json()
    run_url = cluster.api(f"/projections/{projection['id']}/run")
    seen: set[str] = set()

    def run_after(write: Callable[[], httpx.Response]) -> None:
        answer = write()
        assert answer.status_code < 300, answer.text
        fresh = http.post(run_url, json={}, headers=auth).json()  # at once, nothing in between
        assert fresh["cached"] is False and fresh["inputs_hash"] not in seen
        seen.add(fresh["inputs_hash"])
        again = http.post(run_url, json={}, headers=auth).json()
        assert again["cached"] is True and again["run_id"] == fresh["run_id"]

    run_after(lambda: http.get(cluster.api("/me"), headers=auth))  # the first run computes
    expense = {"name": "Living", "category": "living", "amount": "9000.00", "frequency": "annual"}
    run_after(lambda: http.post(cluster.api("/expenses"), json=expense, headers=auth))
    run_after(
        lambda: http.patch(
            cluster.api(f"/assets/{asset_id}"), json={"balance": "90000.00"}, headers=auth
        )
    )
    run_after(lambda: http.delete(cluster.api(f"/assets/{asset_id}"), headers=auth))
    run_after(
        lambda: http.patch(cluster.api("/me/profile"), json={"life_expectancy": 72}, headers=auth)
    )
    run_after(
        lambda: http.put(
            cluster.api("/me/profile"),
            json={"birth_date": f"{date.today().year - 60}-01-01", "retirement_age": 61},
            headers=auth,
        )
    )
