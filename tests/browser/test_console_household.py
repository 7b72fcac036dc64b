"""A couple's whole journey through the console's forms and account pages, desktop and phone.

Sign up, the household with a partner, ledger records with owners (percentages typed as
percentages, stored as fractions: read back over the API), a projection with US taxes and Roth
conversions, export, password change, account deletion. axe-core (vendored in the
axe-playwright-python wheel, injected through the DevTools protocol, so the console's CSP stays
as it is) checks every page for serious or critical accessibility violations. Each step saves
test-artifacts/console/household-<desktop|phone>-NN-<step>.png.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import SKIP_VARIABLE, Cluster

if os.environ.get(SKIP_VARIABLE) == "1":  # before the imports, which need Playwright installed
    pytest.skip(f"{SKIP_VARIABLE}=1: browser tests skipped", allow_module_level=True)

from playwright.sync_api import Page, expect

from .page_checks import check_page

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple gun lighthouse"
DESKTOP = {"width": 1100, "height": 900}
PHONE = {"width": 375, "height": 812}
expect.set_options(timeout=20_000)


class Journey:
    """One browser page, its screenshots and the accessibility check of every page seen."""

    def __init__(self, page: Page, shots: Path, prefix: str, phone: bool) -> None:
        self.page = page
        self.shots = shots
        self.prefix = prefix
        self.phone = phone
        self.step = 0
        self.problems: list[str] = []
        page.on("pageerror", lambda err: self.problems.append(f"page error: {err}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        refused = message.text.startswith("Failed to load resource")  # the 4xx this test provokes
        if "Content Security Policy" in message.text or (message.type == "error" and not refused):
            self.problems.append(f"console {message.type}: {message.text}")

    def shot(self, name: str) -> None:
        self.step += 1
        path = self.shots / f"{self.prefix}-{self.step:02d}-{name}.png"
        self.page.screenshot(path=path, full_page=True)

    def check_page(self, name: str) -> None:
        """No serious accessibility violation; at phone width, nothing off to the side."""
        check_page(self.page, name, phone=self.phone)

    def go(self, section: str) -> None:
        self.page.click(f"#nav a[href='#{section}']")
        view = self.page.locator(f"#view-{section}:not([hidden])")
        expect(view).to_have_attribute("aria-busy", "false")

    def log_in(self, email: str, password: str) -> None:
        self.page.fill("#login-form-email", email)
        self.page.fill("#login-form-password", password)
        self.page.click("#login-form button[type=submit]")

    def add(self, collection: str, singular: str, values: dict[str, str | bool]) -> None:
        """Unfold a ledger collection's form, fill it and add the record."""
        box = self.page.locator(f"#ledger-{collection} details.add-form")
        if box.get_attribute("open") is None:
            self.page.click(f"#ledger-{collection} details.add-form > summary")
        for name, value in values.items():
            selector = f"#{singular}-form-{name}"
            kind = self.page.locator(selector).evaluate("el => el.tagName + ':' + el.type")
            if kind == "SELECT:select-one":
                self.page.select_option(selector, str(value))
            elif kind.endswith("checkbox"):
                self.page.locator(selector).set_checked(bool(value))
            else:
                self.page.fill(selector, str(value))
        count = self.page.locator(f"#ledger-{collection} tbody tr").count()
        self.page.click(f"#{singular}-form button[type=submit]")
        expect(self.page.locator(f"#ledger-{collection} tbody tr")).to_have_count(count + 1)


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def journey(
    request: pytest.FixtureRequest, cluster: Cluster, browser: Any, screenshots: Path
) -> Iterator[Journey]:
    viewport = request.param
    context = browser.new_context(
        viewport=viewport, base_url=cluster.gateway_url, accept_downloads=True
    )
    context.set_default_timeout(20_000)
    phone = viewport == PHONE
    ui = Journey(context.new_page(), screenshots, f"household-{request.node.callspec.id}", phone)
    yield ui
    context.close()
    assert ui.problems == []


