"""A household through the projections service (issue 15): accounts' profile with a partner and
ledger records with owners reach the engine as written; what needs a partner is refused, naming
each field, when the profile has none; scenarios override the partner's ages and each person's
claiming age; the paths × years bound counts the rows the engine really runs.

Which plan the engine received is checked through the result's `inputs_hash`: the sha256 of the
validated plan, compared with the hash of a plan built here by hand.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from projections.engine import expected_inputs_hash
from projections.planning import projection_seed
from projections.result_models import RunResult, YearRow

from .helpers import DETERMINISTIC, asset, born_years_ago, expense, income

# Large enough for every deterministic plan here, small enough that a 100-path Monte Carlo
# plan of more than 30 years is over it.
MAX_PATH_YEARS = 3000


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {"compute_max_path_years": MAX_PATH_YEARS, "runs_per_minute_per_user": 1000}


PARTNER = {
    "name": "Sam",
    "birth_date": born_years_ago(58),
    "sex": "male",
    "retirement_age": 63,
    "life_expectancy": 92,
}


def couple(upstream: Any, user_id: uuid.UUID, **records: list[dict[str, Any]]) -> None:
    """A woman of 60 retiring at 65, planning to 90, married to Sam (58, retiring at 63)."""
    upstream.person(user_id, age=60, retire_at=65, plan_to=90, **records)
    upstream.profiles[user_id].update(
        sex="female", filing_status="married_joint", partner=dict(PARTNER)
    )


def ledger_part(record: dict[str, Any]) -> dict[str, Any]:
    """What of a ledger record the engine reads: all but the ledger's own timestamps."""
    return {k: v for k, v in record.items() if k not in {"created_at", "updated_at"}}


def engine_plan(
    projection: dict[str, Any], profile: dict[str, Any], **records: list[dict[str, Any]]
) -> dict[str, Any]:
    """The plan the engine should receive, written out by hand."""
    return {
        "profile": profile,
        **{kind: [ledger_part(r) for r in records.get(kind, [])] for kind in KINDS},
        "assumptions": {
            **projection["assumptions"],
            "seed": projection_seed(uuid.UUID(projection["id"])),
        },
    }


KINDS = ("assets", "debts", "incomes", "expenses")
SELF_PROFILE = {
    "birth_date": born_years_ago(60),
    "retirement_age": 65,
    "life_expectancy": 90,
    "sex": "female",
    "filing_status": "married_joint",
}


def household_records() -> dict[str, list[dict[str, Any]]]:
    """Two salaries, two Social Security benefits, a pension with a survivor share, joint
    spending, a joint home sold at 75 and a mortgage paid off at 70."""
    return {
        "assets": [
            asset(400_000),
            asset(300_000, kind="tax_deferred", owner="partner"),
            asset(
                500_000,
                kind="real_estate",
                stock_allocation=0.0,
                owner="joint",
                cost_basis="200000.00",
                sell_age=75,
            ),
        ],
        "debts": [
            {
                "id": str(uuid.uuid4()),
                "name": "Mortgage",
                "kind": "mortgage",
                "balance": "100000.00",
                "interest_rate": 0.04,
                "monthly_payment": "1000.00",
                "owner": "joint",
                "payoff_age": 70,
            }
        ],
        "incomes": [
            income(60_000),
            income(50_000, owner="partner"),
            income(2_000, kind="social_security", frequency="monthly", start_age=67),
            income(1_500, kind="social_security", frequency="monthly", owner="partner"),
            income(12_000, kind="pension", start_age=65, owner="self", survivor_fraction=0.5),
        ],
        "expenses": [
            expense(50_000, owner="joint"),
            expense(20_000, frequency="once", start_age=66, owner="joint"),
        ],
    }


async def test_a_couple_reaches_the_engine_as_accounts_and_ledger_show_it(
    api, new_user, upstream
) -> None:
    me = new_user()
    records = household_records()
    couple(upstream, me.id, **records)
    projection = await api.create_projection(me, "Couple", stock_return=0.05, **DETERMINISTIC)

    result = await api.run(me, projection["id"])

    expected = engine_plan(projection, {**SELF_PROFILE, "partner": PARTNER}, **records)
    assert result["inputs_hash"] == expected_inputs_hash(expected, today=date.today())
    assert result["paths"] == 1
    assert result["years"][0] == {**result["years"][0], "age": 60, "year": date.today().year}


async def test_an_older_accounts_without_the_household_fields_plans_for_one_person(
    api, new_user, upstream
) -> None:
    me = new_user()
    records = {"assets": [asset(100_000)], "expenses": [expense(5_000)]}
    upstream.person(me.id, age=60, retire_at=65, plan_to=90, **records)  # no sex, no partner
    projection = await api.create_projection(me, "Single", **DETERMINISTIC)

    result = await api.run(me, projection["id"])

    profile = {"birth_date": born_years_ago(60), "retirement_age": 65, "life_expectancy": 90}
    expected = engine_plan(projection, profile, **records)
    assert result["inputs_hash"] == expected_inputs_hash(expected, today=date.today())
    single = {**profile, "sex": "unspecified", "filing_status": "single", "partner": None}
    assert result["inputs_hash"] == expected_inputs_hash(
        {**expected, "profile": single}, today=date.today()
    )


