"""Small helpers for the accounts tests."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp.test_utils import TestClient

PASSWORD = "correct horse battery"


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


async def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status == status, await response.text()
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = await response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"].startswith("urn:nestegg:problem:")
    return body


async def registered_user(
    client: TestClient, *, prefix: str = "user"
) -> tuple[str, dict[str, Any]]:
    email = unique_email(prefix)
    response = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status == 201
    return email, await response.json()


async def logged_in(client: TestClient, email: str) -> dict[str, Any]:
    response = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status == 200, await response.text()
    pair: dict[str, Any] = await response.json()
    return pair


def bearer(pair: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair['access_token']}"}
