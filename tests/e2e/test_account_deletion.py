"""DELETE /api/v1/me through the gateway: the account goes and accounts' dispatcher picks it up."""

from __future__ import annotations

import time
import uuid

import httpx
import psycopg
import pytest

from nestegg_common.settings import with_database

from .conftest import Cluster

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"


def test_deleting_me_through_the_gateway_erases_the_account_and_starts_delivery(
    cluster: Cluster, http: httpx.Client
) -> None:
    email = f"gone-{uuid.uuid4().hex[:10]}@example.com"
    created = http.post(cluster.api("/auth/register"), json={"email": email, "password": PASSWORD})
    user_id = created.json()["id"]
    pair = http.post(cluster.api("/auth/login"), json={"email": email, "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {pair['access_token']}"}

    assert http.delete(cluster.api("/me")).status_code == 401
    deleted = http.delete(cluster.api("/me"), headers=headers)
    assert deleted.status_code == 204, deleted.text
    assert http.get(cluster.api("/me"), headers=headers).status_code == 401

    dsn = with_database(
        cluster.env["NESTEGG_DATABASE_URL"], cluster.env["NESTEGG_ACCOUNTS_DATABASE"]
    )
    deadline = time.monotonic() + 10
    with psycopg.connect(dsn, autocommit=True) as conn:
        while True:
            rows = conn.execute(
                "SELECT d.subscriber, d.attempts FROM outbox o "
                "JOIN outbox_deliveries d ON d.event_id = o.id "
                "WHERE o.event_type = 'user.deleted' AND o.payload->>'user_id' = %s "
                "ORDER BY d.subscriber",
                (user_id,),
            ).fetchall()
            # Whether a subscriber acknowledges is its own test; here: the dispatcher tried.
            if rows and all(attempts >= 1 for _, attempts in rows):
                break
            assert time.monotonic() < deadline, rows
            time.sleep(0.1)
    assert [subscriber for subscriber, _ in rows] == ["gateway", "ledger", "projections"]


def test_erasure_reaches_the_ledger_after_it_comes_back(
    cluster: Cluster, http: httpx.Client
) -> None:
    def sign_up() -> tuple[str, dict[str, str]]:
        email = f"outage-{uuid.uuid4().hex[:10]}@example.com"
        user = http.post(cluster.api("/auth/register"), json={"email": email, "password": PASSWORD})
        login = http.post(cluster.api("/auth/login"), json={"email": email, "password": PASSWORD})
        return user.json()["id"], {"Authorization": f"Bearer {login.json()['access_token']}"}

    def ledger_rows(user_id: str) -> int:
        dsn = with_database(
            cluster.env["NESTEGG_DATABASE_URL"], cluster.env["NESTEGG_LEDGER_DATABASE"]
        )
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM assets WHERE user_id = %(u)s)"
                " + (SELECT count(*) FROM expenses WHERE user_id = %(u)s)",
                {"u": user_id},
            ).fetchone()
        assert row is not None
        return int(row[0])

    leaving, leaving_auth = sign_up()
    staying, staying_auth = sign_up()
    asset = {"name": "Savings", "kind": "cash", "balance": "10.00"}
    expense = {"name": "Rent", "category": "housing", "amount": "900.00", "frequency": "monthly"}
    for auth in (leaving_auth, staying_auth):
        assert http.post(cluster.api("/assets"), json=asset, headers=auth).status_code == 201
        assert http.post(cluster.api("/expenses"), json=expense, headers=auth).status_code == 201

    cluster.stop("ledger")
    try:
        assert http.delete(cluster.api("/me"), headers=leaving_auth).status_code == 204
        time.sleep(1.5)  # the dispatcher tries, fails and backs off while the ledger is down
        assert ledger_rows(leaving) == 2
    finally:
        cluster.start("ledger")
    deadline = time.monotonic() + 30
    while ledger_rows(leaving) != 0:
        assert time.monotonic() < deadline, "the ledger never received user.deleted"
        time.sleep(0.2)
    assert ledger_rows(staying) == 2
    assert (
        http.get(cluster.api("/assets"), headers=staying_auth).json()["items"][0]["name"]
        == "Savings"
    )
