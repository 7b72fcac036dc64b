"""The tax assumptions of issue 16 through the service (DESIGN §6.4, §6.5a).

- the profile's `currency` reaches the engine plan (a null `tax.regime` is resolved from it
  when the plan runs), checked through the result's `inputs_hash` against a plan built by hand;
- `tax`, `dividend_yield`, `withdrawal_order`, `fill_bracket` and `roth_conversion` are
  validated on projections (create and PATCH) and in a scenario's `overrides.assumptions`, a
  422 naming the field; nested objects (`tax`, `roth_conversion`) merge.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from projections.engine import expected_inputs_hash
from projections.result_models import RunResult

from .helpers import DETERMINISTIC, asset, born_years_ago, expense
from .households import engine_plan

NOTHING = {"projections": 0, "scenarios": 0, "runs": 0, "idempotency_keys": 0}
ONE_EMPTY_PROJECTION = {**NOTHING, "projections": 1}
UNSET = {"regime": None, "year": None, "state_rate": 0.0}
US = {
    "tax": {"regime": "us", "year": 2026, "state_rate": 0.05},
    "withdrawal_order": "bracket_fill",
    "fill_bracket": 0.22,
    "roth_conversion": {"up_to_bracket": 0.24, "from_age": 60, "to_age": 72},
}


def profile_of(currency: str | None) -> dict[str, Any]:
    """The engine's profile of `upstream.person(age=60, retire_at=65, plan_to=90)`."""
    return {
        "birth_date": born_years_ago(60),
        "retirement_age": 65,
        "life_expectancy": 90,
        "currency": currency,
    }


@pytest.mark.parametrize("currency", ["EUR", "USD", None])
async def test_the_profile_currency_reaches_the_engine_plan(
    api, new_user, upstream, currency
) -> None:
    me = new_user()
    records = {"assets": [asset(300_000)], "expenses": [expense(20_000)]}
    upstream.person(me.id, age=60, retire_at=65, plan_to=90, **records)
    if currency is None:  # an accounts that does not send it: unset (the engine reads USD)
        del upstream.profiles[me.id]["currency"]
    else:
        upstream.profiles[me.id]["currency"] = currency
    # The regime is left to the currency (DETERMINISTIC pins flat for the other tests).
    projection = await api.create_projection(me, "Plan", **{**DETERMINISTIC, "tax": UNSET})

    result = await api.run(me, projection["id"])

    plain = {**projection, "assumptions": {**projection["assumptions"], "tax": UNSET}}
    expected = engine_plan(plain, profile_of(currency), **records)
    assert result["inputs_hash"] == expected_inputs_hash(expected, today=date.today())
    # The engine chose the regime by it: flat outside USD, us in USD or without a currency.
    assert result["tax_law"]["regime"] == ("flat" if currency == "EUR" else "us")
    assert (result["detail"] is None) == (currency == "EUR")
    RunResult.model_validate(result)
    other = "USD" if currency == "EUR" else "EUR"
    elsewhere = engine_plan(projection, profile_of(other), **records)
    assert result["inputs_hash"] != expected_inputs_hash(elsewhere, today=date.today())


async def test_us_assumptions_are_stored_shown_and_merged_by_a_scenario(
    api, new_user, upstream, client
) -> None:
    me = new_user()
    records = {"assets": [asset(300_000)], "expenses": [expense(20_000)]}
    upstream.person(me.id, age=60, retire_at=65, plan_to=90, **records)
    projection = await api.create_projection(me, "US", **{**DETERMINISTIC, **US})
    assert {k: projection["assumptions"][k] for k in US} == US
    assert projection["assumptions"]["dividend_yield"] == 0.02

    # `tax` merges: the scenario changes one field, the rest are the projection's. A Roth
    # window is replaced whole (its three fields are required).
    window = {"up_to_bracket": 0.22, "from_age": 61, "to_age": 65}
    overrides = {"tax": {"state_rate": 0.0}, "roth_conversion": window}
    scenario = await api.create_scenario(me, projection["id"], assumptions=overrides)
    result = await api.run(me, projection["id"], scenario["id"])
    assert result["tax_law"]["regime"] == "us" and result["tax_law"]["law_year"] == 2026
    assert [r["age"] for r in result["detail"]["rows"]] == [r["age"] for r in result["years"][:-1]]
    RunResult.model_validate(result)

    merged = {
        **projection["assumptions"],
        "tax": {**US["tax"], "state_rate": 0.0},
        "roth_conversion": window,
    }
    expected = engine_plan({**projection, "assumptions": merged}, profile_of("USD"), **records)
    assert result["inputs_hash"] == expected_inputs_hash(expected, today=date.today())

    # PATCH merges too, and `roth_conversion: null` turns conversions off.
    url = f"/projections/{projection['id']}"
    patched = await client.patch(
        url,
        json={"assumptions": {"roth_conversion": None, "tax": {"year": None}}},
        headers=me.headers,
    )
    assert patched.status == 200, await patched.text()
    shown = (await patched.json())["assumptions"]
    assert shown["roth_conversion"] is None
    assert shown["tax"] == {"regime": "us", "year": None, "state_rate": 0.05}


