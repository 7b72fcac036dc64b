"""Bad writes get a 4xx naming what is wrong, and leave nothing behind."""

from __future__ import annotations

import pytest

NOTHING = {"projections": 0, "scenarios": 0, "runs": 0, "idempotency_keys": 0}
ONE_EMPTY_PROJECTION = {**NOTHING, "projections": 1}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "P", "assumptions": {"stock_retrun": 0.05}}, "assumptions.stock_retrun"),
        ({"name": "P", "assumptions": {"paths": 100_001}}, "assumptions.paths"),
        ({"name": "P", "assumptions": {"paths": 0}}, "assumptions.paths"),
        ({"name": "P", "assumptions": {"inflation_vol": -1}}, "assumptions.inflation_vol"),
        ({"name": "P", "assumptions": {"stock_return": -1}}, "assumptions.stock_return"),
        ({"name": "P", "assumptions": {"mode": "psychic"}}, "assumptions.mode"),
        (
            {"name": "P", "assumptions": {"withdrawal_strategy": "yolo"}},
            "assumptions.withdrawal_strategy",
        ),
        (
            {"name": "P", "assumptions": {"guardrails": {"upper": 2}}},
            "assumptions.guardrails.upper",
        ),
        (
            {"name": "P", "assumptions": {"guardrails": {"uper": 0.1}}},
            "assumptions.guardrails.uper",
        ),
        (
            {"name": "P", "assumptions": {"historical": {"first_year": 1500}}},
            "assumptions.historical.first_year",
        ),
        ({"name": "P", "assumptions": {"seed": -1}}, "assumptions.seed"),
        ({"name": "P", "assumptions": []}, "assumptions"),
        ({"name": "P", "id": "00000000-0000-0000-0000-000000000001"}, "id"),
        ({"name": "P", "user_id": "00000000-0000-0000-0000-000000000001"}, "user_id"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": 5}, "name"),
        ({}, "name"),
    ],
)
async def test_a_bad_projection_is_refused_naming_the_field(
    client, api, new_user, body, field
) -> None:
    me = new_user()
    response = await client.post("/projections", json=body, headers=me.headers)
    assert field in await api.fields(response)
    assert await api.counts(me.id) == NOTHING


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"assumptions": {"stock_retrun": 0.05}}, "assumptions.stock_retrun"),
        ({"assumptions": {"paths": 100_001}}, "assumptions.paths"),
        ({"assumptions": {"withdrawal_strategy": "yolo"}}, "assumptions.withdrawal_strategy"),
        ({"assumptions": {"guardrails": {"upper": 2}}}, "assumptions.guardrails.upper"),
        ({"assumptions": "fast"}, "assumptions"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"id": "00000000-0000-0000-0000-000000000001"}, "id"),
        ({"user_id": "00000000-0000-0000-0000-000000000001"}, "user_id"),
        ({"version": 7}, "version"),
        ([], "body"),
    ],
)
async def test_a_bad_projection_patch_is_refused_naming_the_field(
    client, api, new_user, patch, field
) -> None:
    me = new_user()
    created = await api.create_projection(me, "Kept", stock_return=0.07)
    url = f"/projections/{created['id']}"
    assert field in await api.fields(await client.patch(url, json=patch, headers=me.headers))
    got = await client.get(url, headers=me.headers)
    assert got.headers["ETag"] == '"v1"'
    assert await got.json() == created


OVERRIDE_CASES = [
    ({"overrides": {"retirment_age": 60}}, "overrides.retirment_age"),
    ({"overrides": {"retirement_age": 121}}, "overrides.retirement_age"),
    ({"overrides": {"retirement_age": "60"}}, "overrides.retirement_age"),
    ({"overrides": {"life_expectancy": 0}}, "overrides.life_expectancy"),
    ({"overrides": {"income_scale": -1}}, "overrides.income_scale"),
    ({"overrides": {"expense_scale": 11}}, "overrides.expense_scale"),
    ({"overrides": {"extra_expenses": [{"name": "Boat"}]}}, "overrides.extra_expenses.0.amount"),
    (
        {"overrides": {"extra_expenses": [{"name": "Boat", "amount": "-1"}]}},
        "overrides.extra_expenses.0.amount",
    ),
    (
        {"overrides": {"extra_incomes": [{"name": "Gig", "kind": "lottery", "amount": "1"}]}},
        "overrides.extra_incomes.0.kind",
    ),
    ({"overrides": {"assumptions": {"paths": 0}}}, "overrides.assumptions.paths"),
    ({"overrides": {"assumptions": {"stock_retrun": 0.1}}}, "overrides.assumptions.stock_retrun"),
    (
        {"overrides": {"assumptions": {"guardrails": {"upper": 2}}}},
        "overrides.assumptions.guardrails.upper",
    ),
    ({"overrides": {"assumptions": {"mode": "yolo"}}}, "overrides.assumptions.mode"),
    ({"id": "00000000-0000-0000-0000-000000000001"}, "id"),
    ({"user_id": "00000000-0000-0000-0000-000000000001"}, "user_id"),
    ({"projection_id": "00000000-0000-0000-0000-000000000001"}, "projection_id"),
]


