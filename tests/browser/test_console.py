"""The web console in a real browser: a first-time user plans a retirement end to end.

Each step saves a screenshot under test-artifacts/console/ (kept out of git) to look at.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import SKIP_VARIABLE, Cluster

if os.environ.get(SKIP_VARIABLE) == "1":  # before the import, which needs Playwright installed
    pytest.skip(f"{SKIP_VARIABLE}=1: browser tests skipped", allow_module_level=True)

from playwright.sync_api import Page, Route, expect

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
DESKTOP = {"width": 1100, "height": 900}
PHONE = {"width": 375, "height": 812}
expect.set_options(timeout=20_000)  # a run or a comparison may take seconds on a busy machine


class Console:
    """A page of the console plus the habits every step shares."""

    def __init__(self, page: Page, shots: Path, prefix: str) -> None:
        self.page = page
        self.shots = shots
        self.prefix = prefix
        self.problems: list[str] = []
        page.on("pageerror", lambda err: self.problems.append(f"page error: {err}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        # A refused request (the 422 this test provokes) is logged as an error; nothing else is.
        refused = message.text.startswith("Failed to load resource")
        if "Content Security Policy" in message.text or (message.type == "error" and not refused):
            self.problems.append(f"console {message.type}: {message.text}")

    def shot(self, name: str) -> None:
        self.page.screenshot(path=self.shots / f"{self.prefix}-{name}.png", full_page=True)

    def go(self, section: str) -> None:
        """Open a section from the navigation and wait until its data is loaded."""
        self.page.click(f"#nav a[href='#{section}']")
        view = self.page.locator(f"#view-{section}:not([hidden])")
        expect(view).to_have_attribute("aria-busy", "false")

    def sign_up(self, email: str) -> None:
        self.page.fill("#signup-form-email", email)
        self.page.fill("#signup-form-password", PASSWORD)
        self.page.click("#signup-form button[type=submit]")
        expect(self.page.locator("#view-overview:not([hidden])")).to_have_attribute(
            "aria-busy", "false"
        )


@pytest.fixture
def console(
    request: pytest.FixtureRequest, cluster: Cluster, browser: Any, screenshots: Path
) -> Iterator[Console]:
    viewport = getattr(request, "param", DESKTOP)
    context = browser.new_context(viewport=viewport, base_url=cluster.gateway_url)
    context.set_default_timeout(20_000)
    page = context.new_page()
    prefix = "phone" if viewport == PHONE else "desktop"
    ui = Console(page, screenshots, prefix)
    yield ui
    context.close()
    assert ui.problems == []


def new_email() -> str:
    return f"console-{uuid.uuid4().hex[:10]}@example.com"


def test_a_new_user_plans_a_retirement_in_the_browser(console: Console) -> None:
    page = console.page
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan your retirement")
    expect(page.locator("#nav")).to_be_hidden()
    console.shot("01-sign-in")

    email = new_email()
    console.sign_up(email)
    expect(page.locator("#status")).to_contain_text("Welcome to Nestegg")
    expect(page.locator("#who")).to_have_text(email)
    expect(page.locator(".steps li").first).to_contain_text("To do")
    console.shot("02-first-overview")

    console.go("profile")
    page.fill("#profile-form-display_name", "Alex")
    page.fill("#profile-form-birth_date", "1980-05-15")
    page.fill("#profile-form-retirement_age", "62")
    page.fill("#profile-form-life_expectancy", "90")
    page.click("#profile-form button[type=submit]")
    expect(page.locator("#status")).to_have_text("Profile saved.")
    console.shot("03-profile")

    # A mistake first: the API's 422 message appears next to the field it names.
    console.go("ledger")
    page.click("#ledger-assets summary")  # "Add an asset" unfolds the form
    page.fill("#asset-form-name", "Index fund")
    page.fill("#asset-form-balance", "-5")
    page.click("#asset-form button[type=submit]")
    balance = page.locator("#asset-form-balance")
    expect(balance).to_have_attribute("aria-invalid", "true")
    error = page.locator("#asset-form .field:has(#asset-form-balance) .field-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("greater than or equal to 0")
    error_id = error.get_attribute("id")
    assert error_id and error_id in (balance.get_attribute("aria-describedby") or "")
    expect(balance).to_be_focused()
    expect(page.locator("#ledger-assets .empty")).to_have_text("No assets yet.")
    console.shot("04-validation-error")

    page.fill("#asset-form-balance", "900000")
    page.click("#asset-form button[type=submit]")
    expect(page.locator("#ledger-assets tbody tr")).to_have_count(1)
    expect(balance).not_to_have_attribute("aria-invalid", "true")
    page.click("#ledger-expenses summary")
    page.fill("#expense-form-name", "Living")
    page.fill("#expense-form-category", "living")
    page.fill("#expense-form-amount", "2000")
    page.click("#expense-form button[type=submit]")
    expect(page.locator("#ledger-expenses tbody tr")).to_have_count(1)
    expect(page.locator("#ledger-expenses tbody tr")).to_contain_text("Living")
    console.shot("05-ledger")

    # Edit in place: the row's Edit button fills the form; Save changes patches it.
    page.click("#ledger-expenses button[aria-label='Edit Living']")
    expect(page.locator("#expense-form-amount")).to_have_value("2000.00")
    page.fill("#expense-form-amount", "2200")
    page.click("#expense-form button[type=submit]")
    expect(page.locator("#ledger-expenses tbody tr")).to_contain_text("2,200")

    console.go("plan")
    expect(page.locator("#projection-form-assumptions-mode")).to_have_value("monte_carlo")
    expect(page.locator("#projection-form-assumptions-paths")).to_have_value("10000")
    expect(page.locator("#projection-form-assumptions-withdrawal_rate")).to_have_value("4")  # 4 %
    page.fill("#projection-form-name", "Base plan")
    page.fill("#projection-form-assumptions-paths", "500")
    page.click("#projection-form button[type=submit]")
    expect(page.locator("#projection-select")).to_contain_text("Base plan")
    expect(page.locator("#run-button")).to_be_enabled()
    console.shot("06-projection")

    # Hold the run's request to see (and photograph) the progress state.
    held: list[Route] = []
    page.route("**/api/v1/projections/*/run", lambda route: held.append(route))
    page.click("#run-button")
    expect(page.locator("#plan-body .progress").first).to_be_visible()
    expect(page.locator("#plan-body .progress-text").first).to_contain_text("Running")
    expect(page.locator("#run-button")).to_be_disabled()
    console.shot("07-running")
    while not held:  # waiting lets Playwright hand the held request to the handler
        page.wait_for_timeout(50)
    held[0].continue_()
    page.unroute("**/api/v1/projections/*/run")

    expect(page.locator("#success-rate .success-value")).to_have_text(re.compile(r"^\d+\.\d%$"))
    expect(page.locator("#success-rate")).to_contain_text("of 500 simulated futures")
    fan = page.locator("#fan-chart .plot")  # plotly.js: two bands (two traces each), the median
    expect(fan.locator(".scatterlayer .trace")).to_have_count(5)
    expect(fan.locator(".annotation")).to_contain_text("Retire at 62")
    expect(page.locator("#depletion-chart")).to_be_visible()
    console.shot("08-results")

    today = page.locator("#fan-chart .plot").get_attribute("aria-label")
    page.get_by_label("Nominal (future) money").first.check()
    expect(page.locator("#fan-chart .plot")).to_have_attribute("aria-label", re.compile("nominal"))
    assert today != page.locator("#fan-chart .plot").get_attribute("aria-label")
    console.shot("09-results-nominal")

    page.click("#solve-form button[value=retirement_age]")
    expect(page.locator("#plan-body .solve-output")).to_contain_text(
        re.compile(r"Earliest retirement: age \d+|No retirement age reaches")
    )
    console.shot("10-solve")

    console.go("scenarios")
    page.fill("#scenario-form-name", "Work longer, spend less")
    page.fill("#scenario-form-overrides-retirement_age", "67")
    page.fill("#scenario-form-overrides-expense_scale", "0.9")
    page.click("#scenario-form button[type=submit]")
    expect(page.locator("#scenarios-body tbody tr")).to_have_count(1)
    expect(page.locator("#scenarios-body tbody tr")).to_contain_text("retire at 67")
    console.shot("11-scenario")

    page.click("#compare-button")
    table = page.locator("#compare-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").nth(0)).to_contain_text("Base plan (baseline)")
    expect(table.locator("tbody tr").nth(1)).to_contain_text("Work longer, spend less")
    expect(table.locator("tbody tr").nth(1).locator(".diff").first).to_contain_text("pp")
    expect(page.locator("#compare-chart .scatterlayer .trace")).to_have_count(2)
    console.shot("12-comparison")

    page.click("#logout")
    expect(page.locator("#view-auth")).to_be_visible()
    expect(page.locator("#status")).to_have_text("You are logged out.")
    expect(page.locator("#nav")).to_be_hidden()
    console.shot("13-logged-out")

    # Back in with the keyboard alone: type, and Enter submits.
    page.fill("#login-form-email", email)
    page.fill("#login-form-password", PASSWORD)
    page.press("#login-form-password", "Enter")
    overview = page.locator("#view-overview:not([hidden])")
    expect(overview).to_have_attribute("aria-busy", "false")
    expect(overview.locator(".steps li.done")).to_have_count(3)
    expect(overview).to_contain_text("Your plan “Base plan”")
    expect(page.locator("#status")).to_have_text("You are logged in.")
    console.shot("14-overview-again")

    # A reload keeps the session (refresh token in sessionStorage; access token in memory).
    page.reload()
    expect(page.locator("#who")).to_have_text(email)


def sign_up_over_api(cluster: Cluster, http: httpx.Client, email: str) -> dict[str, str]:
    body = {"email": email, "password": PASSWORD}
    assert http.post(cluster.api("/auth/register"), json=body).status_code == 201
    tokens = http.post(cluster.api("/auth/login"), json=body).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.mark.parametrize("console", [PHONE], indirect=True, ids=["phone"])
def test_the_console_is_usable_at_phone_width(
    console: Console, cluster: Cluster, http: httpx.Client
) -> None:
    email = new_email()
    auth = sign_up_over_api(cluster, http, email)
    profile = {"birth_date": "1970-03-01", "retirement_age": 65, "life_expectancy": 92}
    assert http.put(cluster.api("/me/profile"), json=profile, headers=auth).status_code == 200
    asset = {"name": "Pension pot", "kind": "tax_deferred", "balance": "480000.00"}
    expense = {"name": "Rent", "category": "housing", "amount": "1800.00", "frequency": "monthly"}
    assert http.post(cluster.api("/assets"), json=asset, headers=auth).status_code == 201
    assert http.post(cluster.api("/expenses"), json=expense, headers=auth).status_code == 201
    projection = {"name": "Phone plan", "assumptions": {"paths": 300}}
    assert http.post(cluster.api("/projections"), json=projection, headers=auth).status_code == 201

    page = console.page
    page.goto("/")
    console.shot("01-sign-in")
    page.fill("#login-form-email", email)
    page.fill("#login-form-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#view-overview:not([hidden])")).to_have_attribute("aria-busy", "false")
    no_sideways_scroll = "() => document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_sideways_scroll)
    console.shot("02-overview")

    for section in ("profile", "ledger", "scenarios"):
        console.go(section)
        assert page.evaluate(no_sideways_scroll), section
    console.shot("03-scenarios")
    console.go("ledger")
    console.shot("04-ledger")

    console.go("plan")
    page.click("#run-button")
    expect(page.locator("#success-rate .success-value")).to_have_text(re.compile(r"%$"))
    expect(page.locator("#results")).to_have_attribute("aria-busy", "false")
    assert page.evaluate(no_sideways_scroll)
    width = page.evaluate(
        "() => document.querySelector('#fan-chart .plot').getBoundingClientRect().width"
    )
    assert width <= PHONE["width"]
    page.evaluate("() => document.querySelector('#success-rate').scrollIntoView()")
    page.screenshot(path=console.shots / "phone-05-results.png")  # what the phone shows
    console.shot("06-plan")


def test_saving_the_profile_form_keeps_the_household_it_does_not_show(
    console: Console, cluster: Cluster, http: httpx.Client
) -> None:
    # The form shows the first person's fields only; saving it must not drop the partner.
    email = new_email()
    auth = sign_up_over_api(cluster, http, email)
    partner = {
        "name": "Sam",
        "birth_date": "1972-08-01",
        "sex": "male",
        "retirement_age": 66,
        "life_expectancy": 93,
    }
    household = {"sex": "female", "filing_status": "married_joint", "partner": partner}
    assert http.put(cluster.api("/me/profile"), json=household, headers=auth).status_code == 200

    page = console.page
    page.goto("/")
    page.fill("#login-form-email", email)
    page.fill("#login-form-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#view-overview:not([hidden])")).to_have_attribute("aria-busy", "false")
    console.go("profile")
    page.fill("#profile-form-birth_date", "1974-02-02")
    page.click("#profile-form button[type=submit]")
    expect(page.locator("#status")).to_have_text("Profile saved.")

    stored = http.get(cluster.api("/me/profile"), headers=auth).json()
    assert stored["birth_date"] == "1974-02-02"
    assert {k: stored[k] for k in household} == household
