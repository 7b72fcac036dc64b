"""Every projections answer writes each kind of value one way (docs/API.md, "Values"): rates
and fractions JSON numbers (assumptions too), money a scenario adds a decimal string with two
places, engine estimates JSON numbers, ages integers, timestamps RFC 3339 with Z. Each property
is checked against the OpenAPI schema and against its kind (issue 13, item 11)."""

from __future__ import annotations

from typing import Any

import pytest

from nestegg_common.openapi import build_document
from nestegg_common.testing.representation import answer_schema, representation_errors
from projections import api_spec

from .helpers import DETERMINISTIC, asset, expense, income

PREFIX = "/api/v1"
PROJECTION = "/projections/{projection_id}"
SCENARIO = PROJECTION + "/scenarios/{scenario_id}"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document(api_spec.operations(), title="projections")


@pytest.fixture
def planner(new_user, upstream):
    me = new_user()
    upstream.person(
        me.id,
        age=60,
        retire_at=65,
        plan_to=80,
        assets=[asset(300_000, stock_allocation=0.6)],
        incomes=[income(40_000, growth_rate=0.02)],
        expenses=[expense(30_000)],
    )
    return me


async def answer(api, user, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    response = await api.client.request(method, path, json=body, headers=user.headers)
    assert response.status < 300, await response.text()
    return response.status, await response.json()


def check(document: dict[str, Any], method: str, template: str, status: int, body: Any) -> None:
    schema = answer_schema(document, method, PREFIX + template, status)
    errors = representation_errors(document, schema, body)
    assert not errors, f"{method.upper()} {template}: {errors[:5]}"


async def test_projections_scenarios_and_results_use_the_declared_representation(
    api, planner, document
) -> None:
    assumptions = {**DETERMINISTIC, "stock_return": 0.05, "guardrails": {"upper": 0.3}}
    status, projection = await answer(
        api, planner, "POST", "/projections", {"name": "Plan", "assumptions": assumptions}
    )
    check(document, "post", "/projections", status, projection)
    assert projection["assumptions"]["stock_return"] == 0.05
    pid = projection["id"]
    status, changed = await answer(
        api, planner, "PATCH", f"/projections/{pid}", {"assumptions": {"inflation": 0.02}}
    )
    check(document, "patch", PROJECTION, status, changed)
    overrides = {
        "retirement_age": 63,
        "income_scale": 1,
        "assumptions": {"withdrawal_rate": 0.035},
        "extra_incomes": [{"name": "Consulting", "kind": "other", "amount": 5000}],
        "extra_expenses": [{"name": "Travel", "amount": "1234.5", "end_age": 75}],
    }
    status, scenario = await answer(
        api,
        planner,
        "POST",
        f"/projections/{pid}/scenarios",
        {"name": "Earlier", "overrides": overrides},
    )
    check(document, "post", PROJECTION + "/scenarios", status, scenario)
    assert scenario["overrides"]["extra_incomes"][0]["amount"] == "5000.00"
    assert scenario["overrides"]["extra_expenses"][0]["amount"] == "1234.50"
    sid = scenario["id"]
    status, got = await answer(api, planner, "GET", f"/projections/{pid}/scenarios/{sid}")
    check(document, "get", SCENARIO, status, got)
    for template, body in (
        ("/run", {}),
        ("/run", {"scenario_id": sid}),
        ("/compare", None),
        ("/solve", {"target": "retirement_age", "success_rate": 0.5}),
    ):
        status, result = await answer(api, planner, "POST", f"/projections/{pid}{template}", body)
        check(document, "post", PROJECTION + template, status, result)
    status, listed = await answer(api, planner, "GET", "/projections")
    check(document, "get", "/projections", status, listed)
