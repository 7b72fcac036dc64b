"""What logout and refresh-token reuse guarantee, through the gateway (docs/OPERATIONS.md)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import jwt
import pytest

from .conftest import Cluster

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"


def log_in(cluster: Cluster, http: httpx.Client, email: str) -> dict[str, Any]:
    response = http.post(cluster.api("/auth/login"), json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    pair: dict[str, Any] = response.json()
    return pair


def new_account(cluster: Cluster, http: httpx.Client) -> str:
    email = f"sessions-{uuid.uuid4().hex[:10]}@example.com"
    created = http.post(cluster.api("/auth/register"), json={"email": email, "password": PASSWORD})
    assert created.status_code == 201
    return email


def refresh(cluster: Cluster, http: httpx.Client, token: str) -> httpx.Response:
    return http.post(cluster.api("/auth/refresh"), json={"refresh_token": token})


def me(cluster: Cluster, http: httpx.Client, pair: dict[str, Any]) -> int:
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    return http.get(cluster.api("/me"), headers=headers).status_code


def test_access_tokens_live_fifteen_minutes(cluster: Cluster, http: httpx.Client) -> None:
    pair = log_in(cluster, http, new_account(cluster, http))
    claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
    assert pair["expires_in"] == 900 and claims["exp"] - claims["iat"] == 900


def test_logout_ends_that_session_at_once_and_leaves_the_others(
    cluster: Cluster, http: httpx.Client
) -> None:
    email = new_account(cluster, http)
    phone, laptop = log_in(cluster, http, email), log_in(cluster, http, email)
    rotated = refresh(cluster, http, phone["refresh_token"]).json()  # same family as `phone`

    out = http.post(cluster.api("/auth/logout"), json={"refresh_token": phone["refresh_token"]})
    assert out.status_code == 204
    # The whole family is revoked, even its newest token, though logout named an older one.
    assert refresh(cluster, http, rotated["refresh_token"]).status_code == 401
    assert refresh(cluster, http, phone["refresh_token"]).status_code == 401
    # The other login is another family: untouched.
    assert refresh(cluster, http, laptop["refresh_token"]).status_code == 200
    # Access tokens are not revoked: they stay valid until `exp` (at most 15 minutes).
    assert me(cluster, http, rotated) == 200


def test_reusing_a_rotated_refresh_token_ends_its_session(
    cluster: Cluster, http: httpx.Client
) -> None:
    pair = log_in(cluster, http, new_account(cluster, http))
    newer = refresh(cluster, http, pair["refresh_token"]).json()
    newest = refresh(cluster, http, newer["refresh_token"]).json()
    assert refresh(cluster, http, pair["refresh_token"]).status_code == 401  # a stolen copy
    assert refresh(cluster, http, newest["refresh_token"]).status_code == 401  # family revoked


def test_logout_answers_204_whatever_the_token(cluster: Cluster, http: httpx.Client) -> None:
    for token in ("never-issued", "x" * 43):
        response = http.post(cluster.api("/auth/logout"), json={"refresh_token": token})
        assert response.status_code == 204
