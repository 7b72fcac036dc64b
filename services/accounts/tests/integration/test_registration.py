"""Registering accounts against a real PostgreSQL: good and bad input."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiohttp.test_utils import TestClient

from .helpers import PASSWORD, assert_problem, unique_email


async def test_registering_returns_the_new_account(client: TestClient) -> None:
    email = unique_email()
    response = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status == 201
    body = await response.json()
    assert set(body) == {"id", "email", "created_at"}
    assert body["email"] == email
    uuid.UUID(body["id"])


async def test_a_duplicate_email_in_another_letter_case_is_a_conflict(client: TestClient) -> None:
    email = unique_email("Case")
    first = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert first.status == 201
    again = await client.post("/auth/register", json={"email": email.upper(), "password": PASSWORD})
    body = await assert_problem(again, 409)
    assert "already exists" in body["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "", "password": PASSWORD}, "email"),
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": 42, "password": PASSWORD}, "email"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": 123456789012}, "password"),
        ({"email": "a@example.com", "password": "x" * 257}, "password"),
        ({"email": ("x" * 250) + "@example.com", "password": PASSWORD}, "email"),
        ({"password": PASSWORD}, "email"),
        ({"email": "a@example.com"}, "password"),
        ({"email": "a@example.com", "password": PASSWORD, "is_admin": True}, "is_admin"),
    ],
)
async def test_bad_registration_input_is_a_422_naming_the_field(
    client: TestClient, payload: dict, field: str
) -> None:
    response = await client.post("/auth/register", json=payload)
    body = await assert_problem(response, 422)
    assert field in [e["field"] for e in body["errors"]]


async def test_malformed_json_is_a_400(client: TestClient) -> None:
    response = await client.post(
        "/auth/register", data=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    body = await assert_problem(response, 400)
    assert "not valid JSON" in body["detail"]


async def test_a_json_array_body_is_a_422(client: TestClient) -> None:
    response = await client.post("/auth/register", json=[1, 2])
    await assert_problem(response, 422)


async def test_a_body_that_is_not_json_is_a_415(client: TestClient) -> None:
    response = await client.post(
        "/auth/register", data="email=a", headers={"Content-Type": "text/plain"}
    )
    await assert_problem(response, 415)


async def test_a_huge_body_is_a_413(client: TestClient) -> None:
    huge = b'{"email": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = await client.post(
        "/auth/register", data=huge, headers={"Content-Type": "application/json"}
    )
    await assert_problem(response, 413)


async def test_concurrent_registrations_of_one_email_create_one_account(client: TestClient) -> None:
    email = unique_email("race")
    responses = await asyncio.gather(
        *(
            client.post("/auth/register", json={"email": email, "password": PASSWORD})
            for _ in range(5)
        )
    )
    statuses = sorted(r.status for r in responses)
    assert statuses == [201, 409, 409, 409, 409]
