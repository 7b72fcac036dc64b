"""The console's result views in a real browser: a couple's plan, run, read and decided on.

The plan is created over the API (fast); then the browser runs it and every figure the page
shows is checked against what the API answers for the same plan: the cash-flow chart's hover
against `detail`, the failure sentence against `shortfall` and `depletion_ages`, the
comparison against `compare`, the solve's "apply" against the stored profile, the optimize's
highlighted row against `optimize`'s best. Desktop and 375 px; screenshots of every step under
test-artifacts/console/ (results-*.png).
"""

from __future__ import annotations

import csv
import io
import os
import re
import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import SKIP_VARIABLE, Cluster

if os.environ.get(SKIP_VARIABLE) == "1":  # before the import, which needs Playwright installed
    pytest.skip(f"{SKIP_VARIABLE}=1: browser tests skipped", allow_module_level=True)

from playwright.sync_api import Page, expect

from .page_checks import NO_SIDEWAYS_SCROLL, check_page
from .test_console import DESKTOP, PASSWORD, PHONE, Console, console

pytestmark = pytest.mark.e2e
__all__ = ["console"]  # the fixture, shared with test_console.py

SCENARIOS = 20


def money(value: float) -> str:
    """What the console shows for an amount in USD (Intl, no cents)."""
    rounded = int(abs(value) + 0.5)
    return f"{'-' if value < 0 and rounded else ''}${rounded:,}"


def percent(share: float, digits: int = 1) -> str:
    """As the console's toFixed: the exact double, halves rounded up."""
    exact = Decimal(share * 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{exact}%"


def born(age: int) -> str:
    return f"{date.today().year - age}-01-01"


def a_couple(cluster: Cluster, http: httpx.Client) -> tuple[str, dict[str, str], str]:
    """Sign up a couple (she 55, he 57) with salaries, benefits, three kinds of account and
    essential and discretionary spending; answer (email, auth header, projection id)."""
    email = f"results-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD}
    assert http.post(cluster.api("/auth/register"), json=body).status_code == 201
    tokens = http.post(cluster.api("/auth/login"), json=body).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    profile = {
        "birth_date": born(55),
        "sex": "female",
        "retirement_age": 62,
        "life_expectancy": 92,
        "filing_status": "married_joint",
        "partner": {
            "name": "Sam",
            "birth_date": born(57),
            "sex": "male",
            "retirement_age": 63,
            "life_expectancy": 90,
        },
    }
    assert http.put(cluster.api("/me/profile"), json=profile, headers=auth).is_success

    def income(name: str, kind: str, amount: int, owner: str, **extra: Any) -> dict[str, Any]:
        return {"name": name, "kind": kind, "amount": f"{amount}.00", "frequency": "annual"} | {
            "owner": owner,
            **extra,
        }

    records = [
        ("/assets", {"name": "Brokerage", "kind": "taxable", "balance": "350000.00"}),
        ("/assets", {"name": "Her 401(k)", "kind": "tax_deferred", "balance": "420000.00"}),
        (
            "/assets",
            {"name": "His IRA", "kind": "tax_deferred", "balance": "180000.00", "owner": "partner"},
        ),
        ("/assets", {"name": "Roth", "kind": "tax_free", "balance": "60000.00"}),
        ("/incomes", income("Her salary", "salary", 95_000, "self")),
        ("/incomes", income("His salary", "salary", 55_000, "partner")),
        (
            "/incomes",
            income("Her Social Security", "social_security", 30_000, "self", start_age=67),
        ),
        (
            "/incomes",
            income("His Social Security", "social_security", 18_000, "partner", start_age=67),
        ),
        (
            "/expenses",
            {"name": "Home and food", "category": "living", "amount": "58000.00"}
            | {"frequency": "annual", "owner": "joint"},
        ),
        (
            "/expenses",
            {"name": "Travel", "category": "leisure", "amount": "22000.00", "frequency": "annual"}
            | {"essential": False, "owner": "joint"},
        ),
    ]
    for path, record in records:
        made = http.post(cluster.api(path), json=record, headers=auth)
        assert made.is_success, made.text[:300]
    projection = {"name": "Our plan", "assumptions": {"paths": 400, "longevity": "stochastic"}}
    created = http.post(cluster.api("/projections"), json=projection, headers=auth)
    assert created.status_code == 201, created.text[:300]
    pid = created.json()["id"]
    for i in range(SCENARIOS):
        scenario = {
            "name": f"Retire at {58 + i % 8}, spend {85 + i}%",
            "overrides": {"retirement_age": 58 + i % 8, "expense_scale": (85 + i) / 100},
        }
        made = http.post(cluster.api(f"/projections/{pid}/scenarios"), json=scenario, headers=auth)
        assert made.status_code == 201, made.text[:300]
    return email, auth, pid


def log_in(console: Console, email: str) -> None:
    page = console.page
    page.goto("/")
    page.fill("#login-form-email", email)
    page.fill("#login-form-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#view-overview:not([hidden])")).to_have_attribute("aria-busy", "false")


