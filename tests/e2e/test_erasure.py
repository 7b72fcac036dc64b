"""After DELETE /me the old token opens nothing and nothing more is stored (issue 13, item 1).

Through the gateway on a real cluster, and straight to each service; then with writes racing
the deletion; then across restarts of the gateway and a service.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from .conftest import Cluster
from .test_projection_flow import count_rows

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
NOTHING = {"accounts": 0, "ledger": 0, "projections": 0}
ASSET = {"name": "Savings", "kind": "cash", "balance": "10.00"}
DEBT = {
    "name": "Car",
    "kind": "auto",
    "balance": "5.00",
    "interest_rate": 0.05,
    "monthly_payment": "1.00",
}
INCOME = {"name": "Pay", "kind": "salary", "amount": "100.00", "frequency": "monthly"}
EXPENSE = {"name": "Rent", "category": "housing", "amount": "90.00", "frequency": "monthly"}


def sign_up(cluster: Cluster, http: httpx.Client) -> tuple[str, dict[str, str]]:
    email = f"erased-{uuid.uuid4().hex[:10]}@example.com"
    user = http.post(cluster.api("/auth/register"), json={"email": email, "password": PASSWORD})
    assert user.status_code == 201, user.text
    login = http.post(cluster.api("/auth/login"), json={"email": email, "password": PASSWORD})
    return user.json()["id"], {"Authorization": f"Bearer {login.json()['access_token']}"}


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_after_delete_me_the_old_token_is_refused_on_every_route_and_service(
    cluster: Cluster, http: httpx.Client
) -> None:
    user_id, auth = sign_up(cluster, http)
    records = {
        name: created(http.post(cluster.api(f"/{name}"), json=body, headers=auth))["id"]
        for name, body in (
            ("assets", ASSET),
            ("debts", DEBT),
            ("incomes", INCOME),
            ("expenses", EXPENSE),
        )
    }
    projection = created(http.post(cluster.api("/projections"), json={"name": "P"}, headers=auth))
    p = f"/projections/{projection['id']}"
    scenario = created(
        http.post(cluster.api(f"{p}/scenarios"), json={"name": "S", "overrides": {}}, headers=auth)
    )
    s = f"{p}/scenarios/{scenario['id']}"

    assert http.delete(cluster.api("/me"), headers=auth).status_code == 204

    # Every process heard of it before the 204: no waiting, nothing left, nothing accepted.
    assert count_rows(cluster, user_id) == NOTHING
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/me", None),
        ("GET", "/me/profile", None),
        ("PUT", "/me/profile", {}),
        ("GET", "/me/export", None),
        ("DELETE", "/me", None),
        ("GET", "/dashboard", None),
        ("GET", "/ledger/summary", None),
        ("GET", "/projections", None),
        ("POST", "/projections", {"name": "After"}),
        ("GET", p, None),
        ("PATCH", p, {"name": "After"}),
        ("DELETE", p, None),
        ("GET", f"{p}/scenarios", None),
        ("POST", f"{p}/scenarios", {"name": "After", "overrides": {}}),
        ("GET", s, None),
        ("PATCH", s, {"name": "After"}),
        ("DELETE", s, None),
        ("POST", f"{p}/run", {}),
        ("POST", f"{p}/compare", None),
        ("POST", f"{p}/solve", {"target": "retirement_age", "success_rate": 0.8}),
    ]
    for name, body in (
        ("assets", ASSET),
        ("debts", DEBT),
        ("incomes", INCOME),
        ("expenses", EXPENSE),
    ):
        one = f"/{name}/{records[name]}"
        calls += [
            ("GET", f"/{name}", None),
            ("POST", f"/{name}", body),
            ("GET", one, None),
            ("PATCH", one, {"name": "After"}),
            ("DELETE", one, None),
        ]
    refused = {
        f"{method} {path}": http.request(method, cluster.api(path), json=body, headers=auth)
        for method, path, body in calls
    }
    assert {k: r.status_code for k, r in refused.items() if r.status_code != 401} == {}
    assert all(r.json()["detail"] == "This account was deleted." for r in refused.values())

    # Straight to each service, as a caller inside the network could.
    direct = {
        "accounts": ("GET", "/me"),
        "ledger": ("POST", "/assets"),
        "projections": ("POST", "/projections"),
    }
    for service, (method, path) in direct.items():
        url = f"{cluster.service_urls[service]}{path}"
        answer = http.request(
            method, url, json=ASSET if service == "ledger" else {"name": "X"}, headers=auth
        )
        assert answer.status_code == 401, (service, answer.text)
    assert count_rows(cluster, user_id) == NOTHING


def test_writes_racing_the_deletion_end_refused_or_erased(
    cluster: Cluster, http: httpx.Client
) -> None:
    user_id, auth = sign_up(cluster, http)
    stop = threading.Event()
    statuses: list[int] = []

    def keep_writing(path: str, body: dict[str, Any]) -> None:
        with httpx.Client(timeout=15.0) as writer:
            while not stop.is_set():
                statuses.append(writer.post(cluster.api(path), json=body, headers=auth).status_code)

    writes: list[tuple[str, dict[str, Any]]] = [
        ("/assets", ASSET),
        ("/expenses", EXPENSE),
        ("/projections", {"name": "Racing"}),
        ("/assets", ASSET),
    ]
    with ThreadPoolExecutor(len(writes)) as pool:
        running = [pool.submit(keep_writing, path, body) for path, body in writes]
        time.sleep(0.5)  # writes are landing
        assert http.delete(cluster.api("/me"), headers=auth).status_code == 204
        time.sleep(0.5)  # and still being sent after the deletion
        stop.set()
        for future in running:
            future.result()

    assert 201 in statuses and 401 in statuses, sorted(set(statuses))
    assert set(statuses) <= {201, 401, 409}, sorted(set(statuses))  # 409: a quota, never a 5xx
    assert count_rows(cluster, user_id) == NOTHING
    time.sleep(1.0)  # anything still in flight anywhere has landed by now
    assert count_rows(cluster, user_id) == NOTHING


def test_a_restarted_gateway_and_service_still_refuse_an_erased_users_token(
    cluster: Cluster, http: httpx.Client
) -> None:
    _, auth = sign_up(cluster, http)
    _, staying = sign_up(cluster, http)
    assert http.delete(cluster.api("/me"), headers=auth).status_code == 204

    for name in ("gateway", "ledger"):
        cluster.stop(name)
        cluster.start(name)  # waits for /readyz: keys and recent erasures loaded

    assert http.get(cluster.api("/assets"), headers=auth).status_code == 401
    assert http.get(f"{cluster.service_urls['ledger']}/assets", headers=auth).status_code == 401
    assert http.get(cluster.api("/assets"), headers=staying).status_code == 200
