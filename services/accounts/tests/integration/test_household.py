"""The household in the profile (issue 15): sex, filing status and the partner, end to end.

PUT and PATCH with their checks (422 naming the field, nothing written), the merge of a partial
partner, and the same household in GET /me, the internal profile and the export.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from nestegg_common.testing.services import TestSecrets

from .helpers import assert_problem, bearer, logged_in, registered_user

PARTNER = {
    "name": "Charles",
    "birth_date": "1973-03-02",
    "sex": "male",
    "retirement_age": 67,
    "life_expectancy": 92,
}
HOUSEHOLD = {
    "display_name": "Ada",
    "birth_date": "1975-12-10",
    "sex": "female",
    "retirement_age": 62,
    "life_expectancy": 95,
    "currency": "USD",
    "filing_status": "married_joint",
    "partner": PARTNER,
}
TODAY = date.today()


def years_ago(years: int) -> str:
    """The birth date of someone who turned `years` today (or on 28 February, on 29 February)."""
    try:
        return TODAY.replace(year=TODAY.year - years).isoformat()
    except ValueError:
        return date(TODAY.year - years, 2, 28).isoformat()


async def household_user(client: TestClient) -> tuple[str, dict[str, str]]:
    """Register a user whose profile is HOUSEHOLD (version 2); return their id and auth."""
    email, user = await registered_user(client, prefix="household")
    headers = bearer(await logged_in(client, email))
    put = await client.put("/me/profile", json=HOUSEHOLD, headers=headers)
    assert put.status == 200, await put.text()
    return user["id"], headers


async def profile_of(client: TestClient, headers: dict[str, str]) -> tuple[str, Any]:
    got = await client.get("/me/profile", headers=headers)
    assert got.status == 200
    return got.headers["ETag"], await got.json()


async def test_a_household_put_reads_back_the_same_everywhere(
    client: TestClient, test_secrets: TestSecrets
) -> None:
    user_id, headers = await household_user(client)
    assert await profile_of(client, headers) == ('"v2"', HOUSEHOLD)
    me = await (await client.get("/me", headers=headers)).json()
    assert me["profile"] == HOUSEHOLD
    service = {"Authorization": f"Bearer {test_secrets.internal_token}"}
    # What projections and the ledger read: exactly DESIGN §4's names and values.
    internal = await client.get(f"/internal/users/{user_id}/profile", headers=service)
    assert await internal.json() == HOUSEHOLD
    export = await (await client.get(f"/internal/users/{user_id}/export", headers=service)).json()
    assert export["user"]["profile"] == HOUSEHOLD


async def test_partner_members_left_out_take_their_defaults(client: TestClient) -> None:
    _, headers = await household_user(client)
    body = {**HOUSEHOLD, "partner": {"birth_date": "1980-01-31"}}
    put = await client.put("/me/profile", json=body, headers=headers)
    assert put.status == 200, await put.text()
    assert (await put.json())["partner"] == {
        "name": None,
        "birth_date": "1980-01-31",
        "sex": "unspecified",
        "retirement_age": 65,
        "life_expectancy": 95,
    }


@pytest.mark.parametrize(
    ("partner", "stored_name"),
    [
        ({**PARTNER, "retirement_age": 80, "life_expectancy": 80}, "Charles"),  # retires at the end
        ({**PARTNER, "retirement_age": 0}, "Charles"),  # never works
        ({**PARTNER, "birth_date": years_ago(79), "life_expectancy": 80}, "Charles"),  # 79 < 80
        ({**PARTNER, "name": "\u05e2\u05d3\u05d4"}, "\u05e2\u05d3\u05d4"),  # right-to-left script
        ({**PARTNER, "name": "  Zoe\u0308  "}, "Zo\u00eb"),  # trimmed and NFC, like display_name
    ],
)
async def test_a_partner_at_the_edges_of_the_rules_is_accepted(
    client: TestClient, partner: dict[str, Any], stored_name: str
) -> None:
    _, headers = await household_user(client)
    put = await client.put("/me/profile", json={**HOUSEHOLD, "partner": partner}, headers=headers)
    assert put.status == 200, await put.text()
    assert (await put.json())["partner"] == {**partner, "name": stored_name}


def partner_with(**changes: Any) -> dict[str, Any]:
    return {**HOUSEHOLD, "partner": {**PARTNER, **changes}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**HOUSEHOLD, "sex": ""}, "sex"),
        ({**HOUSEHOLD, "sex": "Female"}, "sex"),
        ({**HOUSEHOLD, "sex": 1}, "sex"),
        ({**HOUSEHOLD, "sex": None}, "sex"),
        ({**HOUSEHOLD, "filing_status": "married"}, "filing_status"),
        ({**HOUSEHOLD, "filing_status": ""}, "filing_status"),
        ({**HOUSEHOLD, "filing_status": True}, "filing_status"),
        ({**HOUSEHOLD, "partner": None}, "filing_status"),  # married_joint without a partner
        ({**HOUSEHOLD, "partner": "Charles"}, "partner"),
        ({**HOUSEHOLD, "partner": [PARTNER]}, "partner"),
        ({**HOUSEHOLD, "partner": {}}, "partner.birth_date"),
        (partner_with(name=""), "partner.name"),
        (partner_with(name="   "), "partner.name"),
        (partner_with(name="\u200b\u200d"), "partner.name"),  # only invisible characters
        (partner_with(name="Charles\u202e"), "partner.name"),  # RIGHT-TO-LEFT OVERRIDE
        (partner_with(name="\u2067Charles\u2069"), "partner.name"),  # bidi isolate
        (partner_with(name="Charles\nBabbage"), "partner.name"),
        (partner_with(name="x" * 101), "partner.name"),
        (partner_with(name=42), "partner.name"),
        (partner_with(birth_date=None), "partner.birth_date"),
        (partner_with(birth_date=(TODAY + timedelta(days=1)).isoformat()), "partner.birth_date"),
        (partner_with(birth_date=TODAY.isoformat()), "partner.birth_date"),
        (partner_with(birth_date="1899-12-31"), "partner.birth_date"),
        (partner_with(birth_date="02/03/1973"), "partner.birth_date"),
        (partner_with(birth_date=0), "partner.birth_date"),  # not a Unix time
        (partner_with(sex="other"), "partner.sex"),
        (partner_with(sex=None), "partner.sex"),
        (partner_with(retirement_age=-1), "partner.retirement_age"),
        (partner_with(retirement_age=121), "partner.retirement_age"),
        (partner_with(retirement_age="67"), "partner.retirement_age"),
        (partner_with(retirement_age=66.5), "partner.retirement_age"),
        (partner_with(life_expectancy=0), "partner.life_expectancy"),
        (partner_with(life_expectancy=121), "partner.life_expectancy"),
        (partner_with(retirement_age=70, life_expectancy=69), "partner.life_expectancy"),
        # 80 today: a plan that ends at 80 (or before) has already ended for them.
        (partner_with(birth_date=years_ago(80), life_expectancy=80), "partner.life_expectancy"),
        (partner_with(birth_date=years_ago(96), retirement_age=60), "partner.life_expectancy"),
        (partner_with(age=50), "partner.age"),  # an unknown member
    ],
)
async def test_a_bad_household_is_a_422_naming_the_field_and_writes_nothing(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    _, headers = await household_user(client)
    response = await client.put("/me/profile", json=body, headers=headers)
    problem = await assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert await profile_of(client, headers) == ('"v2"', HOUSEHOLD)


async def test_a_bad_partner_of_a_married_profile_is_named_alone(client: TestClient) -> None:
    # The partner is there, only invalid: `filing_status` is not blamed for it.
    _, headers = await household_user(client)
    response = await client.put("/me/profile", json=partner_with(sex="x"), headers=headers)
    problem = await assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["partner.sex"]


async def patched(client: TestClient, headers: dict[str, str], patch: object) -> Any:
    response = await client.patch("/me/profile", json=patch, headers=headers)
    assert response.status == 200, await response.text()
    assert await profile_of(client, headers) == ('"v3"', await response.json())
    return await response.json()


async def test_patching_one_partner_member_keeps_the_others(client: TestClient) -> None:
    _, headers = await household_user(client)
    got = await patched(client, headers, {"partner": {"retirement_age": 60, "sex": None}})
    assert got == {**HOUSEHOLD, "partner": {**PARTNER, "retirement_age": 60, "sex": "unspecified"}}


async def test_a_null_member_of_a_partner_patch_resets_it_to_its_default(
    client: TestClient,
) -> None:
    _, headers = await household_user(client)
    got = await patched(client, headers, {"partner": {"name": None, "life_expectancy": None}})
    assert got["partner"] == {**PARTNER, "name": None, "life_expectancy": 95}


async def test_a_null_partner_removes_it_when_filing_single(client: TestClient) -> None:
    _, headers = await household_user(client)
    got = await patched(client, headers, {"partner": None, "filing_status": "single"})
    assert got == {**HOUSEHOLD, "filing_status": "single", "partner": None}


async def test_a_partner_can_be_added_by_patch_with_its_birth_date(client: TestClient) -> None:
    email, _ = await registered_user(client, prefix="household")
    headers = bearer(await logged_in(client, email))
    patch = {"filing_status": "married_joint", "partner": {"birth_date": "1970-07-07"}}
    response = await client.patch("/me/profile", json=patch, headers=headers)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["filing_status"] == "married_joint"
    assert body["partner"] == {
        "name": None,
        "birth_date": "1970-07-07",
        "sex": "unspecified",
        "retirement_age": 65,
        "life_expectancy": 95,
    }


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        # Removing the partner of a married_joint profile: named `filing_status` (docs/API.md).
        ({"partner": None}, "filing_status"),
        ({"partner": "Charles"}, "partner"),
        ({"partner": {"birth_date": None}}, "partner.birth_date"),
        ({"partner": {"birth_date": "2999-01-01"}}, "partner.birth_date"),
        ({"partner": {"name": "Charles\u202e"}}, "partner.name"),
        ({"partner": {"age": 50}}, "partner.age"),
        ({"partner": {"sex": "x"}}, "partner.sex"),
        # Valid alone, not with the stored life expectancy (92): the result is checked whole.
        ({"partner": {"retirement_age": 93}}, "partner.life_expectancy"),
        ({"partner": {"birth_date": years_ago(92)}}, "partner.life_expectancy"),
        ({"filing_status": "jointly"}, "filing_status"),
        ({"sex": "f"}, "sex"),
    ],
)
async def test_a_bad_household_patch_is_a_422_naming_the_field_and_writes_nothing(
    client: TestClient, patch: dict[str, Any], field: str
) -> None:
    _, headers = await household_user(client)
    response = await client.patch("/me/profile", json=patch, headers=headers)
    problem = await assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert await profile_of(client, headers) == ('"v2"', HOUSEHOLD)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"filing_status": "married_joint"}, "filing_status"),
        # A partial partner where none is stored must become a whole one.
        ({"partner": {"name": "Charles"}}, "partner.birth_date"),
    ],
)
async def test_a_patch_that_leaves_a_single_profile_incomplete_is_a_422(
    client: TestClient, patch: dict[str, Any], field: str
) -> None:
    email, _ = await registered_user(client, prefix="household")
    headers = bearer(await logged_in(client, email))
    response = await client.patch("/me/profile", json=patch, headers=headers)
    problem = await assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    etag, profile = await profile_of(client, headers)
    assert (etag, profile["filing_status"], profile["partner"]) == ('"v1"', "single", None)


async def test_nulls_reset_sex_and_filing_status_to_their_defaults(client: TestClient) -> None:
    _, headers = await household_user(client)
    got = await patched(client, headers, {"sex": None, "filing_status": None})
    assert got == {**HOUSEHOLD, "sex": "unspecified", "filing_status": "single"}


async def test_filing_jointly_by_patch_uses_the_stored_partner(client: TestClient) -> None:
    email, _ = await registered_user(client, prefix="household")
    headers = bearer(await logged_in(client, email))
    single = {**HOUSEHOLD, "filing_status": "single"}
    assert (await client.put("/me/profile", json=single, headers=headers)).status == 200
    got = await patched(client, headers, {"filing_status": "married_joint"})
    assert got == HOUSEHOLD
