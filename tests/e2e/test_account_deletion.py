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
    assert http.get(cluster.api("/me"), headers=headers).status_code == 404

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
    assert [subscriber for subscriber, _ in rows] == ["ledger", "projections"]
