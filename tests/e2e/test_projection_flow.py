"""One person's whole journey through the gateway, every process and database real.

register → profile → ledger → projection → run (checked against a closed form) → scenario →
compare → solve → dashboard → export → DELETE /me → nothing of theirs left anywhere.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import date

import httpx
import psycopg
import pytest

from nestegg_common.settings import with_database
from projections.engine import SHIPPED_HISTORICAL_DATA

from .conftest import Cluster

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
GROWTH, START, SPEND, YEARS = 0.05, 100_000.0, 10_000.0, 5


def sign_up(
    cluster: Cluster, http: httpx.Client, *, age: int, retire_at: int, plan_to: int
) -> dict[str, str]:
    email = f"flow-{uuid.uuid4().hex[:10]}@example.com"
    assert (
        http.post(
            cluster.api("/auth/register"), json={"email": email, "password": PASSWORD}
        ).status_code
        == 201
    )
    tokens = http.post(
        cluster.api("/auth/login"), json={"email": email, "password": PASSWORD}
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    today = date.today()
    # Born on 1 January `age` years ago: already `age` on any day of this year.
    profile = {
        "birth_date": f"{today.year - age}-01-01",
        "retirement_age": retire_at,
        "life_expectancy": plan_to,
    }
    assert http.put(cluster.api("/me/profile"), json=profile, headers=auth).status_code == 200
    return auth


def closed_form_balance(years: int) -> float:
    """B(n) = B0·g^n − E·g·(g^n − 1)/(g − 1): spend E at the start of each year, grow by g."""
    g = 1 + GROWTH
    return START * g**years - SPEND * g * (g**years - 1) / (g - 1)


def _sum_of_counts(*tables: tuple[str, str]) -> str:
    counts = [f"(SELECT count(*) FROM {t} WHERE {c} = %(u)s)" for t, c in tables]  # noqa: S608
    return "SELECT " + " + ".join(counts)


LEDGER_ROWS = _sum_of_counts(
    ("assets", "user_id"), ("debts", "user_id"), ("incomes", "user_id"), ("expenses", "user_id")
)
PROJECTION_ROWS = _sum_of_counts(
    ("projections", "user_id"), ("scenarios", "user_id"), ("runs", "user_id")
)
ACCOUNT_ROWS = _sum_of_counts(("users", "id"), ("profiles", "user_id"))


def count_rows(cluster: Cluster, user_id: str) -> dict[str, int]:
    def count(service: str, sql: str) -> int:
        dsn = with_database(
            cluster.env["NESTEGG_DATABASE_URL"], cluster.env[f"NESTEGG_{service.upper()}_DATABASE"]
        )
        with psycopg.connect(dsn) as conn:
            row = conn.execute(sql, {"u": user_id}).fetchone()
        assert row is not None
        return int(row[0])

    return {
        "accounts": count("accounts", ACCOUNT_ROWS),
        "ledger": count("ledger", LEDGER_ROWS),
        "projections": count("projections", PROJECTION_ROWS),
    }


def test_a_whole_journey_ends_with_nothing_left(cluster: Cluster, http: httpx.Client) -> None:
    auth = sign_up(cluster, http, age=60, retire_at=60, plan_to=60 + YEARS)
    other = sign_up(cluster, http, age=40, retire_at=65, plan_to=90)
    user_id = http.get(cluster.api("/me"), headers=auth).json()["id"]
    other_id = http.get(cluster.api("/me"), headers=other).json()["id"]

    asset = {
        "name": "Index fund",
        "kind": "taxable",
        "balance": f"{START:.2f}",
        "stock_allocation": 1,
    }
    expense = {
        "name": "Living",
        "category": "living",
        "amount": f"{SPEND:.2f}",
        "frequency": "annual",
        "inflation_indexed": False,
    }
    assert http.post(cluster.api("/assets"), json=asset, headers=auth).status_code == 201
    assert http.post(cluster.api("/expenses"), json=expense, headers=auth).status_code == 201
    assert http.post(cluster.api("/assets"), json=asset, headers=other).status_code == 201

    assumptions = {
        "mode": "deterministic",
        "stock_return": GROWTH,
        "inflation": 0.02,
        "income_tax_rate": 0,
        "tax": {"regime": "flat"},
    }
    created = http.post(
        cluster.api("/projections"), json={"name": "Base", "assumptions": assumptions}, headers=auth
    )
    assert created.status_code == 201, created.text
    projection = created.json()
    assert projection["assumptions"]["withdrawal_strategy"] == "needs"  # defaults are spelled out
    run_url = cluster.api(f"/projections/{projection['id']}/run")

    run = http.post(run_url, json={}, headers=auth)
    assert run.status_code == 200, run.text
    result = run.json()
    assert result["success_rate"] == 1.0
    assert [y["age"] for y in result["years"]] == [60, 61, 62, 63, 64, 65]
    for n, year in enumerate(result["years"]):
        assert year["portfolio"]["p50"] == pytest.approx(closed_form_balance(n), abs=0.01)
    assert result["years"][-1]["portfolio"]["p50"] == pytest.approx(69609.03, abs=0.01)  # by hand
    assert result["cached"] is False

    again = http.post(run_url, json={}, headers=auth).json()
    assert again["cached"] is True
    assert again["inputs_hash"] == result["inputs_hash"]
    assert again["run_id"] == result["run_id"]

    # A ledger change is a new input: a new hash and a new stored run.
    assert (
        http.post(
            cluster.api("/expenses"), json={**expense, "amount": "1.00"}, headers=auth
        ).status_code
        == 201
    )
    changed = http.post(run_url, json={}, headers=auth).json()
    assert changed["inputs_hash"] != result["inputs_hash"]
    assert changed["cached"] is False

    scenario = http.post(
        cluster.api(f"/projections/{projection['id']}/scenarios"),
        json={"name": "Spend 10% less", "overrides": {"expense_scale": 0.9}},
        headers=auth,
    )
    assert scenario.status_code == 201, scenario.text
    scenario_id = scenario.json()["id"]
    scenario_run = http.post(run_url, json={"scenario_id": scenario_id}, headers=auth).json()
    spend = SPEND * 0.9 + 0.9  # both expenses scaled
    g, b = 1 + GROWTH, START
    for _ in range(YEARS):
        b = (b - spend) * g
    assert scenario_run["years"][-1]["portfolio"]["p50"] == pytest.approx(b, abs=0.02)

    comparison = http.post(cluster.api(f"/projections/{projection['id']}/compare"), headers=auth)
    assert comparison.status_code == 200, comparison.text
    columns = comparison.json()["runs"]
    assert [c["scenario_id"] for c in columns] == [None, scenario_id]
    baseline_end = columns[0]["summary"]["median_portfolio_at_end"]
    assert columns[1]["difference"]["median_portfolio_at_end"] == pytest.approx(
        columns[1]["summary"]["median_portfolio_at_end"] - baseline_end
    )
    assert columns[1]["difference"]["median_portfolio_at_end"] > 0

    solved = http.post(
        cluster.api(f"/projections/{projection['id']}/solve"),
        json={"target": "annual_spending", "success_rate": 0.9},
        headers=auth,
    )
    assert solved.status_code == 200, solved.text
    # The most one can spend (in today's money, so growing with 2% inflation) for 5 years from
    # 100k growing 5%: S·Σ_{k<5} (1.02/1.05)^k = 100k, so S = 21,175.97 → 21,100 in steps of 100.
    q = (1 + assumptions["inflation"]) / (1 + GROWTH)
    most = START / sum(q**k for k in range(YEARS))
    assert most == pytest.approx(21175.97, abs=0.01)
    assert solved.json()["value"] == int(most // 100) * 100

    dashboard = http.get(cluster.api("/dashboard"), headers=auth)
    assert dashboard.status_code == 200
    board = dashboard.json()
    assert board["unavailable"] == []
    assert board["profile"]["retirement_age"] == 60
    assert board["ledger_summary"]["total_assets"] == "100000.00"
    assert board["latest_run"]["projection_id"] == projection["id"]

    export = http.get(cluster.api("/me/export"), headers=auth)
    assert export.status_code == 200
    document = export.json()
    assert document["user_id"] == user_id
    assert len(document["ledger"]["assets"]) == 1
    assert len(document["ledger"]["expenses"]) == 2
    assert len(document["projections"]["projections"]) == 1
    assert len(document["projections"]["scenarios"]) == 1
    # baseline, baseline after the ledger change, scenario; compare reused the last two.
    assert len(document["projections"]["runs"]) == 3
    assert other_id not in export.text

    assert count_rows(cluster, user_id) == {"accounts": 2, "ledger": 3, "projections": 5}
    assert http.delete(cluster.api("/me"), headers=auth).status_code == 204
    deadline = time.monotonic() + 20
    while count_rows(cluster, user_id) != {"accounts": 0, "ledger": 0, "projections": 0}:
        assert time.monotonic() < deadline, count_rows(cluster, user_id)
        time.sleep(0.2)
    assert count_rows(cluster, other_id)["ledger"] == 1
    assert count_rows(cluster, other_id)["accounts"] == 2


def test_a_profile_without_a_birth_date_gets_a_422_saying_what_to_fill_in(
    cluster: Cluster, http: httpx.Client
) -> None:
    email = f"nobirth-{uuid.uuid4().hex[:10]}@example.com"
    http.post(cluster.api("/auth/register"), json={"email": email, "password": PASSWORD})
    tokens = http.post(
        cluster.api("/auth/login"), json={"email": email, "password": PASSWORD}
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    projection = http.post(cluster.api("/projections"), json={"name": "P"}, headers=auth).json()
    response = http.post(cluster.api(f"/projections/{projection['id']}/run"), json={}, headers=auth)
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "profile.birth_date"
    assert "birth_date" in body["detail"]


def test_historical_mode_works_out_of_the_box_on_the_shipped_series(
    cluster: Cluster, http: httpx.Client
) -> None:
    # The console offers the mode; with no NESTEGG_HISTORICAL_DATA it runs on the shipped copy.
    auth = sign_up(cluster, http, age=40, retire_at=65, plan_to=90)
    projection = http.post(
        cluster.api("/projections"),
        json={"name": "H", "assumptions": {"mode": "historical"}},
        headers=auth,
    ).json()
    response = http.post(cluster.api(f"/projections/{projection['id']}/run"), json={}, headers=auth)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (
        result["dataset_hash"] == hashlib.sha256(SHIPPED_HISTORICAL_DATA.read_bytes()).hexdigest()
    )
    # One path per start year: 1871 .. 2022 − 50 + 1 for a 50-year plan.
    assert result["paths"] == 2022 - 50 + 1 - 1871 + 1