def hover_year(page: Page, figure: str, age: int) -> str:
    """Point at one age of a plotly chart (as a person would) and read its hover box."""
    page.locator(f"{figure} .plot").scroll_into_view_if_needed()
    where = page.evaluate(
        """([selector, age]) => {
          const plot = document.querySelector(`${selector} .plot`);
          const axis = plot._fullLayout.xaxis;
          const box = plot.getBoundingClientRect();
          const size = plot._fullLayout._size;
          return {x: box.left + axis._offset + axis.l2p(age), y: box.top + size.t + size.h / 2};
        }""",
        [figure, age],
    )
    page.mouse.move(where["x"], where["y"])
    hover = page.locator(f"{figure} .hoverlayer")
    expect(hover).to_contain_text(str(age))
    return str(hover.text_content())


def check_results(console: Console, run: dict[str, Any]) -> None:
    """The success rate, the failure sentences and the cash-flow hover say what the API says."""
    page = console.page
    expect(page.locator("#success-rate .success-value")).to_have_text(percent(run["success_rate"]))
    failing = 1 - run["success_rate"]
    sentence = page.locator("#failure .failure-main")
    if failing > 0:
        shares = {int(age): share for age, share in run["depletion_ages"].items()}
        mean_age = round(sum(a * s for a, s in shares.items()) / sum(shares.values()))
        unfunded = run["shortfall"]["unfunded_real"]["p50"]
        years = run["shortfall"]["years_short"]["p50"]
        expect(sentence).to_contain_text(
            f"In the {percent(failing)} of futures where money runs short, "
            f"it runs out at {mean_age} on average"
        )
        expect(sentence).to_contain_text(f"about {money(unfunded / years)} a year")
        expect(sentence).to_contain_text(f"{money(unfunded)} in all")
    else:
        expect(sentence).to_contain_text("In none of the")
    if run["adjustment_rate"]:
        expect(page.locator("#failure")).to_contain_text(f"In {percent(run['adjustment_rate'])}")
    # Stochastic lifespans: the death-age view, with the API's share.
    lasts = percent(run["lifespans"]["money_lasts_share"])
    expect(page.locator("#lifespan-sentence")).to_contain_text(lasts)
    # The cash-flow chart: hover the first year and read the salaries and withdrawals.
    rows = run["detail"]["rows"]
    first = rows[0]
    text = hover_year(page, "#cashflow-chart", first["age"])
    assert f"Salary : {money(first['incomes']['salary'])}" in text, text
    retired = next(
        r for r in rows if r["incomes"]["salary"] == 0 and sum(r["withdrawals"].values())
    )
    text = hover_year(page, "#cashflow-chart", retired["age"])
    taken = retired["withdrawals"]["taxable"]
    if taken:
        assert f"Withdrawn: taxable : {money(taken)}" in text, text


