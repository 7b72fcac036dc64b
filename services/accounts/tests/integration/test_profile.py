"""Reading and replacing the profile, with its checks and ETags."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from aiohttp.test_utils import TestClient

from .helpers import assert_problem, bearer, logged_in, registered_user

PROFILE = {
    "display_name": "Ada",
    "birth_date": "1980-05-17",
    "retirement_age": 62,
    "life_expectancy": 92,
    "currency": "EUR",
}


async def signed_in(client: TestClient) -> dict[str, str]:
    email, _ = await registered_user(client, prefix="profile")
    return bearer(await logged_in(client, email))


async def test_a_new_profile_has_the_documented_defaults(client: TestClient) -> None:
    headers = await signed_in(client)
    response = await client.get("/me/profile", headers=headers)
    assert response.status == 200
    assert response.headers["ETag"] == '"v1"'
    assert await response.json() == {
        "display_name": None,
        "birth_date": None,
        "retirement_age": 65,
        "life_expectancy": 95,
        "currency": "USD",
    }


async def test_putting_a_profile_replaces_it_and_bumps_the_etag(client: TestClient) -> None:
    headers = await signed_in(client)
    put = await client.put("/me/profile", json=PROFILE, headers=headers)
    assert put.status == 200
    assert put.headers["ETag"] == '"v2"'
    assert await put.json() == PROFILE
    got = await client.get("/me/profile", headers=headers)
    assert await got.json() == PROFILE
    me = await (await client.get("/me", headers=headers)).json()
    assert me["profile"] == PROFILE


async def test_a_stale_if_match_is_a_412_and_changes_nothing(client: TestClient) -> None:
    headers = await signed_in(client)
    first = await client.put("/me/profile", json=PROFILE, headers={**headers, "If-Match": '"v1"'})
    assert first.status == 200
    stale = await client.put(
        "/me/profile",
        json={**PROFILE, "display_name": "Bob"},
        headers={**headers, "If-Match": '"v1"'},
    )
    await assert_problem(stale, 412)
    assert (await (await client.get("/me/profile", headers=headers)).json())[
        "display_name"
    ] == "Ada"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"birth_date": (date.today() + timedelta(days=1)).isoformat()}, "birth_date"),
        ({"birth_date": date.today().isoformat()}, "birth_date"),
        ({"birth_date": "1899-12-31"}, "birth_date"),
        ({"birth_date": "17/05/1980"}, "birth_date"),
        ({"retirement_age": 29}, "retirement_age"),
        ({"retirement_age": "62"}, "retirement_age"),
        ({"retirement_age": 62.5}, "retirement_age"),
        ({"life_expectancy": 121}, "life_expectancy"),
        ({"retirement_age": 70, "life_expectancy": 70}, "life_expectancy"),
        ({"currency": "eur"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 101}, "display_name"),
        ({"user_id": "00000000-0000-0000-0000-000000000000"}, "user_id"),
    ],
)
async def test_bad_profile_input_is_a_422_naming_the_field_and_writes_nothing(
    client: TestClient, change: dict, field: str
) -> None:
    headers = await signed_in(client)
    response = await client.put("/me/profile", json={**PROFILE, **change}, headers=headers)
    body = await assert_problem(response, 422)
    assert field in [e["field"] for e in body["errors"]]
    after = await client.get("/me/profile", headers=headers)
    assert after.headers["ETag"] == '"v1"'
