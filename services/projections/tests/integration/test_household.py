"""A household through the projections service (issue 15): accounts' profile with a partner and
ledger records with owners reach the engine as written; what needs a partner is refused, naming
each field, when the profile has none; errors on a record name the record; the result carries
(and documents) the household's fields.

Which plan the engine received is checked through the result's `inputs_hash`: the sha256 of the
validated plan, compared with the hash of a plan built here by hand (households.py).
"""

from __future__ import annotations

from datetime import date

from projections.engine import expected_inputs_hash
from projections.result_models import RunResult, YearRow

from .helpers import DETERMINISTIC, asset, born_years_ago, expense, income
from .households import PARTNER, SELF_PROFILE, couple, engine_plan, household_records


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

    profile = {
        "birth_date": born_years_ago(60),
        "retirement_age": 65,
        "life_expectancy": 90,
        "currency": "USD",
    }
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
