"""A couple's profile through the gateway (issue 15, item 1): every process and database real.

PUT the household, PATCH the partner, then find the same household in GET /me, the dashboard,
the data export and the internal profile that projections and the ledger read.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from .conftest import Cluster

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
PARTNER = {
    "name": "Charles",
    "birth_date": "1973-03-02",
    "sex": "male",
    "retirement_age": 67,
    "life_expectancy": 92,
}
HOUSEHOLD = {
    "display_name": "Ada",
    "birth_date": "1975-12-10",
    "sex": "female",
    "retirement_age": 62,
    "life_expectancy": 95,
    "currency": "USD",
    "filing_status": "married_joint",
    "partner": PARTNER,
}


def test_a_couples_profile_reaches_me_dashboard_export_and_the_services(
    cluster: Cluster, http: httpx.Client
) -> None:
    email = f"couple-{uuid.uuid4().hex[:10]}@example.com"
    registered = http.post(
        cluster.api("/auth/register"), json={"email": email, "password": PASSWORD}
    )
    user_id = registered.json()["id"]
    tokens = http.post(cluster.api("/auth/login"), json={"email": email, "password": PASSWORD})
    auth = {"Authorization": f"Bearer {tokens.json()['access_token']}"}

    put = http.put(cluster.api("/me/profile"), json=HOUSEHOLD, headers=auth)
    assert put.status_code == 200, put.text
    patch = http.patch(
        cluster.api("/me/profile"),
        json={"partner": {"retirement_age": 65, "name": None}},
        headers={**auth, "Content-Type": "application/merge-patch+json"},
    )
    assert patch.status_code == 200, patch.text
    expected = {**HOUSEHOLD, "partner": {**PARTNER, "retirement_age": 65, "name": None}}
    assert patch.json() == expected

    assert http.get(cluster.api("/me"), headers=auth).json()["profile"] == expected
    dashboard = http.get(cluster.api("/dashboard"), headers=auth).json()
    assert dashboard["profile"] == expected
    export = http.get(cluster.api("/me/export"), headers=auth)
    assert export.status_code == 200
    assert export.json()["accounts"]["user"]["profile"] == expected
    service = {"Authorization": f"Bearer {cluster.secrets.internal_token}"}
    internal = http.get(
        f"{cluster.service_urls['accounts']}/internal/users/{user_id}/profile", headers=service
    )
    assert internal.json() == expected

    # Removing the partner of a married_joint household names filing_status; nothing changes.
    removal = http.patch(cluster.api("/me/profile"), json={"partner": None}, headers=auth)
    assert removal.status_code == 422
    assert [e["field"] for e in removal.json()["errors"]] == ["filing_status"]
    assert http.get(cluster.api("/me/profile"), headers=auth).json() == expected