def api_session(cluster: Cluster, http: httpx.Client, email: str, password: str) -> dict[str, str]:
    body = {"email": email, "password": password}
    answer = http.post(cluster.api("/auth/login"), json=body)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def stored(cluster: Cluster, http: httpx.Client, auth: dict[str, str], path: str) -> Any:
    answer = http.get(cluster.api(path), headers=auth)
    assert answer.status_code == 200, answer.text
    return answer.json()


def by_name(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    (item,) = [i for i in items if i["name"] == name]
    return item


def test_a_couple_plans_together_and_manages_the_account(
    journey: Journey, cluster: Cluster, http: httpx.Client
) -> None:
    page = journey.page
    email = f"couple-{uuid.uuid4().hex[:10]}@example.com"
    page.goto("/")
    journey.check_page("sign-in")
    journey.shot("sign-in")
    page.fill("#signup-form-email", email)
    page.fill("#signup-form-password", PASSWORD)
    page.click("#signup-form button[type=submit]")
    overview = page.locator("#view-overview:not([hidden])")
    expect(overview).to_have_attribute("aria-busy", "false")
    journey.check_page("overview")

    # The household: a partner, each with a sex, retirement age and plan-until age.
    journey.go("profile")
    expect(page.locator("#profile-form-partner-birth_date")).to_be_hidden()
    page.fill("#profile-form-display_name", "Alex")
    page.fill("#profile-form-birth_date", "1968-05-15")
    page.select_option("#profile-form-sex", "female")
    page.fill("#profile-form-retirement_age", "62")
    page.fill("#profile-form-life_expectancy", "92")
    page.check("#profile-form-has_partner")
    expect(page.locator("#profile-form-partner-birth_date")).to_be_visible()
    page.fill("#profile-form-partner-name", "Sam")
    page.fill("#profile-form-partner-birth_date", "1966-09-01")
    page.select_option("#profile-form-partner-sex", "male")
    page.fill("#profile-form-partner-retirement_age", "65")
    page.fill("#profile-form-partner-life_expectancy", "90")
    page.select_option("#profile-form-filing_status", "married_joint")
    page.click("#profile-form button[type=submit]")
    expect(page.locator("#status")).to_have_text("Profile saved.")
    journey.check_page("profile")
    journey.shot("profile-with-partner")
    auth = api_session(cluster, http, email, PASSWORD)
    profile = stored(cluster, http, auth, "/me/profile")
    assert profile["filing_status"] == "married_joint" and profile["sex"] == "female"
    assert profile["display_name"] == "Alex" and profile["retirement_age"] == 62
    assert profile["partner"] == {
        "name": "Sam",
        "birth_date": "1966-09-01",
        "sex": "male",
        "retirement_age": 65,
        "life_expectancy": 90,
    }

    # The ledger: owners, cost basis, a survivor pension, percentages typed as percentages.
    journey.go("ledger")
    journey.add(
        "assets",
        "asset",
        {
            "name": "Joint brokerage",
            "owner": "joint",
            "kind": "taxable",
            "balance": "250000",
            "cost_basis": "180000",
            "stock_allocation": "70",
        },
    )
    expect(page.locator("#asset-form-sell_age")).to_be_hidden()  # only for real estate
    journey.add(
        "assets",
        "asset",
        {
            "name": "Sam's 401k",
            "owner": "partner",
            "kind": "tax_deferred",
            "balance": "400000",
            "stock_allocation": "60",
        },
    )
    journey.add(
        "debts",
        "debt",
        {
            "name": "Mortgage",
            "owner": "joint",
            "balance": "200000",
            "interest_rate": "6.9",
            "monthly_payment": "1500",
            "payoff_age": "70",
        },
    )
    journey.add(
        "incomes",
        "income",
        {"name": "Alex's salary", "kind": "salary", "amount": "90000"},
    )
    page.select_option("#income-form-kind", "social_security")  # its From age is the claiming age
    expect(page.locator("label[for='income-form-start_age']")).to_have_text("Claiming age")
    journey.add(
        "incomes",
        "income",
        {
            "name": "Alex's Social Security",
            "kind": "social_security",
            "amount": "2400",
            "frequency": "monthly",
            "start_age": "67",
        },
    )
    journey.add(
        "incomes",
        "income",
        {
            "name": "Sam's pension",
            "owner": "partner",
            "kind": "pension",
            "amount": "20000",
            "survivor_fraction": "50",
            "start_age": "65",
            "growth_rate": "1.5",
        },
    )
    journey.add(
        "expenses",
        "expense",
        {"name": "Living", "owner": "joint", "category": "living", "amount": "4000"},
    )
    journey.add(
        "expenses",
        "expense",
        {
            "name": "Travel",
            "owner": "joint",
            "category": "fun",
            "amount": "10000",
            "frequency": "annual",
            "end_age": "80",
            "essential": False,
        },
    )
    journey.add(
        "expenses",
        "expense",
        {
            "name": "New roof",
            "owner": "joint",
            "category": "housing",
            "amount": "30000",
            "frequency": "once",
            "start_age": "70",
        },
    )
    incomes = page.locator("#ledger-incomes tbody tr")
    expect(incomes.filter(has_text="Alex's salary")).to_contain_text("until retirement (62)")
    expect(incomes.filter(has_text="Alex's Social Security")).to_contain_text(
        "from 67 (claiming age)"
    )
    expect(incomes.filter(has_text="Sam's pension")).to_contain_text("Sam")
    totals = page.locator("#income-totals")
    expect(totals).to_contain_text("while working")
    expect(totals).to_contain_text("$90,000")  # the salary alone: no pension before 65
    expect(totals).to_contain_text("in retirement")
    expect(totals).to_contain_text("$48,800")  # 12 × 2,400 + 20,000, never + the salary
    expenses = page.locator("#ledger-expenses tbody tr")
    expect(expenses.filter(has_text="Travel")).to_contain_text("discretionary")
    expect(expenses.filter(has_text="New roof")).to_contain_text("once, at 70")

    # Percentages: 6.9 typed is 0.069 stored, and shows as 6.9 again when edited.
    ledger_debts = stored(cluster, http, auth, "/debts")["items"]
    assert float(by_name(ledger_debts, "Mortgage")["interest_rate"]) == pytest.approx(0.069)
    assert by_name(ledger_debts, "Mortgage")["owner"] == "joint"
    assets = stored(cluster, http, auth, "/assets")["items"]
    brokerage = by_name(assets, "Joint brokerage")
    assert float(brokerage["stock_allocation"]) == pytest.approx(0.7)
    assert brokerage["cost_basis"] == "180000.00" and brokerage["owner"] == "joint"
    assert by_name(assets, "Sam's 401k")["owner"] == "partner"
    pension = by_name(stored(cluster, http, auth, "/incomes")["items"], "Sam's pension")
    assert float(pension["survivor_fraction"]) == pytest.approx(0.5)
    assert float(pension["growth_rate"]) == pytest.approx(0.015)
    travel = by_name(stored(cluster, http, auth, "/expenses")["items"], "Travel")
    assert travel["essential"] is False and travel["end_age"] == 80
    page.click("#ledger-debts button[aria-label='Edit Mortgage']")
    expect(page.locator("#debt-form-interest_rate")).to_have_value("6.9")
    page.click("#ledger-debts button:has-text('Cancel edit')")
    if journey.phone:  # every row's actions within the screen, no sideways scrolling
        for button in page.locator("#ledger-body .row-actions button").all():
            box = button.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    journey.check_page("ledger")
    journey.shot("ledger-with-owners")

    # A projection with US taxes, a state rate and Roth conversions.
    journey.go("plan")
    expect(page.locator("#projection-form-assumptions-withdrawal_rate")).to_be_hidden()  # needs
    expect(page.locator("#projection-form-assumptions-inflation")).to_have_value("3")
    expect(page.locator("#projection-form-assumptions-roth_conversion-from_age")).to_be_hidden()
    page.fill("#projection-form-name", "Together")
    page.fill("#projection-form-assumptions-paths", "300")
    page.select_option("#projection-form-assumptions-tax-regime", "us")
    expect(page.locator("#projection-form-assumptions-income_tax_rate")).to_be_hidden()
    page.fill("#projection-form-assumptions-tax-state_rate", "4.5")
    page.select_option("#projection-form-assumptions-roth_conversion-up_to_bracket", "0.22")
    page.fill("#projection-form-assumptions-roth_conversion-from_age", "62")
    page.fill("#projection-form-assumptions-roth_conversion-to_age", "70")
    page.select_option("#projection-form-assumptions-withdrawal_strategy", "guardrails")
    expect(page.locator("#projection-form-assumptions-withdrawal_rate")).to_have_value("4")
    page.select_option("#projection-form-assumptions-longevity", "stochastic")
    journey.check_page("plan")
    journey.shot("projection-assumptions")
    page.click("#projection-form button[type=submit]")
    expect(page.locator("#projection-select")).to_contain_text("Together")
    (projection,) = stored(cluster, http, auth, "/projections")["items"]
    assumptions = projection["assumptions"]
    assert assumptions["tax"]["regime"] == "us"
    assert assumptions["tax"]["state_rate"] == pytest.approx(0.045)
    assert assumptions["roth_conversion"] == {"up_to_bracket": 0.22, "from_age": 62, "to_age": 70}
    assert assumptions["withdrawal_strategy"] == "guardrails"
    assert assumptions["withdrawal_rate"] == pytest.approx(0.04)
    assert assumptions["longevity"] == "stochastic"
    page.click("#run-button")
    expect(page.locator("#success-rate .success-value")).to_have_text(re.compile(r"%$"))
    journey.check_page("plan with results")
    journey.shot("projection-run")

    journey.go("scenarios")
    journey.check_page("scenarios")
    journey.go("overview")
    expect(overview).to_contain_text("Income a year, working")
    expect(overview).to_contain_text("Income a year, retired")
    journey.check_page("overview with data")
    journey.shot("overview")

    # Account: export downloads every record.
    journey.go("account")
    expect(page.locator("#account-email")).to_have_text(email)
    journey.check_page("account")
    journey.shot("account")
    with page.expect_download() as info:
        page.click("#export-button")
    download = info.value
    assert download.suggested_filename == "nestegg-export.json"
    exported = json.loads(Path(download.path()).read_text())
    text = json.dumps(exported)
    for name in ("Joint brokerage", "Sam's 401k", "Mortgage", "Sam's pension", "New roof"):
        assert name in text, name
    assert "Together" in text
    expect(page.locator("#status")).to_contain_text("downloaded")

    # Password: a wrong current one is named; the right one changes it.
    page.fill("#password-form-current_password", "not my password at all")
    page.fill("#password-form-new_password", NEW_PASSWORD)
    page.click("#password-form button[type=submit]")
    wrong = page.locator("#password-form .field:has(#password-form-current_password) .field-error")
    expect(wrong).to_contain_text("not your current password")
    journey.shot("password-wrong")
    page.fill("#password-form-current_password", PASSWORD)
    page.fill("#password-form-new_password", NEW_PASSWORD)
    page.click("#password-form button[type=submit]")
    expect(page.locator("#status")).to_contain_text("Password changed")
    journey.shot("password-changed")
    page.click("#logout")
    expect(page.locator("#view-auth")).to_be_visible()
    journey.log_in(email, PASSWORD)
    expect(page.locator("#login-form .form-errors")).to_contain_text("not correct")
    journey.log_in(email, NEW_PASSWORD)
    expect(overview).to_have_attribute("aria-busy", "false")

    # Deletion: asked first (Cancel keeps everything), then gone; logging in fails.
    journey.go("account")
    page.click("#delete-account")
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("cannot be undone")
    journey.check_page("delete confirmation")
    journey.shot("delete-confirm")
    page.click("#confirm-cancel")
    expect(dialog).to_be_hidden()
    page.click("#delete-account")
    page.click("#confirm-ok")
    expect(page.locator("#view-auth")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("deleted")
    journey.shot("deleted")
    journey.log_in(email, NEW_PASSWORD)
    expect(page.locator("#login-form .form-errors")).to_contain_text("not correct")
    answer = http.post(cluster.api("/auth/login"), json={"email": email, "password": NEW_PASSWORD})
    assert answer.status_code == 401
