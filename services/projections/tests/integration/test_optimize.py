"""POST /projections/{id}/optimize: validation, the ranking against a hand computation, best and
margin, scenarios, and a plan with nothing to decide."""

from __future__ import annotations

import uuid

import pytest

from .helpers import asset, expense, income

AGE, PLAN_TO, PIA, SPEND, START, GROWTH = 62, 95, 24_000.0, 40_000.0, 1_000_000.0, 0.02
# Born 1 January 62 years ago: SSA's birth year is the year before, 1963 or later, so the full
# retirement age is 67 and SSA's published factors are 70 % at 62 … 124 % at 70.
SSA_FACTOR = {62: 0.70, 63: 0.75, 64: 0.80, 65: 0.8 + 2 / 30, 66: 0.9 + 1 / 30, 67: 1.0}
SSA_FACTOR |= {68: 1.08, 69: 1.16, 70: 1.24}
FLAT_AND_STEADY = {
    "mode": "deterministic",
    "stock_return": GROWTH,
    "stock_vol": 0.0,
    "inflation": 0.0,
    "inflation_vol": 0.0,
    "income_tax_rate": 0.0,
    "tax": {"regime": "flat"},
}
CLAIMING = {"decision": "claiming_ages", "objective": "median_estate_real"}


def estate_by_hand(claim: int, spend: float = SPEND) -> float:
    """B[t+1] = (B[t] + benefit − spending) × 1.02 from 62 to 94; the estate is B at 95."""
    balance = START
    for age in range(AGE, PLAN_TO):
        benefit = PIA * SSA_FACTOR[claim] if age >= claim else 0.0
        balance = (balance + benefit - spend) * (1.0 + GROWTH)
    return balance


@pytest.fixture
def retiree(new_user, upstream):
    me = new_user()
    upstream.person(
        me.id,
        age=AGE,
        retire_at=AGE,
        plan_to=PLAN_TO,
        assets=[asset(START)],
        expenses=[expense(SPEND)],
        incomes=[income(PIA, kind="social_security", start_age=67)],
    )
    return me


async def optimized(api, user, pid: str, body: dict) -> dict:
    response = await api.post(user, f"/projections/{pid}/optimize", body)
    assert response.status == 200, await response.text()
    answer: dict = await response.json()
    return answer


async def test_claiming_ages_are_ranked_as_by_hand_with_the_best_and_its_margin(
    api, retiree
) -> None:
    projection = await api.create_projection(retiree, "Base", **FLAT_AND_STEADY)
    answer = await optimized(api, retiree, projection["id"], CLAIMING)

    by_hand = {age: estate_by_hand(age) for age in range(62, 71)}
    expected = sorted(by_hand, key=lambda age: -by_hand[age])
    assert expected[:2] == [70, 69]  # the fund earns 2 %, less than the delayed credits
    ranked = answer["candidates"]
    assert [c["choice"] for c in ranked] == [{"self": age, "partner": None} for age in expected]
    for candidate in ranked:
        estate = by_hand[candidate["choice"]["self"]]
        assert candidate["median_estate_real"] == pytest.approx(estate, abs=0.01)
    assert answer["best"] == ranked[0] == {**ranked[0], "rank": 1}
    assert answer["margin"] == pytest.approx(by_hand[70] - by_hand[69], abs=0.02)
    assert answer["projection_id"] == projection["id"] and answer["scenario_id"] is None
    assert (answer["decision"], answer["objective"]) == ("claiming_ages", "median_estate_real")
    assert (answer["evaluations"], answer["paths"]) == (9, 1)
    assert await api.count("runs", retiree.id) == 0  # not stored


async def test_a_scenario_is_optimised_with_its_overrides(api, retiree) -> None:
    projection = await api.create_projection(retiree, "Base", **FLAT_AND_STEADY)
    frugal = await api.create_scenario(retiree, projection["id"], "Frugal", expense_scale=0.5)
    body = {**CLAIMING, "scenario_id": frugal["id"]}
    answer = await optimized(api, retiree, projection["id"], body)
    assert answer["scenario_id"] == frugal["id"]
    best = answer["best"]
    assert best["median_estate_real"] == pytest.approx(
        estate_by_hand(best["choice"]["self"], SPEND / 2), abs=0.01
    )
    missing = await api.post(
        retiree,
        f"/projections/{projection['id']}/optimize",
        {**CLAIMING, "scenario_id": str(uuid.uuid4())},
    )
    await api.problem(missing, 404)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"objective": "success_rate"}, ["decision"]),
        ({"decision": "retirement_age", "objective": "success_rate"}, ["decision"]),
        ({"decision": "claiming_ages", "objective": "wealth"}, ["objective"]),
        ({"decision": "claiming_ages"}, ["objective"]),
        ({**CLAIMING, "scenario_id": "not-a-uuid"}, ["scenario_id"]),
        ({**CLAIMING, "paths": 10}, ["paths"]),
    ],
)
async def test_a_bad_request_is_a_422_naming_the_field(api, retiree, body, fields) -> None:
    projection = await api.create_projection(retiree, "Base", **FLAT_AND_STEADY)
    response = await api.post(retiree, f"/projections/{projection['id']}/optimize", body)
    assert await api.fields(response) == fields


async def test_a_plan_without_social_security_has_nothing_to_decide(
    api, new_user, upstream
) -> None:
    me = new_user()
    upstream.person(me.id, age=AGE, retire_at=AGE, plan_to=PLAN_TO, assets=[asset(START)])
    projection = await api.create_projection(me, "Base", **FLAT_AND_STEADY)
    response = await api.post(me, f"/projections/{projection['id']}/optimize", CLAIMING)
    body = await api.problem(response, 422)
    assert [(e["field"], e["type"]) for e in body["errors"]] == [("decision", "no_candidates")]
    assert "social_security" in body["detail"]


async def test_roth_conversions_rank_each_bracket_and_end_age(api, new_user, upstream) -> None:
    me = new_user()
    upstream.person(
        me.id,
        age=AGE,
        retire_at=AGE,
        plan_to=PLAN_TO,
        assets=[asset(900_000, kind="tax_deferred"), asset(150_000)],
        expenses=[expense(SPEND)],
        incomes=[income(PIA, kind="social_security", start_age=67)],
    )
    steady_us = {**FLAT_AND_STEADY, "tax": {"regime": "us"}}
    projection = await api.create_projection(me, "Base", **steady_us)
    body = {"decision": "roth_conversions", "objective": "median_estate_real"}
    answer = await optimized(api, me, projection["id"], body)
    # 62 and retired; RMDs from 75 (born 1963 or later): end ages 62 … 74, six brackets.
    assert answer["evaluations"] == len(answer["candidates"]) == 1 + 6 * 13
    assert None in [c["choice"] for c in answer["candidates"]]
    estates = [c["median_estate_real"] for c in answer["candidates"]]
    assert estates == sorted(estates, reverse=True)
    assert answer["margin"] == pytest.approx(estates[0] - estates[1], abs=0.011)

    flat = await api.create_projection(me, "Flat", **FLAT_AND_STEADY)
    response = await api.post(me, f"/projections/{flat['id']}/optimize", body)
    problem = await api.problem(response, 422)
    assert [(e["field"], e["type"]) for e in problem["errors"]] == [("decision", "no_candidates")]
    assert "flat" in problem["detail"]
