"""The profile's currency and display name follow the shared value rules (issue 13, item 7)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from .helpers import assert_problem, bearer, logged_in, registered_user

PROFILE = {"display_name": "Ada", "birth_date": "1980-05-17", "currency": "EUR"}


async def signed_in(client: TestClient) -> dict[str, str]:
    email, _ = await registered_user(client, prefix="values")
    return bearer(await logged_in(client, email))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("currency", "ZZZ"),  # the shape of a code, but no currency
        ("currency", "ABC"),
        ("currency", "XTS"),  # reserved for testing
        ("currency", "XXX"),  # "no currency"
        ("currency", "usd"),
        ("currency", "US"),
        ("display_name", "\u200b"),  # only a zero-width space
        ("display_name", "\u200b\u200c\u200d\u2060\ufeff"),
        ("display_name", " \u3000 "),
        ("display_name", "Ada\u202e"),  # RIGHT-TO-LEFT OVERRIDE
        ("display_name", "\u2067Ada\u2069"),  # RIGHT-TO-LEFT ISOLATE … POP DIRECTIONAL ISOLATE
        ("display_name", "Ada\u0000"),
        ("display_name", "Ada\nLovelace"),
        ("display_name", "Ada\u001b[31m"),
    ],
)
async def test_a_bad_currency_or_display_name_is_a_422_naming_it_and_writes_nothing(
    client: TestClient, field: str, value: str
) -> None:
    headers = await signed_in(client)
    response = await client.put("/me/profile", json={**PROFILE, field: value}, headers=headers)
    body = await assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == [field]
    after = await client.get("/me/profile", headers=headers)
    assert after.headers["ETag"] == '"v1"'


@pytest.mark.parametrize(
    ("field", "sent", "stored"),
    [
        ("currency", "GBP", "GBP"),
        ("currency", "JPY", "JPY"),
        ("currency", "CHF", "CHF"),
        ("display_name", "  Zoe\u0308  ", "Zo\u00eb"),  # trimmed, NFC
        ("display_name", "\u05e2\u05d3\u05d4", "\u05e2\u05d3\u05d4"),  # right-to-left script
        ("display_name", "\U0001f9d1\u200d\U0001f4bb", "\U0001f9d1\u200d\U0001f4bb"),  # joined
    ],
)
async def test_a_good_currency_or_display_name_is_stored_normalised(
    client: TestClient, field: str, sent: str, stored: str
) -> None:
    headers = await signed_in(client)
    response = await client.put("/me/profile", json={**PROFILE, field: sent}, headers=headers)
    assert response.status == 200, await response.text()
    assert (await response.json())[field] == stored