@pytest.mark.parametrize(("extra", "field"), OVERRIDE_CASES)
async def test_a_bad_scenario_is_refused_naming_the_field(
    client, api, new_user, extra, field
) -> None:
    me = new_user()
    projection = await api.create_projection(me, "Base")
    response = await client.post(
        f"/projections/{projection['id']}/scenarios",
        json={"name": "What if", **extra},
        headers=me.headers,
    )
    assert field in await api.fields(response)
    assert await api.counts(me.id) == ONE_EMPTY_PROJECTION


@pytest.mark.parametrize(("extra", "field"), [*OVERRIDE_CASES[:13], ({"name": ""}, "name")])
async def test_a_bad_scenario_patch_is_refused_naming_the_field(
    client, api, new_user, extra, field
) -> None:
    me = new_user()
    projection = await api.create_projection(me, "Base")
    scenario = await api.create_scenario(me, projection["id"], "Kept", expense_scale=0.5)
    url = f"/projections/{projection['id']}/scenarios/{scenario['id']}"
    assert field in await api.fields(await client.patch(url, json=extra, headers=me.headers))
    got = await client.get(url, headers=me.headers)
    assert got.headers["ETag"] == '"v1"'
    assert await got.json() == scenario


async def test_malformed_json_is_a_400_and_writes_nothing(client, api, new_user) -> None:
    me = new_user()
    headers = {**me.headers, "Content-Type": "application/json"}
    response = await client.post("/projections", data=b'{"name": "P",', headers=headers)
    body = await api.problem(response, 400)
    assert "not valid JSON" in body["detail"]
    assert await api.counts(me.id) == NOTHING


async def test_a_body_that_is_not_json_is_a_415_and_writes_nothing(client, api, new_user) -> None:
    me = new_user()
    headers = {**me.headers, "Content-Type": "text/plain"}
    response = await client.post("/projections", data=b'{"name": "P"}', headers=headers)
    await api.problem(response, 415)
    assert await api.counts(me.id) == NOTHING


async def test_an_oversize_body_is_a_413_and_writes_nothing(
    client, api, new_user, projections_settings
) -> None:
    me = new_user()
    huge = {"name": "P", "padding": "x" * (projections_settings.max_body_bytes + 1)}
    response = await client.post("/projections", json=huge, headers=me.headers)
    await api.problem(response, 413)
    assert await api.counts(me.id) == NOTHING


async def test_a_json_array_body_is_a_422_naming_the_body(client, api, new_user) -> None:
    me = new_user()
    response = await client.post("/projections", json=[{"name": "P"}], headers=me.headers)
    assert await api.fields(response) == ["body"]
    assert await api.counts(me.id) == NOTHING


async def test_a_nul_character_in_a_name_is_refused(client, api, new_user) -> None:
    me = new_user()
    response = await client.post("/projections", json={"name": "a\x00b"}, headers=me.headers)
    assert await api.fields(response) == ["name"]
    assert await api.counts(me.id) == NOTHING


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": "0"}, "query.limit"), ({"limit": "201"}, "query.limit"), ({"x": "1"}, "query.x")],
)
async def test_a_bad_page_query_is_refused_naming_the_parameter(
    client, api, new_user, params, field
) -> None:
    me = new_user()
    response = await client.get("/projections", params=params, headers=me.headers)
    assert await api.fields(response) == [field]


async def test_a_tampered_cursor_is_a_400(client, api, new_user) -> None:
    me = new_user()
    response = await client.get("/projections", params={"cursor": "forged"}, headers=me.headers)
    await api.problem(response, 400)


async def test_a_malformed_id_in_the_path_is_a_404(client, api, new_user) -> None:
    me = new_user()
    await api.problem(await client.get("/projections/not-a-uuid", headers=me.headers), 404)
    projection = await api.create_projection(me, "Base")
    response = await client.get(
        f"/projections/{projection['id']}/scenarios/not-a-uuid", headers=me.headers
    )
    await api.problem(response, 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scenario_id": "not-a-uuid"}, "scenario_id"),
        ({"scenario": None}, "scenario"),
    ],
)
async def test_a_bad_run_request_is_refused_naming_the_field(
    client, api, new_user, body, field
) -> None:
    me = new_user()
    projection = await api.create_projection(me, "Base")
    response = await client.post(
        f"/projections/{projection['id']}/run", json=body, headers=me.headers
    )
    assert await api.fields(response) == [field]
    assert await api.count("runs", me.id) == 0


async def test_a_boolean_is_not_a_seed_or_a_path_count(api, new_user) -> None:
    user = new_user()
    for field in ("seed", "paths"):
        response = await api.post(user, "/projections", {"name": "B", "assumptions": {field: True}})
        assert f"assumptions.{field}" in await api.fields(response)


async def test_compare_refuses_options_it_does_not_know(api, new_user) -> None:
    user = new_user()
    projection = await api.create_projection(user, "C")
    response = await api.post(user, f"/projections/{projection['id']}/compare", {"fast": True})
    assert await api.fields(response) == ["fast"]
