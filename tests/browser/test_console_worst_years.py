"""The console's worst historical start years (cFIREsim's 1966 view) against the API's answer.

A 65-year-old with $1M at 60/40 spending $40,000 a year (today's money) for 30 years, in
historical mode: the page's "Worst start years" table lists the result's `worst_start_years`
in order (start year, age the money runs out, what is left in today's money), and the chart
of their paths is drawn. Desktop and 375 px (no sideways scroll); the screenshots are
desktop- and phone-results-11-worst-years.
"""

from __future__ import annotations

import os
import uuid
from datetime import date
from typing import Any

import httpx
import pytest

from .conftest import SKIP_VARIABLE, Cluster

if os.environ.get(SKIP_VARIABLE) == "1":  # before the import, which needs Playwright installed
    pytest.skip(f"{SKIP_VARIABLE}=1: browser tests skipped", allow_module_level=True)

from playwright.sync_api import expect

from .page_checks import NO_SIDEWAYS_SCROLL
from .test_console import DESKTOP, PHONE, Console, console, sign_up_over_api
from .test_console_results import log_in, money

pytestmark = pytest.mark.e2e
__all__ = ["console"]  # the fixture, shared with test_console.py


def a_historical_plan(cluster: Cluster, http: httpx.Client) -> tuple[str, dict[str, str], str]:
    """Sign up a 65-year-old with a historical-mode projection; answer (email, auth, id)."""
    email = f"worst-{uuid.uuid4().hex[:10]}@example.com"
    auth = sign_up_over_api(cluster, http, email)
    profile = {
        "birth_date": f"{date.today().year - 65}-01-01",
        "retirement_age": 65,
        "life_expectancy": 95,
    }
    assert http.put(cluster.api("/me/profile"), json=profile, headers=auth).is_success
    records: list[tuple[str, dict[str, Any]]] = [
        (
            "/assets",
            {"name": "Savings", "kind": "taxable", "balance": "1000000.00"}
            | {"stock_allocation": 0.6},
        ),
        (
            "/expenses",
            {"name": "Living", "category": "living", "amount": "40000.00", "frequency": "annual"},
        ),
    ]
    for path, record in records:
        made = http.post(cluster.api(path), json=record, headers=auth)
        assert made.is_success, made.text[:300]
    projection = {"name": "History", "assumptions": {"mode": "historical"}}
    created = http.post(cluster.api("/projections"), json=projection, headers=auth)
    assert created.status_code == 201, created.text[:300]
    return email, auth, created.json()["id"]


@pytest.mark.parametrize("console", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_the_worst_start_years_table_shows_the_apis_worst_years(
    console: Console, cluster: Cluster, http: httpx.Client
) -> None:
    email, auth, pid = a_historical_plan(cluster, http)
    page = console.page
    log_in(console, email)
    console.go("plan")
    page.click("#run-button")
    expect(page.locator("#worst-years-chart .plot")).to_be_visible()
    run = http.post(cluster.api(f"/projections/{pid}/run"), json={}, headers=auth).json()
    assert run["cached"] is True  # the browser's run, stored
    worst = run["worst_start_years"]
    assert worst, "a historical run lists its worst start years"

    rows = page.locator("#worst-years-table tbody tr")
    expect(rows).to_have_count(len(worst))
    for i, entry in enumerate(worst):
        ran_out = entry["depleted_at_age"]
        expect(rows.nth(i).locator("th")).to_have_text(str(entry["start_year"]))
        cells = rows.nth(i).locator("td")
        expect(cells.nth(0)).to_have_text("Never" if ran_out is None else f"Age {ran_out}")
        expect(cells.nth(1)).to_have_text(money(entry["final_portfolio_real"]))
    # One line per start year in the chart.
    lines = page.locator("#worst-years-chart .scatterlayer .trace")
    expect(lines).to_have_count(len(worst))
    if console.prefix == "phone":
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.locator("#worst-years").scroll_into_view_if_needed()
    page.locator("#worst-years").screenshot(
        path=console.shots / f"{console.prefix}-results-11-worst-years.png"
    )
