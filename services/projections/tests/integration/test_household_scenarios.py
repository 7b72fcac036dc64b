"""Scenarios of a household (issue 15): the partner's retirement age and life expectancy and
each person's Social Security claiming age, validated when written, applied to the plan the
engine receives, refused at the run without a partner; and the paths × years bound counting
the rows the engine really runs (to the last death, to 120 under stochastic lifespans).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from projections.engine import expected_inputs_hash

from .helpers import DETERMINISTIC, asset, born_years_ago, income
from .households import PARTNER, SELF_PROFILE, couple, engine_plan, household_records

MAX_PATH_YEARS = 3000


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {"compute_max_path_years": MAX_PATH_YEARS, "runs_per_minute_per_user": 1000}


OVERRIDE_CASES = [
    ({"claiming_ages": {"self": 61}}, "overrides.claiming_ages.self"),
    ({"claiming_ages": {"self": 71}}, "overrides.claiming_ages.self"),
    ({"claiming_ages": {"self": "67"}}, "overrides.claiming_ages.self"),
    ({"claiming_ages": {"partner": 61}}, "overrides.claiming_ages.partner"),
    ({"claiming_ages": {"partner": 70.5}}, "overrides.claiming_ages.partner"),
    ({"claiming_ages": {"spouse": 67}}, "overrides.claiming_ages.spouse"),
    ({"claiming_ages": [67, 67]}, "overrides.claiming_ages"),
    ({"partner_retirement_age": 121}, "overrides.partner_retirement_age"),
    ({"partner_retirement_age": "64"}, "overrides.partner_retirement_age"),
    ({"partner_life_expectancy": 0}, "overrides.partner_life_expectancy"),
    ({"partner_life_expectancy": True}, "overrides.partner_life_expectancy"),
    (
        {
            "extra_incomes": [
                {"name": "Annuity", "kind": "annuity", "amount": "1.00", "survivor_fraction": False}
            ]
        },
        "overrides.extra_incomes.0.survivor_fraction",
    ),
    (
        {
            "extra_incomes": [
                {"name": "Pay", "kind": "salary", "amount": "1.00", "survivor_fraction": 0.5}
            ]
        },
        "overrides.extra_incomes.0",
    ),
    (
        {"extra_incomes": [{"name": "Pay", "kind": "salary", "amount": "1.00", "owner": "joint"}]},
        "overrides.extra_incomes.0",
    ),
    (
        {"extra_expenses": [{"name": "Car", "amount": "1.00", "owner": "both"}]},
        "overrides.extra_expenses.0.owner",
    ),
]


@pytest.mark.parametrize(("overrides", "field"), OVERRIDE_CASES)
async def test_a_bad_household_override_is_refused_naming_the_field(
    client, api, new_user, overrides, field
) -> None:
    me = new_user()
    projection = await api.create_projection(me, "Base")
    url = f"/projections/{projection['id']}/scenarios"
    body = {"name": "What if", "overrides": overrides}
    assert await api.fields(await client.post(url, json=body, headers=me.headers)) == [field]
    scenario = await api.create_scenario(me, projection["id"], "Kept")
    patch = await client.patch(
        f"{url}/{scenario['id']}", json={"overrides": overrides}, headers=me.headers
    )
    assert await api.fields(patch) == [field]
    assert await api.count("scenarios", me.id) == 1


async def test_household_overrides_change_the_plan_the_engine_receives(
    api, new_user, upstream
) -> None:
    me = new_user()
    records = household_records()
    couple(upstream, me.id, **records)
    projection = await api.create_projection(me, "Couple", stock_return=0.05, **DETERMINISTIC)
    overrides = {
        "partner_retirement_age": 60,
        "partner_life_expectancy": 95,
        "claiming_ages": {"self": 70, "partner": 62},
    }
    scenario = await api.create_scenario(me, projection["id"], "Claim apart", **overrides)
    assert scenario["overrides"]["claiming_ages"] == {"self": 70, "partner": 62}

    result = await api.run(me, projection["id"], scenario["id"])

    incomes = [dict(i) for i in records["incomes"]]
    incomes[2]["start_age"] = 70  # her benefit: the ledger said 67
    incomes[3]["start_age"] = 62  # his: the ledger said his full retirement age (null)
    partner = {**PARTNER, "retirement_age": 60, "life_expectancy": 95}
    expected = engine_plan(
        projection, {**SELF_PROFILE, "partner": partner}, **{**records, "incomes": incomes}
    )
    assert result["inputs_hash"] == expected_inputs_hash(expected, today=date.today())
    baseline = await api.run(me, projection["id"])
    assert baseline["inputs_hash"] != result["inputs_hash"]


async def test_a_claiming_age_starts_the_benefit_in_that_year(api, new_user, upstream) -> None:
    me = new_user()
    pia = income(24_000, kind="social_security", start_age=None)  # null = her FRA (67)
    upstream.person(me.id, age=62, retire_at=62, plan_to=75, incomes=[pia])
    projection = await api.create_projection(me, "Base", **DETERMINISTIC)
    scenario = await api.create_scenario(me, projection["id"], claiming_ages={"self": 70})

    result = await api.run(me, projection["id"], scenario["id"])

    paid = {row["age"]: row["income"]["p50"] for row in result["years"][:-1]}
    assert all(paid[age] == 0 for age in range(62, 70)), paid
    assert all(paid[age] > 0 for age in range(70, 75)), paid


async def test_partner_overrides_without_a_partner_are_refused_naming_each(
    api, new_user, upstream
) -> None:
    me = new_user()
    upstream.person(me.id, age=60, retire_at=65, plan_to=90, assets=[asset(1_000)])
    projection = await api.create_projection(me, "Base", **DETERMINISTIC)
    scenario = await api.create_scenario(
        me,
        projection["id"],
        partner_retirement_age=64,
        partner_life_expectancy=90,
        claiming_ages={"self": 67, "partner": 67},
    )
    response = await api.post(
        me, f"/projections/{projection['id']}/run", {"scenario_id": scenario["id"]}
    )
    assert await api.fields(response) == [
        "overrides.partner_retirement_age",
        "overrides.partner_life_expectancy",
        "overrides.claiming_ages.partner",
    ]
    assert await api.count("runs", me.id) == 0
    only_self = await api.create_scenario(me, projection["id"], claiming_ages={"self": 67})
    assert (await api.run(me, projection["id"], only_self["id"]))["success_rate"] == 1.0


async def test_the_path_years_bound_counts_the_rows_the_engine_runs(
    api, new_user, upstream
) -> None:
    """60, planning to 70: 10 rows under fixed longevity, 60 (to 120) under stochastic, in
    every mode (deterministic returns are crossed with `paths` lifespans); with a partner of 40
    planning to 80, 40 rows. 100 paths × 10 fits 3,000 path-years; the others do not, and the
    answer says how many paths would."""
    me = new_user()
    upstream.person(me.id, age=60, retire_at=60, plan_to=70, assets=[asset(100_000)])
    fixed = await api.create_projection(me, "Fixed", paths=100, seed=1)
    assert (await api.run(me, fixed["id"]))["paths"] == 100

    stochastic = await api.create_projection(me, "Lifespans", paths=100, longevity="stochastic")
    response = await api.post(me, f"/projections/{stochastic['id']}/run")
    problem = await api.problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["assumptions.paths"]
    assert "100 paths over 60 years" in problem["detail"]
    assert "at most 50 paths" in problem["detail"]

    # Deterministic returns crossed with 100 lifespan draws: as many path-years.
    crossed = await api.create_projection(
        me, "One path, many lives", mode="deterministic", paths=100, longevity="stochastic"
    )
    response = await api.post(me, f"/projections/{crossed['id']}/run")
    assert "100 paths over 60 years" in (await api.problem(response, 422))["detail"]

    young = {**PARTNER, "birth_date": born_years_ago(40), "retirement_age": 65}
    upstream.profiles[me.id].update(partner={**young, "life_expectancy": 80})
    response = await api.post(me, f"/projections/{fixed['id']}/run")
    problem = await api.problem(response, 422)
    assert "100 paths over 40 years" in problem["detail"]
    assert "at most 75 paths" in problem["detail"]
    assert await api.count("runs", me.id) == 1


async def test_a_scenario_stored_before_the_household_overrides_shows_them_at_their_defaults(
    client, api, new_user
) -> None:
    me = new_user()
    projection = await api.create_projection(me, "Base")
    scenario = await api.create_scenario(me, projection["id"], "Old", retirement_age=60)
    await api.pool.execute(
        "UPDATE scenarios SET overrides = overrides - 'partner_retirement_age'"
        " - 'partner_life_expectancy' - 'claiming_ages' WHERE id = $1",
        uuid.UUID(scenario["id"]),
    )
    url = f"/projections/{projection['id']}/scenarios/{scenario['id']}"
    shown = await (await client.get(url, headers=me.headers)).json()
    assert shown["overrides"] == scenario["overrides"]
    assert shown["overrides"]["claiming_ages"] is None
    assert shown["overrides"]["partner_retirement_age"] is None