def journey(console: Console, cluster: Cluster, http: httpx.Client) -> None:
    email, auth, pid = a_couple(cluster, http)
    page = console.page
    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status) if "/api/v1/" in r.url else None)
    log_in(console, email)
    phone = console.prefix == "phone"

    # Run: the results, explained.
    console.go("plan")
    expect(page.locator("#not-run")).to_be_visible()
    page.click("#run-button")
    expect(page.locator("#cashflow-chart .plot")).to_be_visible()
    run = http.post(cluster.api(f"/projections/{pid}/run"), json={}, headers=auth).json()
    assert run["cached"] is True  # the browser's run, stored
    check_results(console, run)
    console.shot("results-01-run")
    check_page(page, "results", phone=phone)
    page.locator("#results-title").scroll_into_view_if_needed()
    console.shot("results-02-hover")

    # Every view of the year-by-year chart, and the CSV of every year.
    for view in ("spending", "taxes", "balances", "rmd"):
        page.check(f"#cashflow-views input[value={view}]")
        expect(page.locator("#cashflow-chart .plot")).to_be_visible()
    page.locator("#cashflow-chart").screenshot(
        path=console.shots / f"{console.prefix}-results-03-rmd.png"
    )
    page.check("#cashflow-views input[value=taxes]")
    page.locator("#cashflow-chart").screenshot(
        path=console.shots / f"{console.prefix}-results-04-taxes.png"
    )
    with page.expect_download() as download:
        page.click("#cashflow-csv")
    table = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert table[0][:3] == ["age", "partner_age", "year"]
    assert len(table) == 1 + len(run["detail"]["rows"])
    assert float(table[1][3]) == pytest.approx(
        run["detail"]["rows"][0]["incomes"]["salary"], abs=0.01
    )
    if phone:
        assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # Log out and in again: the stored run shows, with no computation.
    page.click("#logout")
    expect(page.locator("#view-auth:not([hidden])")).to_be_visible()
    log_in(console, email)
    console.go("plan")
    expect(page.locator("#run-origin")).to_contain_text("The stored run of")
    expect(page.locator("#success-rate .success-value")).to_have_text(percent(run["success_rate"]))
    console.shot("results-05-stored-run")

    # Compare 20 scenarios twice in a minute: one request each, no 429.
    console.go("scenarios")
    for _ in range(2):
        with page.expect_response(re.compile(r"/compare$")) as compared:
            page.click("#compare-button")
        assert compared.value.status == 200
        expect(page.locator("#compare-table tbody tr")).to_have_count(SCENARIOS + 1)
    assert 429 not in answers
    comparison = compared.value.json()
    baseline = comparison["runs"][0]
    cells = page.locator("#compare-table tbody tr").first.locator("td")
    expect(cells.nth(2)).to_have_text(money(baseline["median_portfolio_real"][-1]["value"]))
    # "Money runs out" agrees with the success rate: never "never" while some futures fail.
    summary = baseline["summary"]
    if summary["median_depletion_age"] is None:
        runs_out = "never" if summary["success_rate"] >= 1 else None
        runs_out = runs_out or f"in {percent(1 - summary['success_rate'])} of futures"
    else:
        runs_out = f"by {summary['median_depletion_age']} in half of futures"
    expect(cells.nth(3)).to_have_text(runs_out)
    console.shot("results-06-compare-real")
    check_page(page, "comparison", phone=phone)
    page.check("#compare-unit input[value=nominal]")
    expect(cells.nth(2)).to_have_text(money(baseline["median_portfolio"][-1]["value"]))
    assert (
        baseline["median_portfolio"][-1]["value"] == baseline["summary"]["median_portfolio_at_end"]
    )
    expect(page.locator("#compare-chart")).to_contain_text("nominal")
    console.shot("results-07-compare-nominal")

    # Edit a scenario (PATCH): the stored one changes.
    page.click("button[aria-label^='Edit scenario Retire at 58, spend 85%']")
    page.fill("#scenario-form-name", "Retire at 58, spend less")
    page.fill("#scenario-form-overrides-expense_scale", "0.8")
    page.click("#scenario-form button[type=submit]")
    expect(page.locator("#status")).to_have_text("Saved scenario “Retire at 58, spend less”.")
    stored = http.get(cluster.api(f"/projections/{pid}/scenarios"), headers=auth).json()["items"]
    edited = next(s for s in stored if s["name"] == "Retire at 58, spend less")
    assert edited["overrides"]["expense_scale"] == 0.8
    assert edited["overrides"]["retirement_age"] == 58  # kept

    # The overview shows the plan's success rate, not the last compared scenario's.
    console.go("overview")
    expect(page.locator("#overview-run strong")).to_have_text(
        percent(baseline["summary"]["success_rate"])
    )
    console.shot("results-08-overview")

    # Solve the earliest retirement age and apply it: the stored profile changes.
    console.go("plan")
    page.fill("#solve-form-success_rate", "75")
    page.click("#solve-form button[value=retirement_age]")
    expect(page.locator("#solve-result")).to_be_visible(timeout=60_000)
    expect(page.locator("#solve-chart .plot")).to_be_visible()
    headline = page.locator("#solve-result .solve-headline").text_content() or ""
    solved = int(re.search(r"age (\d+)", headline).group(1))  # type: ignore[union-attr]
    page.locator("#solve-result").scroll_into_view_if_needed()
    console.shot("results-09-solve")
    check_page(page, "solve answer", phone=phone)
    page.click("#solve-apply")
    expect(page.locator("#solve-apply")).to_have_text("Applied")
    assert http.get(cluster.api("/me/profile"), headers=auth).json()["retirement_age"] == solved

    # Optimize the claiming ages: the highlighted row is the API's best.
    page.select_option("#optimize-form-decision", "claiming_ages")
    page.select_option("#optimize-form-objective", "success_rate")
    page.click("#optimize-form button[type=submit]")
    best_row = page.locator("#optimize-table tr.best")
    expect(best_row).to_have_count(1, timeout=60_000)
    body = {"decision": "claiming_ages", "objective": "success_rate"}
    best = http.post(
        cluster.api(f"/projections/{pid}/optimize"), json=body, headers=auth, timeout=60
    ).json()["best"]
    choice = best["choice"]
    expect(best_row.locator("th")).to_have_text(
        f"You {choice['self']}, partner {choice['partner']} Best"
    )
    expect(page.locator("#optimize-best strong")).to_have_text(
        f"you claim at {choice['self']}, your partner at {choice['partner']}"
    )
    expect(best_row.locator("td").nth(1)).to_have_text(percent(best["success_rate"]))
    expect(page.locator("#optimize-table tbody tr")).to_have_count(81)
    page.locator("#optimize-title").scroll_into_view_if_needed()
    console.shot("results-10-optimize")
    check_page(page, "optimize ranking", phone=phone)


@pytest.mark.parametrize("console", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_a_couple_reads_explains_compares_and_decides(
    console: Console, cluster: Cluster, http: httpx.Client
) -> None:
    journey(console, cluster, http)
