"""A couple planned through the gateway, every process and database real (issue 15).

register → PATCH /me/profile with a partner (married_joint) → records with owners (two
salaries, two Social Security benefits, a pension with a survivor share, joint and personal
expenses) → a deterministic run with fixed lifespans in which she dies at 70 → the years
before and after her death checked row by row against the schedule below, built by hand from
DESIGN §6.1/§6.2 → a scenario where he claims at 64 → dashboard and export carry it all.

The schedule, in today's money (no inflation, no growth; each row is one calendar year):

    row t      her age  his age  her salary  his salary  pension  her SS   his SS
    0          64       63       90,000      60,000      —        —        —
    1          65       64       90,000      60,000      24,000   —        —
    2          66       65       —           —           24,000   —        —
    3          67       66       —           —           24,000   30,000   —
    4, 5       68, 69   67, 68   —           —           24,000   30,000   16,800
    6 … 21     70 …     69 …     (she died at 70)        12,000   —        30,000
    22         86       85       the last row: what is left, no flows

She retires at 66 (her salary is paid at 64 and 65), he at 65. Both claim at their full
retirement age, 67 (born 1960 or later: SSA), so each benefit is its PIA; his PIA is more than
half hers, so he has no spousal excess. She lives until 70 (`life_expectancy` 70: her last
year is at 69). From the year she is 70: her pension continues at its survivor share, 0.5 ×
24,000; he keeps the larger benefit, hers (30,000 > 16,800); her own expense stops, the
joint one and his continue. He lives until 85, so the plan funds 22 years and shows a 23rd.
Nothing earns a return and no tax is due, so the portfolio at the start of each row is the
3,000,000 saved plus every earlier year's income less its spending.

Scenario: he claims at 64, 36 months before his full retirement age: 16,800 × (1 − 36 × 5/9 %)
= 16,800 × 0.80 = 13,440 a year from row 1; after her death he still keeps the larger, 30,000.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
import pytest

from .conftest import Cluster

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
HER_AGE, HIS_AGE, ROWS, SAVINGS = 64, 63, 23, 3_000_000
# Each row's gross income and spending by hand (the table in the docstring).
INCOME = [150_000, 174_000, 24_000, 54_000, 70_800, 70_800] + [42_000] * 16 + [0]
SPENDING = [65_000] * 6 + [55_000] * 16 + [0]
# He claims at 64: 13,440 a year from row 1 instead of 16,800 from row 4.
INCOME_CLAIMING_AT_64 = [150_000, 187_440, 37_440, 67_440, 67_440, 67_440] + [42_000] * 16 + [0]


def born(age: int) -> str:
    """1 January `age` years ago: that age on every day of this year."""
    return f"{date.today().year - age}-01-01"


def sign_up(cluster: Cluster, http: httpx.Client) -> dict[str, str]:
    email = f"couple-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD}
    assert http.post(cluster.api("/auth/register"), json=body).status_code == 201
    tokens = http.post(cluster.api("/auth/login"), json=body).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def post(cluster: Cluster, http: httpx.Client, auth: dict[str, str], path: str, body: Any) -> Any:
    answer = http.post(cluster.api(path), json=body, headers=auth)
    assert answer.status_code in (200, 201), f"{path}: {answer.text}"
    return answer.json()


def income(name: str, kind: str, amount: int, owner: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "amount": f"{amount}.00",
        "frequency": "annual",
        "owner": owner,
        **extra,
    }


def expense(name: str, amount: int, owner: str) -> dict[str, Any]:
    return {
        "name": name,
        "category": "living",
        "amount": f"{amount}.00",
        "frequency": "annual",
        "inflation_indexed": False,
        "owner": owner,
    }


HOUSEHOLD = {
    "birth_date": born(HER_AGE),
    "sex": "female",
    "retirement_age": 66,
    "life_expectancy": 70,
    "filing_status": "married_joint",
    "partner": {
        "name": "Sam",
        "birth_date": born(HIS_AGE),
        "sex": "male",
        "retirement_age": 65,
        "life_expectancy": 85,
    },
}
INCOMES = [
    income("Her salary", "salary", 90_000, "self"),
    income("His salary", "salary", 60_000, "partner"),
    income("Her Social Security", "social_security", 30_000, "self", start_age=67),
    income("His Social Security", "social_security", 16_800, "partner", start_age=67),
    income("Her pension", "pension", 24_000, "self", start_age=65, survivor_fraction=0.5),
]
EXPENSES = [
    expense("Home", 50_000, "joint"),
    expense("Her studio", 10_000, "self"),
    expense("His boat", 5_000, "partner"),
]
# Flat prices: no inflation, no growth, no tax; every row's money is today's money.
ASSUMPTIONS = {
    "mode": "deterministic",
    "longevity": "fixed",
    "inflation": 0.0,
    "inflation_vol": 0.0,
    "stock_return": 0.0,
    "stock_vol": 0.0,
    "bond_return": 0.0,
    "bond_vol": 0.0,
    "income_tax_rate": 0,
    "tax": {"regime": "flat"},
}


def p50(result: dict[str, Any], field: str) -> list[float]:
    return [row[field]["p50"] for row in result["years"]]


def test_a_couple_survivor_year_matches_the_schedule_by_hand(
    cluster: Cluster, http: httpx.Client
) -> None:
    auth = sign_up(cluster, http)
    # i15-accounts: the household fields of the profile.
    patched = http.patch(cluster.api("/me/profile"), json=HOUSEHOLD, headers=auth)
    assert patched.status_code == 200, patched.text
    assert patched.json()["partner"]["name"] == "Sam"

    # i15-ledger: owners, survivor_fraction.
    cash = {"name": "Savings", "kind": "taxable", "balance": f"{SAVINGS}.00", "owner": "joint"}
    post(cluster, http, auth, "/assets", {**cash, "stock_allocation": 0})
    incomes = [post(cluster, http, auth, "/incomes", i) for i in INCOMES]
    assert [i["owner"] for i in incomes] == [i["owner"] for i in INCOMES]
    assert incomes[4]["survivor_fraction"] == 0.5
    for body in EXPENSES:
        post(cluster, http, auth, "/expenses", body)

    projection = post(
        cluster, http, auth, "/projections", {"name": "Us", "assumptions": ASSUMPTIONS}
    )
    result = post(cluster, http, auth, f"/projections/{projection['id']}/run", {})

    # i15-kernel: two people on one timeline, the survivor rules of DESIGN §6.1/§6.2.
    year = date.today().year
    rows = result["years"]
    assert [(r["age"], r["partner_age"], r["year"]) for r in rows] == [
        (HER_AGE + t, HIS_AGE + t, year + t) for t in range(ROWS)
    ]
    assert result["success_rate"] == 1.0
    assert p50(result, "income") == pytest.approx(INCOME, abs=0.01)
    assert p50(result, "spending") == pytest.approx(SPENDING, abs=0.01)
    assert all(r["alive_share"] == 1.0 for r in rows[:-1])
    # Nothing earns anything and no tax is due: each year's surplus is saved as it is.
    balances = [SAVINGS + sum(INCOME[:t]) - sum(SPENDING[:t]) for t in range(ROWS)]
    assert p50(result, "portfolio") == pytest.approx(balances, abs=0.01)

    scenario = post(
        cluster,
        http,
        auth,
        f"/projections/{projection['id']}/scenarios",
        {"name": "He claims at 64", "overrides": {"claiming_ages": {"partner": 64}}},
    )
    early = post(
        cluster,
        http,
        auth,
        f"/projections/{projection['id']}/run",
        {"scenario_id": scenario["id"]},
    )
    assert p50(early, "income") == pytest.approx(INCOME_CLAIMING_AT_64, abs=0.01)

    board = http.get(cluster.api("/dashboard"), headers=auth).json()
    assert board["unavailable"] == []
    assert board["profile"]["partner"]["name"] == "Sam"
    assert board["latest_run"]["run_id"] == early["run_id"]

    export = http.get(cluster.api("/me/export"), headers=auth)
    assert export.status_code == 200, export.text
    document = export.json()
    assert document["accounts"]["user"]["profile"]["filing_status"] == "married_joint"
    assert sorted(i["owner"] for i in document["ledger"]["incomes"]) == sorted(
        i["owner"] for i in INCOMES
    )
    (stored_scenario,) = document["projections"]["scenarios"]
    assert stored_scenario["overrides"]["claiming_ages"] == {"self": None, "partner": 64}
    runs = {r["id"]: r["result"] for r in document["projections"]["runs"]}
    assert p50(runs[result["run_id"]], "income") == pytest.approx(INCOME, abs=0.01)
