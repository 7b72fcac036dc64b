"""Fixtures of the hardening suite: the e2e cluster, users made through the public API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ..e2e.conftest import Cluster, cluster, http

__all__ = ["Cluster", "User", "cluster", "http"]

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class User:
    """A registered, logged-in user."""

    id: str
    email: str
    access_token: str
    refresh_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def sign_up(client: httpx.Client, api: str, label: str) -> User:
    """Register and log in a new user through the gateway."""
    email = f"{label}-{uuid.uuid4().hex[:10]}@example.com"
    credentials = {"email": email, "password": PASSWORD}
    created = client.post(f"{api}/auth/register", json=credentials)
    assert created.status_code == 201, created.text
    login = client.post(f"{api}/auth/login", json=credentials)
    assert login.status_code == 200, login.text
    pair: dict[str, Any] = login.json()
    return User(created.json()["id"], email, pair["access_token"], pair["refresh_token"])


@pytest.fixture(scope="module")
def document(cluster: Cluster) -> dict[str, Any]:
    """The OpenAPI document the gateway serves."""
    with httpx.Client(timeout=15.0) as client:
        answer = client.get(cluster.api("/openapi.json"))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert not body.get("x-nestegg-unavailable"), body.get("x-nestegg-unavailable")
    return body
