"""Register → login → me → profile → refresh → logout, through the gateway, every process real."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest

from .conftest import Cluster

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


def register_and_login(cluster: Cluster, http: httpx.Client) -> tuple[str, dict[str, Any]]:
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
    created = http.post(cluster.api("/auth/register"), json={"email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    login = http.post(cluster.api("/auth/login"), json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return email, login.json()


def test_a_user_registers_logs_in_edits_the_profile_refreshes_and_logs_out(
    cluster: Cluster, http: httpx.Client
) -> None:
    email = f"Flow-{uuid.uuid4().hex[:10]}@Example.com"
    created = http.post(cluster.api("/auth/register"), json={"email": email, "password": PASSWORD})
    assert created.status_code == 201
    user_id = created.json()["id"]
    assert created.headers["X-Request-Id"]

    login = http.post(cluster.api("/auth/login"), json={"email": email, "password": PASSWORD})
    assert login.status_code == 200
    pair = login.json()
    auth = {"Authorization": f"Bearer {pair['access_token']}"}

    me = http.get(cluster.api("/me"), headers=auth)
    assert me.status_code == 200
    # The local part is kept as typed; the domain is case-insensitive and stored lower-cased.
    assert me.json()["id"] == user_id and me.json()["email"] == email.replace("Example", "example")

    profile = {
        "display_name": "Grace",
        "birth_date": "1975-12-09",
        "retirement_age": 60,
        "life_expectancy": 90,
        "currency": "GBP",
    }
    put = http.put(cluster.api("/me/profile"), json=profile, headers={**auth, "If-Match": '"v1"'})
    assert put.status_code == 200 and put.headers["ETag"] == '"v2"'
    one_person = {"sex": "unspecified", "filing_status": "single", "partner": None}
    assert http.get(cluster.api("/me/profile"), headers=auth).json() == {**profile, **one_person}

    refreshed = http.post(
        cluster.api("/auth/refresh"), json={"refresh_token": pair["refresh_token"]}
    )
    assert refreshed.status_code == 200
    new_pair = refreshed.json()
    assert (
        http.get(
            cluster.api("/me"), headers={"Authorization": f"Bearer {new_pair['access_token']}"}
        ).status_code
        == 200
    )

    out = http.post(cluster.api("/auth/logout"), json={"refresh_token": new_pair["refresh_token"]})
    assert out.status_code == 204
    after = http.post(
        cluster.api("/auth/refresh"), json={"refresh_token": new_pair["refresh_token"]}
    )
    problem(after, 401)


def test_a_duplicate_email_in_any_letter_case_is_a_409(
    cluster: Cluster, http: httpx.Client
) -> None:
    email, _ = register_and_login(cluster, http)
    again = http.post(
        cluster.api("/auth/register"), json={"email": email.swapcase(), "password": PASSWORD}
    )
    problem(again, 409)


def test_a_wrong_password_is_a_401(cluster: Cluster, http: httpx.Client) -> None:
    email, _ = register_and_login(cluster, http)
    wrong = http.post(
        cluster.api("/auth/login"), json={"email": email, "password": "not the password"}
    )
    problem(wrong, 401)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_missing_tampered_expired_and_unsigned_tokens_are_refused_by_the_gateway(
    cluster: Cluster, http: httpx.Client
) -> None:
    _, pair = register_and_login(cluster, http)
    token = pair["access_token"]
    header_b64, payload_b64, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(token)["kid"]

    tampered = ".".join([header_b64, _b64({**claims, "sub": str(uuid.uuid4())}), signature])
    unsigned = ".".join([_b64({"alg": "none", "typ": "JWT", "kid": kid}), payload_b64, ""])

    def signed(changes: dict[str, Any], *, typ: str = "at+jwt", drop: str = "") -> str:
        """Sign with the deployment's own key: only the verifier's rules can refuse these."""
        payload = {k: v for k, v in {**claims, **changes}.items() if k != drop}
        return jwt.encode(
            payload,
            cluster.secrets.jwt_private_key_pem,
            algorithm="EdDSA",
            headers={"kid": kid, "typ": typ},
        )

    expired = signed({"iat": int(time.time()) - 3600, "exp": int(time.time()) - 60})
    wrong_audience = signed({"aud": "someone-else"})
    # Exactly the documented shape (docs/ARCHITECTURE.md, Authentication), or nothing.
    strict = {
        "audience as a list": signed({"aud": [claims["aud"]]}),
        "no nbf": signed({}, drop="nbf"),
        "typ refresh": signed({}, typ="refresh"),
        "exp as a string": signed({"exp": str(claims["exp"])}),
    }
    cases = {
        "missing": {},
        "not a bearer": {"Authorization": f"Token {token}"},
        "tampered": {"Authorization": f"Bearer {tampered}"},
        "alg none": {"Authorization": f"Bearer {unsigned}"},
        "expired": {"Authorization": f"Bearer {expired}"},
        "wrong audience": {"Authorization": f"Bearer {wrong_audience}"},
        "garbage": {"Authorization": "Bearer abc.def.ghi"},
        **{label: {"Authorization": f"Bearer {forged}"} for label, forged in strict.items()},
    }
    for label, headers in cases.items():
        response = http.get(cluster.api("/me"), headers=headers)
        body = problem(response, 401)
        assert body["type"].endswith("unauthorized"), label
    urls = {  # each service checks the token again (defence in depth)
        "accounts": f"{cluster.service_urls['accounts']}/me",
        "ledger": f"{cluster.service_urls['ledger']}/assets",
        "projections": f"{cluster.service_urls['projections']}/projections",
    }
    for label, forged in strict.items():
        for url in urls.values():
            refused = http.get(url, headers={"Authorization": f"Bearer {forged}"})
            assert refused.status_code == 401, (label, url)
    assert (
        "expired" in problem(http.get(cluster.api("/me"), headers=cases["expired"]), 401)["detail"]
    )


def test_a_rotated_refresh_token_is_refused_and_its_family_revoked(
    cluster: Cluster, http: httpx.Client
) -> None:
    _, first = register_and_login(cluster, http)
    second = http.post(
        cluster.api("/auth/refresh"), json={"refresh_token": first["refresh_token"]}
    ).json()
    # A copy presented by another client: the retry grace is only for the one that rotated it
    # (tests/e2e/test_login_throttles.py covers the retry).
    copy = http.post(
        cluster.api("/auth/refresh"),
        json={"refresh_token": first["refresh_token"]},
        headers={"User-Agent": "another-client/1.0"},
    )
    problem(copy, 401)
    problem(
        http.post(cluster.api("/auth/refresh"), json={"refresh_token": second["refresh_token"]}),
        401,
    )


def test_thirty_failed_logins_in_a_row_end_in_429_with_retry_after(
    cluster: Cluster, http: httpx.Client
) -> None:
    email, _ = register_and_login(cluster, http)
    statuses = []
    for _ in range(30):
        response = http.post(
            cluster.api("/auth/login"), json={"email": email, "password": "guess guess guess"}
        )
        assert response.headers["content-type"].startswith("application/problem+json")
        statuses.append(response.status_code)
    assert set(statuses) <= {401, 429}
    assert statuses[-1] == 429
    last = http.post(cluster.api("/auth/login"), json={"email": email, "password": PASSWORD})
    problem(last, 429)
    assert int(last.headers["Retry-After"]) > 0


def test_internal_routes_are_not_reachable_through_the_gateway(
    cluster: Cluster, http: httpx.Client
) -> None:
    for path in (
        "/api/v1/internal/users",
        "/internal/events",
        "/api/v1/me/../internal/x",
        "/api/v1/me%2F..%2Finternal",
    ):
        response = http.get(f"{cluster.gateway_url}{path}")
        problem(response, 404)


def test_the_gateway_answers_unknown_routes_and_methods_with_problems(
    cluster: Cluster, http: httpx.Client
) -> None:
    problem(http.get(cluster.api("/nothing-here")), 404)
    problem(http.delete(cluster.api("/auth/login")), 405)
    big = http.post(
        cluster.api("/auth/register"),
        content=b'{"email": "' + b"a" * (2 * 1024 * 1024) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    problem(big, 413)


def test_every_process_is_healthy_and_ready(cluster: Cluster, http: httpx.Client) -> None:
    for url in (cluster.gateway_url, *cluster.service_urls.values()):
        assert http.get(f"{url}/healthz").json() == {"status": "ok"}
        assert http.get(f"{url}/readyz").status_code == 200


def test_a_request_id_sent_by_the_client_comes_back(cluster: Cluster, http: httpx.Client) -> None:
    response = http.post(
        cluster.api("/auth/login"),
        json={"email": "x@example.com"},
        headers={"X-Request-Id": "client-req-12345"},
    )
    assert response.headers["X-Request-Id"] == "client-req-12345"
    assert problem(response, 422)["request_id"] == "client-req-12345"