_RC_BRACKET = "roth_conversion.up_to_bracket"
# Each case: the assumptions given and the field a 422 names (under `assumptions.`).
BAD_ASSUMPTIONS = [
    ({"fill_bracket": 0.15}, "fill_bracket"),  # 15 % is no ordinary bracket's rate
    ({"fill_bracket": 0.0}, "fill_bracket"),
    ({"fill_bracket": True}, "fill_bracket"),
    ({"fill_bracket": "high"}, "fill_bracket"),
    ({"tax": {"state_rate": 1}}, "tax.state_rate"),
    ({"tax": {"state_rate": 1.5}}, "tax.state_rate"),
    ({"tax": {"state_rate": -0.01}}, "tax.state_rate"),
    ({"tax": {"state_rate": True}}, "tax.state_rate"),
    ({"tax": {"regime": "uk"}}, "tax.regime"),
    ({"tax": {"year": 2026.5}}, "tax.year"),
    ({"tax": {"year": "2026"}}, "tax.year"),
    ({"tax": {"year": True}}, "tax.year"),
    ({"tax": {"rate": 0.3}}, "tax.rate"),
    ({"tax": {"year": 2019}}, "tax.year"),  # no law shipped for it (2025 and 2026 are)
    ({"tax": "us"}, "tax"),
    ({"dividend_yield": 0.5}, "dividend_yield"),
    ({"dividend_yield": False}, "dividend_yield"),
    ({"withdrawal_order": "roth_first"}, "withdrawal_order"),
    ({"roth_conversion": {"up_to_bracket": 0.2, "from_age": 60, "to_age": 70}}, _RC_BRACKET),
    ({"roth_conversion": {"up_to_bracket": True, "from_age": 60, "to_age": 70}}, _RC_BRACKET),
    (
        {"roth_conversion": {"up_to_bracket": 0.22, "from_age": True, "to_age": 70}},
        "roth_conversion.from_age",
    ),
    ({"roth_conversion": {"from_age": 60, "to_age": 70}}, _RC_BRACKET),
    (
        {"roth_conversion": {"up_to_bracket": 0.22, "from_age": 60.5, "to_age": 70}},
        "roth_conversion.from_age",
    ),
    (
        {"roth_conversion": {"up_to_bracket": 0.22, "from_age": 60, "to_age": 121}},
        "roth_conversion.to_age",
    ),
    ({"roth_conversion": {"up_to_bracket": 0.22, "from_age": 70, "to_age": 60}}, "roth_conversion"),
    ({"roth_conversion": {"up_to_bracket": 0.22, "from_age": 60, "to": 70}}, "roth_conversion.to"),
    ({"roth_conversion": [0.22, 60, 70]}, "roth_conversion"),
]
# Numbers are JSON numbers (docs/API.md, Values): a string age or rate is refused, not read.
STRINGS = [
    (
        {"roth_conversion": {"up_to_bracket": 0.22, "from_age": 60, "to_age": "70"}},
        "roth_conversion.to_age",
    ),
    (
        {"roth_conversion": {"up_to_bracket": "0.22", "from_age": 60, "to_age": 70}},
        "roth_conversion.up_to_bracket",
    ),
    ({"tax": {"state_rate": "0.05"}}, "tax.state_rate"),
    ({"stock_return": "0.08"}, "stock_return"),
    ({"dividend_yield": "0.02"}, "dividend_yield"),
]


@pytest.mark.parametrize(("given", "field"), BAD_ASSUMPTIONS + STRINGS)
async def test_a_bad_tax_assumption_is_refused_naming_the_field(
    client, api, new_user, given, field
) -> None:
    me = new_user()
    response = await client.post(
        "/projections", json={"name": "P", "assumptions": given}, headers=me.headers
    )
    assert f"assumptions.{field}" in await api.fields(response)
    assert await api.counts(me.id) == NOTHING

    projection = await api.create_projection(me, "Kept")
    url = f"/projections/{projection['id']}"
    patched = await client.patch(url, json={"assumptions": given}, headers=me.headers)
    assert f"assumptions.{field}" in await api.fields(patched)

    scenario = await client.post(
        f"{url}/scenarios",
        json={"name": "What if", "overrides": {"assumptions": given}},
        headers=me.headers,
    )
    assert f"overrides.assumptions.{field}" in await api.fields(scenario)
    assert await api.counts(me.id) == ONE_EMPTY_PROJECTION


@pytest.mark.parametrize("partial", [{}, {"to_age": 75}])
async def test_a_partial_roth_window_is_refused_not_merged(client, api, new_user, partial) -> None:
    """The document requires all three fields of a window; so does the service, even where
    the projection has one to merge with (a window is one decision, replaced whole)."""
    me = new_user()
    projection = await api.create_projection(me, "US", **US)
    url = f"/projections/{projection['id']}"
    change = {"assumptions": {"roth_conversion": partial}}
    fields = await api.fields(await client.patch(url, json=change, headers=me.headers))
    assert "assumptions.roth_conversion.up_to_bracket" in fields
    scenario = {"name": "Longer", "overrides": change}
    response = await client.post(f"{url}/scenarios", json=scenario, headers=me.headers)
    fields = await api.fields(response)
    assert "overrides.assumptions.roth_conversion.from_age" in fields
    shown = await (await client.get(url, headers=me.headers)).json()
    assert shown["assumptions"]["roth_conversion"] == US["roth_conversion"]


async def test_a_stored_law_year_the_engine_no_longer_ships_is_refused_at_run(
    api, new_user, upstream
) -> None:
    """Written when the law existed (here: set in the database), run after it was dropped."""
    me = new_user()
    upstream.person(me.id, age=60, retire_at=65, plan_to=90, assets=[asset(100_000)])
    projection = await api.create_projection(me, "Old law", **DETERMINISTIC)
    async with api.pool.acquire() as conn:
        await conn.execute(
            "UPDATE projections SET assumptions = jsonb_set(assumptions, '{tax,year}', '2019') "
            "WHERE id = $1",
            uuid.UUID(projection["id"]),
        )
    response = await api.post(me, f"/projections/{projection['id']}/run")
    assert await api.fields(response) == ["assumptions.tax.year"]
    assert await api.count("runs", me.id) == 0
