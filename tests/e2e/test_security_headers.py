"""Security headers on every answer of every process, through the gateway and directly."""

from __future__ import annotations

import uuid

import httpx
import pytest

from nestegg_common.security import API_CONTENT_SECURITY_POLICY

from .conftest import Cluster

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}
API = {**EVERYWHERE, "Content-Security-Policy": API_CONTENT_SECURITY_POLICY}


def assert_headers(response: httpx.Response, expected: dict[str, str]) -> None:
    for name, value in expected.items():
        # Exactly once: the gateway does not repeat what a service already sent.
        assert response.headers.get_list(name) == [value], (str(response.url), name)
    assert "Strict-Transport-Security" not in response.headers  # off by default


def bearer(cluster: Cluster, http: httpx.Client) -> dict[str, str]:
    email = f"headers-{uuid.uuid4().hex[:10]}@example.com"
    http.post(cluster.api("/auth/register"), json={"email": email, "password": PASSWORD})
    login = http.post(cluster.api("/auth/login"), json={"email": email, "password": PASSWORD})
    assert login.status_code == 200
    assert_headers(login, API)
    assert login.headers["Cache-Control"] == "no-store"  # tokens are never cached
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def test_every_process_sends_the_headers_on_health_metrics_and_unknown_routes(
    cluster: Cluster, http: httpx.Client
) -> None:
    for url in (cluster.gateway_url, *cluster.service_urls.values()):
        for path in ("/healthz", "/readyz", "/metrics", "/no-such-route"):
            response = http.get(f"{url}{path}")
            # An unknown route: 404 at the gateway, 401 at a service (token checked first).
            assert response.status_code in {200, 401, 404}, (url, path)
            assert_headers(response, API)


def test_authenticated_answers_are_never_stored_by_caches(
    cluster: Cluster, http: httpx.Client
) -> None:
    auth = bearer(cluster, http)
    through_gateway = {
        "/me": 200,
        "/me/profile": 200,
        "/assets": 200,
        "/ledger/summary": 200,
        "/projections": 200,
        "/dashboard": 200,
        f"/assets/{uuid.uuid4()}": 404,
    }
    for path, status in through_gateway.items():
        response = http.get(cluster.api(path), headers=auth)
        assert response.status_code == status, path
        assert_headers(response, API)
        assert response.headers.get_list("Cache-Control") == ["no-store"], path
    directly = {"accounts": "/me", "ledger": "/assets", "projections": "/projections"}
    for service, path in directly.items():
        response = http.get(f"{cluster.service_urls[service]}{path}", headers=auth)
        assert response.status_code == 200, service
        assert_headers(response, API)
        assert response.headers["Cache-Control"] == "no-store"


def test_errors_carry_the_headers_too(cluster: Cluster, http: httpx.Client) -> None:
    for response in (
        http.get(cluster.api("/me")),  # 401 at the gateway
        http.get(f"{cluster.service_urls['ledger']}/assets"),  # 401 at the service
        http.delete(cluster.api("/auth/login")),  # 405
        http.post(cluster.api("/auth/login"), json={"email": "x"}),  # 422 from accounts
    ):
        assert response.status_code >= 400
        assert_headers(response, API)


def test_a_page_that_sets_its_own_policy_keeps_it(cluster: Cluster, http: httpx.Client) -> None:
    docs = http.get(cluster.api("/docs"))
    assert docs.status_code == 200
    assert_headers(docs, EVERYWHERE)
    (policy,) = docs.headers.get_list("Content-Security-Policy")
    assert policy != API_CONTENT_SECURITY_POLICY and "frame-ancestors 'none'" in policy
    jwks = http.get(f"{cluster.service_urls['accounts']}/.well-known/jwks.json")
    assert jwks.headers.get_list("Cache-Control") == ["public, max-age=300"]
    assert_headers(jwks, API)


def test_cors_is_off_by_default(cluster: Cluster, http: httpx.Client) -> None:
    origin = {"Origin": "https://app.example.com"}
    response = http.get(cluster.api("/openapi.json"), headers=origin)
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]
    preflight = http.options(
        cluster.api("/assets"), headers={**origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