async def test_partner_records_without_a_partner_are_refused_naming_each_record(
    api, new_user, upstream
) -> None:
    """The partner was removed after these records were written: they are kept, the run is
    refused with what to do, and nothing is stored."""
    me = new_user()
    theirs = {
        "assets": [asset(300_000, kind="tax_deferred", owner="partner"), asset(10_000)],
        "incomes": [income(50_000, owner="partner"), income(1_000, owner="self")],
        "expenses": [expense(2_000, owner="partner"), expense(9_000, owner="joint")],
    }
    upstream.person(me.id, age=60, retire_at=65, plan_to=90, **theirs)
    projection = await api.create_projection(me, "Base", **DETERMINISTIC)
    gig = {"name": "Gig", "kind": "other", "amount": "100.00", "owner": "partner"}
    scenario = await api.create_scenario(me, projection["id"], extra_incomes=[gig])

    for scenario_id in (None, scenario["id"]):
        body = {} if scenario_id is None else {"scenario_id": scenario_id}
        response = await api.post(me, f"/projections/{projection['id']}/run", body)
        problem = await api.problem(response, 422)
        fields = [e["field"] for e in problem["errors"]]
        expected = [
            f"ledger.assets[{theirs['assets'][0]['id']}].owner",
            f"ledger.incomes[{theirs['incomes'][0]['id']}].owner",
            f"ledger.expenses[{theirs['expenses'][0]['id']}].owner",
        ]
        if scenario_id is not None:
            expected.insert(2, "overrides.extra_incomes.0.owner")
        assert fields == expected
        assert "PATCH /api/v1/me/profile" in problem["detail"]
        assert "`owner`" in problem["detail"]
    for path, body in (("compare", {}), ("solve", {"target": "retirement_age", "success_rate": 1})):
        response = await api.post(me, f"/projections/{projection['id']}/{path}", body)
        assert expected[0] in await api.fields(response)
    assert await api.count("runs", me.id) == 0


async def test_other_engine_errors_on_ledger_records_name_the_record(
    api, new_user, upstream
) -> None:
    me = new_user()
    broken = {
        "assets": [asset(10_000, sell_age=70)],  # only real estate is sold at an age
        "incomes": [income(50_000, owner="joint")],  # a salary is one person's
        "expenses": [{**expense(1_000), "amount": "-5.00"}],
    }
    couple(upstream, me.id, **broken)
    projection = await api.create_projection(me, "Base", **DETERMINISTIC)

    response = await api.post(me, f"/projections/{projection['id']}/run")

    assert await api.fields(response) == [
        f"ledger.assets[{broken['assets'][0]['id']}]",
        f"ledger.incomes[{broken['incomes'][0]['id']}]",
        f"ledger.expenses[{broken['expenses'][0]['id']}].amount",
    ]
    assert await api.count("runs", me.id) == 0


async def test_a_partner_without_a_birth_date_says_what_to_fill_in(api, new_user, upstream) -> None:
    me = new_user()
    couple(upstream, me.id)
    upstream.profiles[me.id]["partner"]["birth_date"] = None
    projection = await api.create_projection(me, "Base", **DETERMINISTIC)
    response = await api.post(me, f"/projections/{projection['id']}/run")
    problem = await api.problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["profile.partner.birth_date"]
    assert "partner.birth_date" in problem["detail"]


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


async def test_a_stochastic_couple_run_is_what_the_openapi_document_describes(
    api, new_user, upstream
) -> None:
    """Every field of the answer is described (RunResult), lifespans and alive shares included."""
    me = new_user()
    couple(upstream, me.id, **household_records())
    projection = await api.create_projection(
        me, "Lifespans", paths=40, seed=7, longevity="stochastic"
    )

    result = await api.run(me, projection["id"])

    assert set(result) == set(RunResult.model_fields)
    assert all(set(row) == set(YearRow.model_fields) for row in result["years"])
    RunResult.model_validate(result)
    assert [p["person"] for p in result["lifespans"]["people"]] == ["self", "partner"]
    rows = result["years"]
    assert [(r["age"], r["partner_age"]) for r in rows[:3]] == [(60, 58), (61, 59), (62, 60)]
    shares = [r["alive_share"] for r in rows]
    assert shares[0] == 1.0
    assert shares == sorted(shares, reverse=True)
    assert len(rows) == 120 - 58 + 1  # until he, the younger, could be 120; then what is left


async def test_a_life_expectancy_not_above_the_age_today_names_the_field_that_set_it(
    api, new_user, upstream
) -> None:
    """He is 58: a scenario that has him live to 57 names its override; a profile whose partner
    has reached his life expectancy since it was written names the profile's field."""
    me = new_user()
    couple(upstream, me.id, assets=[asset(1_000)])
    projection = await api.create_projection(me, "Base", **DETERMINISTIC)
    short = await api.create_scenario(
        me, projection["id"], partner_retirement_age=55, partner_life_expectancy=57
    )
    response = await api.post(
        me, f"/projections/{projection['id']}/run", {"scenario_id": short["id"]}
    )
    assert await api.fields(response) == ["overrides.partner_life_expectancy"]

    upstream.profiles[me.id]["partner"].update(retirement_age=58, life_expectancy=58)
    response = await api.post(me, f"/projections/{projection['id']}/run")
    problem = await api.problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["profile.partner.life_expectancy"]
    assert "58 is not above the age today, 58" in problem["errors"][0]["message"]
    assert await api.count("runs", me.id) == 0
