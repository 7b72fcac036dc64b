"""The household of issue 16 through the gateway, every process and database real.

A new user (single, 55, currency USD: accounts' default) with a 401(k), a Roth IRA, a brokerage
account and cash, earning 150,000 and retiring at 60, runs a deterministic projection with
fixed longevity and the regime left to the currency (so `us`, 2026 law, a 5 % state tax). No
inflation and zero volatility, so every year's law is 2026's as published and every return is
the stated mean.

1. The first year (age 55, working), computed by hand below from the 2026 law (IRS Rev. Proc.
   2025-32 as Tax-Calculator 6.8.0 carries it, listed in ../shared/data/README.md; SSA's 2026
   wage base 184,500): federal income tax, payroll and state tax, each in `detail` and their
   sum in the row's `taxes`.
2. Pre-tax contributions lower the working years' tax: without the 23,000 contribution the same
   year costs exactly 23,000 × (24 % + 5 %) more (the contribution comes off the top of the
   24 % bracket; payroll tax is unchanged, as the law says).
3. Taxes are no longer zero in the early retirement years (60–66, before Social Security), as
   they were under engine 1 with its flat tax on tax_deferred draws only: the brokerage's
   dividends and realised gains pay the state's 5 % (and federal tax above the 0 % bracket).
4. The 401(k) pays RMDs from 75 (born 1960 or later) and not before: the first is the balance
   at the end of the year before divided by 24.6, the IRS Uniform Lifetime Table's period at 75.

The hand computation of year 1 (single filer, 2026):

    wages                                150,000
    401(k) contribution (pre-tax)        −23,000
    qualified dividends: 2 % of the brokerage's 300,000 of stock =  6,000
    AGI                                  133,000     (127,000 wages + 6,000 dividends)
    standard deduction                   −16,100
    taxable income                       116,900     of which ordinary 110,900, dividends 6,000
    ordinary tax    10 % × 12,400                    =  1,240
                    12 % × (50,400 − 12,400)         =  4,560
                    22 % × (105,700 − 50,400)        = 12,166
                    24 % × (110,900 − 105,700)       =  1,248   → 19,214
    dividends at 15 % (ordinary income is above the 0 % top, 49,450)   900
    NIIT: MAGI 133,000 under 200,000                                    0
    AMT: 26 % × (133,000 − 90,100 − 6,000) + 900 = 10,494 < 20,114      0
    federal                                                         20,114
    payroll  6.2 % × 150,000 (under the 184,500 base) = 9,300
             1.45 % × 150,000                         = 2,175
             additional Medicare: wages under 200,000 =     0   →     11,475
    state    5 % × (AGI 133,000 − Social Security 0)                 6,650
    taxes                                                           38,239
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
AGE, RETIRE_AT, PLAN_TO, RMD_AGE = 55, 60, 90, 75
UNIFORM_LIFETIME_PERIOD_AT_75 = 24.6  # IRS Pub. 590-B, Table III (../shared/data/)
CONTRIBUTION = 23_000

# Year 1 by hand (the docstring's table).
FEDERAL = 1_240 + 4_560 + 12_166 + 1_248 + 900
PAYROLL = 9_300 + 2_175
STATE = 6_650
TAXES = FEDERAL + PAYROLL + STATE
assert (FEDERAL, PAYROLL, STATE, TAXES) == (20_114, 11_475, 6_650, 38_239)
# Without the contribution, the 23,000 more of wages falls in the 24 % bracket (110,900 +
# 23,000 = 133,900 < 201,775) and in the state's base; payroll tax is the same.
SAVED_BY_CONTRIBUTING = CONTRIBUTION * (0.24 + 0.05)

ASSUMPTIONS = {
    "mode": "deterministic",
    "longevity": "fixed",
    "inflation": 0.0,
    "inflation_vol": 0.0,
    "stock_return": 0.06,
    "stock_vol": 0.0,
    "bond_return": 0.03,
    "bond_vol": 0.0,
    "dividend_yield": 0.02,
    # The regime is left null: the profile's currency (USD) makes it `us`.
    "tax": {"year": 2026, "state_rate": 0.05},
}


def born(age: int) -> str:
    """1 January `age` years ago: that age on every day of this year."""
    return f"{date.today().year - age}-01-01"


def sign_up(cluster: Cluster, http: httpx.Client) -> dict[str, str]:
    email = f"taxes-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD}
    assert http.post(cluster.api("/auth/register"), json=body).status_code == 201
    tokens = http.post(cluster.api("/auth/login"), json=body).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def send(
    cluster: Cluster, http: httpx.Client, auth: dict[str, str], method: str, path: str, body: Any
) -> Any:
    answer = http.request(method, cluster.api(path), json=body, headers=auth)
    assert answer.status_code in (200, 201), f"{method} {path}: {answer.text}"
    return answer.json()


def asset(name: str, kind: str, balance: int, **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": kind, "balance": f"{balance}.00", **extra}


ASSETS = [
    asset(
        "401(k)",
        "tax_deferred",
        600_000,
        annual_contribution=f"{CONTRIBUTION}.00",
        contribution_end_age=RETIRE_AT - 1,
        stock_allocation=0.6,
    ),
    asset("Roth IRA", "tax_free", 100_000, stock_allocation=1.0),
    # All stock, so its income is the dividends alone; a third of it is unrealised gain.
    asset("Brokerage", "taxable", 300_000, stock_allocation=1.0, cost_basis="200000.00"),
    asset("Cash", "cash", 30_000, stock_allocation=0.0),
]
INCOMES = [
    {"name": "Salary", "kind": "salary", "amount": "150000.00", "frequency": "annual"},
    {
        "name": "Social Security",
        "kind": "social_security",
        "amount": "30000.00",
        "frequency": "annual",
        "start_age": 67,
    },
]
EXPENSES = [
    {
        "name": "Living",
        "category": "living",
        "amount": "70000.00",
        "frequency": "annual",
        "inflation_indexed": True,
    }
]


def p50(result: dict[str, Any], field: str) -> list[float]:
    return [row[field]["p50"] for row in result["years"]]


def by_age(result: dict[str, Any], field: str) -> dict[int, float]:
    return {row["age"]: row[field]["p50"] for row in result["years"]}


def test_the_new_users_household_pays_us_taxes_and_rmds(
    cluster: Cluster, http: httpx.Client
) -> None:
    auth = sign_up(cluster, http)
    profile = {"birth_date": born(AGE), "retirement_age": RETIRE_AT, "life_expectancy": PLAN_TO}
    shown = send(cluster, http, auth, "PATCH", "/me/profile", profile)
    assert shown["currency"] == "USD" and shown["filing_status"] == "single"
    assets = [send(cluster, http, auth, "POST", "/assets", a) for a in ASSETS]
    for body in INCOMES:
        send(cluster, http, auth, "POST", "/incomes", body)
    for body in EXPENSES:
        send(cluster, http, auth, "POST", "/expenses", body)
    projection = send(
        cluster, http, auth, "POST", "/projections", {"name": "Us", "assumptions": ASSUMPTIONS}
    )
    assert projection["assumptions"]["tax"]["regime"] is None
    run = f"/projections/{projection['id']}/run"
    result = send(cluster, http, auth, "POST", run, {})

    assert result["tax_law"]["regime"] == "us"
    assert result["tax_law"]["law_year"] == 2026
    rows = result["years"]
    assert [r["age"] for r in rows] == list(range(AGE, PLAN_TO + 1))

    # 1. The first year, by hand: each tax in the representative path's detail, and the sum.
    first = result["detail"]["rows"][0]
    assert first["age"] == AGE
    assert first["taxes"]["federal"] == pytest.approx(FEDERAL, abs=1)
    assert first["taxes"]["payroll"] == pytest.approx(PAYROLL, abs=1)
    assert first["taxes"]["state"] == pytest.approx(STATE, abs=1)
    assert first["taxes"]["irmaa"] == 0
    assert rows[0]["taxes"]["p50"] == pytest.approx(TAXES, abs=1)

    # 3. Retired at 60, before Social Security at 67: taxes every year, where engine 1 had none.
    # The brokerage pays for these years: its dividends and the gains it realises are the
    # income. Under 49,450 of taxable income they are in the 0 % federal bracket, so the tax is
    # the state's 5 % of AGI (no Social Security yet) — as the law has it.
    taxes = by_age(result, "taxes")
    assert all(taxes[age] > 1_000 for age in range(RETIRE_AT, 67)), taxes
    early = [d for d in result["detail"]["rows"] if RETIRE_AT <= d["age"] < 67]
    for year in early:
        assert year["realised_gains"] > 0 and year["dividends"] > 0, year
        assert year["taxes"]["state"] == pytest.approx(0.05 * year["agi"], abs=0.02), year
        if year["taxable_income"] <= 49_450:
            assert year["taxes"]["federal"] == 0, year

    # 4. RMDs from 75, not before; the first is last year's closing 401(k) ÷ 24.6.
    rmd = by_age(result, "rmd")
    assert all(rmd[age] == 0 for age in range(AGE, RMD_AGE)), rmd
    assert all(rmd[age] > 0 for age in range(RMD_AGE, PLAN_TO)), rmd
    at_75 = next(d for d in result["detail"]["rows"] if d["age"] == RMD_AGE)
    assert at_75["rmd"] == pytest.approx(
        at_75["balances"]["tax_deferred"] / UNIFORM_LIFETIME_PERIOD_AT_75, abs=0.01
    )

    # 2. Without the pre-tax contribution the same first year costs 23,000 × 29 % more.
    send(
        cluster,
        http,
        auth,
        "PATCH",
        f"/assets/{assets[0]['id']}",
        {"annual_contribution": "0.00"},
    )
    without = send(cluster, http, auth, "POST", run, {})
    assert without["cached"] is False
    assert without["years"][0]["taxes"]["p50"] == pytest.approx(
        TAXES + SAVED_BY_CONTRIBUTING, abs=1
    )
    assert without["detail"]["rows"][0]["taxes"]["payroll"] == pytest.approx(PAYROLL, abs=1)
