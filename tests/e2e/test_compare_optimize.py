"""Compare and optimize through the gateway, every process real: a compare of 31 scenarios is
one computation (the console's old way, a run per column, could never finish it under the
30-a-minute limit), and optimize ranks claiming ages on shared paths."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest

from .conftest import Cluster

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
SCENARIOS = 31


def planner(cluster: Cluster, http: httpx.Client) -> dict[str, str]:
    """Sign up someone of 55 with savings, spending and a Social Security benefit."""
    email = f"decide-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD}
    assert http.post(cluster.api("/auth/register"), json=body).status_code == 201
    tokens = http.post(cluster.api("/auth/login"), json=body).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    profile = {
        "birth_date": f"{date.today().year - 55}-01-01",
        "retirement_age": 62,
        "life_expectancy": 92,
    }
    assert http.put(cluster.api("/me/profile"), json=profile, headers=auth).is_success
    for path, record in (
        ("/assets", {"name": "Savings", "kind": "taxable", "balance": "900000.00"}),
        (
            "/expenses",
            {"name": "Living", "category": "home", "amount": "52000.00", "frequency": "annual"},
        ),
        (
            "/incomes",
            {
                "name": "Social Security",
                "kind": "social_security",
                "amount": "2400.00",
                "frequency": "monthly",
                "start_age": 67,
            },
        ),
    ):
        assert http.post(cluster.api(path), json=record, headers=auth).is_success
    return auth


def test_a_compare_of_31_scenarios_then_an_optimize_through_the_gateway(
    cluster: Cluster, http: httpx.Client
) -> None:
    auth = planner(cluster, http)
    body = {"name": "Plan", "assumptions": {"paths": 1000, "tax": {"regime": "flat"}}}
    created = http.post(cluster.api("/projections"), json=body, headers=auth)
    assert created.status_code == 201, created.text[:300]
    pid = created.json()["id"]
    for i in range(SCENARIOS):
        scenario = {
            "name": f"Retire at {58 + i % 8}, spend {90 + i}%",
            "overrides": {"retirement_age": 58 + i % 8, "expense_scale": (90 + i) / 100},
        }
        made = http.post(cluster.api(f"/projections/{pid}/scenarios"), json=scenario, headers=auth)
        assert made.status_code == 201, made.text[:300]

    compared = http.post(
        cluster.api(f"/projections/{pid}/compare"), json={}, headers=auth, timeout=60
    )
    assert compared.status_code == 200, compared.text[:300]
    runs = compared.json()["runs"]
    assert len(runs) == SCENARIOS + 1
    assert {r["returns_group"] for r in runs} == {0}  # every plan on the same paths
    assert all(len(r["median_portfolio_real"]) == 92 - 55 + 1 for r in runs)  # and what is left
    # Spending more with the same retirement age never helps on the same paths.
    same_age = [
        r["summary"]["success_rate"] for r in runs[1:] if r["name"].startswith("Retire at 58")
    ]
    assert same_age == sorted(same_age, reverse=True)

    optimized = http.post(
        cluster.api(f"/projections/{pid}/optimize"),
        json={"decision": "claiming_ages", "objective": "median_estate_real"},
        headers=auth,
        timeout=60,
    )
    assert optimized.status_code == 200, optimized.text[:300]
    answer = optimized.json()
    assert sorted(c["choice"]["self"] for c in answer["candidates"]) == list(range(62, 71))
    estates = [c["median_estate_real"] for c in answer["candidates"]]
    assert estates == sorted(estates, reverse=True)
    assert answer["best"] == answer["candidates"][0]
    assert answer["margin"] == pytest.approx(estates[0] - estates[1], abs=0.011)
    assert answer["paths"] == 1000
