"""Every process's JSON logs and `/metrics`, with every process real."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from nestegg_common.testing.rawhttp import exchange, port_of

from .conftest import Cluster

pytestmark = pytest.mark.e2e

# Distinctive enough that finding them anywhere in a log can only mean they leaked.
BALANCE = "8675309.42"
PASSWORD = "correct horse battery"


def log_lines(cluster: Cluster) -> list[dict[str, Any]]:
    lines = []
    for path in sorted(cluster.logs_dir.glob("*.log")):
        for line in path.read_text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
    return lines


def access_lines(cluster: Cluster, request_id: str, count: int) -> list[dict[str, Any]]:
    """Wait for `count` access lines of `request_id` (each process logs its own)."""
    deadline = time.monotonic() + 10.0
    while True:
        found = [
            e
            for e in log_lines(cluster)
            if e["logger"] == "nestegg.access" and e["request_id"] == request_id
        ]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_no_password_token_or_amount_reaches_the_logs_or_the_spans(
    cluster: Cluster, http: httpx.Client
) -> None:
    email = f"secret-{uuid.uuid4().hex[:10]}@example.com"
    password = f"pw-{uuid.uuid4().hex}"
    credentials = {"email": email, "password": password}
    assert http.post(cluster.api("/auth/register"), json=credentials).status_code == 201
    pair = http.post(cluster.api("/auth/login"), json=credentials).json()
    refreshed = http.post(
        cluster.api("/auth/refresh"), json={"refresh_token": pair["refresh_token"]}
    )
    assert refreshed.status_code == 200
    auth = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    request_id = f"secrets-{uuid.uuid4().hex}"
    asset = {"name": "Savings", "kind": "cash", "balance": BALANCE}
    created = http.post(
        cluster.api("/assets"), json=asset, headers={**auth, "X-Request-Id": request_id}
    )
    assert created.status_code == 201, created.text
    assert http.get(cluster.api(f"/assets/{created.json()['id']}"), headers=auth).status_code == 200
    access_lines(cluster, request_id, count=2)  # gateway and ledger have written theirs

    written = "\n".join(
        path.read_text() for path in sorted(cluster.logs_dir.iterdir()) if path.is_file()
    )
    assert "nestegg.access" in written  # the logs were captured at all
    secrets = {
        "password": password,
        "access token": pair["access_token"],
        "refreshed access token": refreshed.json()["access_token"],
        "refresh token": pair["refresh_token"],
        "rotated refresh token": refreshed.json()["refresh_token"],
        "balance": BALANCE,
        "balance without cents": BALANCE.split(".")[0],
        "internal token": cluster.secrets.internal_token,
    }
    leaked = [name for name, value in secrets.items() if value in written]
    assert leaked == []


def log_offsets(cluster: Cluster) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in cluster.logs_dir.glob("*.log")}


def lines_since(cluster: Cluster, offsets: dict[str, int]) -> list[str]:
    """Return the log lines every process wrote after `offsets` was taken."""
    lines = []
    for path in sorted(cluster.logs_dir.glob("*.log")):
        with path.open("rb") as f:
            f.seek(offsets.get(path.name, 0))
            lines += f.read().decode(errors="replace").splitlines()
    return lines


def malformed_requests(
    host: str, prefix: str, token: str, marker: str
) -> dict[str, tuple[str, str]]:
    """Requests no HTTP client sends, each carrying a bearer token and a marked header.

    Each is (first packet, second packet or ""): a bad request after a good one on the same
    connection (aiohttp logs a first bad method at DEBUG only), a bad chunk after the head.
    """
    head = f"Host: {host}\r\nAuthorization: Bearer {token}\r\nX-Marker: {marker}\r\n"
    me = f"GET {prefix}/me HTTP/1.1\r\n{head}"
    chunked = (
        f"POST {prefix}/assets HTTP/1.1\r\n{head}Content-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    return {
        "bare CR in a header": (f"{me}X-Bad: a\rb\r\n\r\n", ""),
        "bare LF in a header": (f"{me}X-Bad: a\nb\r\n\r\n", ""),
        "over-long header": (f"{me}X-Long: {'a' * 20000}\r\n\r\n", ""),
        "bad method": (
            f"GET /healthz HTTP/1.1\r\n{head}\r\n",
            f"G@T {prefix}/me HTTP/1.1\r\n{head}\r\n",
        ),
        "bad chunking": (f"{chunked}zz\r\n{{}}\r\n0\r\n\r\n", ""),
        # The handler is reading the body (ledger, gateway) or has answered without (404).
        "bad chunk after the head": (chunked, "zz\r\n{}\r\n0\r\n\r\n"),
        "two content lengths": (
            f"POST {prefix}/assets HTTP/1.1\r\n{head}Content-Length: 2\r\n"
            "Content-Length: 3\r\n\r\n{}",
            "",
        ),
    }


def test_malformed_requests_are_one_info_line_without_header_values_in_every_process(
    cluster: Cluster, http: httpx.Client
) -> None:
    credentials = {"email": f"raw-{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD}
    assert http.post(cluster.api("/auth/register"), json=credentials).status_code == 201
    token = http.post(cluster.api("/auth/login"), json=credentials).json()["access_token"]
    marker = f"marker-{uuid.uuid4().hex}"
    offsets = log_offsets(cluster)
    urls = {"gateway": cluster.gateway_url, **cluster.service_urls}
    sent = 0
    for name, url in urls.items():
        host, prefix = url.removeprefix("http://"), "/api/v1" if name == "gateway" else ""
        for case, (first, second) in malformed_requests(host, prefix, token, marker).items():
            answer = exchange(port_of(url), first.encode(), then=second.encode())
            # The status line of the last answer on the connection: a 4xx, never a 5xx.
            statuses = re.findall(rb"HTTP/1\.[01] (\d{3}) ", answer)
            assert statuses and statuses[-1].startswith(b"4"), (name, case, answer[:300])
            sent += 1

    deadline = time.monotonic() + 10.0
    while True:
        written = lines_since(cluster, offsets)
        refused = [line for line in written if "malformed request" in line]
        if len(refused) >= sent or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(refused) == sent, "\n".join(written)
    for line in written:
        assert token not in line and marker not in line, line
        assert "Bearer" not in line and "X-Bad" not in line and "aaaa" not in line, line
        assert "Traceback" not in line and '"exception"' not in line, line
        if line.startswith("{"):
            assert json.loads(line)["level"] in ("DEBUG", "INFO"), line
    for line in refused:
        assert json.loads(line)["level"] == "INFO"


def test_access_lines_carry_request_id_route_status_duration_and_one_trace_id(
    cluster: Cluster, http: httpx.Client
) -> None:
    request_id = f"access-{uuid.uuid4().hex}"
    credentials = {
        "email": f"log-{uuid.uuid4().hex[:10]}@example.com",
        "password": "correct horse battery",
    }
    answer = http.post(
        cluster.api("/auth/register"), json=credentials, headers={"X-Request-Id": request_id}
    )
    assert answer.status_code == 201
    lines = {e["service"]: e for e in access_lines(cluster, request_id, count=2)}
    gateway, accounts = lines["gateway"], lines["accounts"]
    assert gateway["route"] == "/api/v1/auth/{action}"
    assert accounts["route"] == "/auth/register"
    for entry in (gateway, accounts):
        assert entry["status"] == 201 and entry["method"] == "POST"
        assert entry["duration_ms"] >= 0
        assert len(entry["trace_id"]) == 32 and len(entry["span_id"]) == 16
    assert gateway["trace_id"] == accounts["trace_id"]
    assert gateway["span_id"] != accounts["span_id"]


def scrape(url: str, token: str) -> dict[str, dict[frozenset[tuple[str, str]], float]]:
    """Scrape as Prometheus does: with the service token as a bearer token."""
    response = httpx.get(
        f"{url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=5.0
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    found: dict[str, dict[frozenset[tuple[str, str]], float]] = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            found.setdefault(s.name, {})[frozenset(s.labels.items())] = s.value
    return found


def test_every_process_serves_its_metrics_and_they_move(
    cluster: Cluster, http: httpx.Client
) -> None:
    urls = {**cluster.service_urls, "gateway": cluster.gateway_url}
    scraper = cluster.secrets.internal_token
    before = {name: scrape(url, scraper) for name, url in urls.items()}
    for name, metrics in before.items():
        assert "nestegg_http_request_duration_seconds_count" in metrics, name
        assert "nestegg_http_requests_in_flight" in metrics, name
        if name != "gateway":
            (pool_max,) = metrics["nestegg_db_pool_max"].values()
            assert pool_max >= 1, name
            assert (
                "nestegg_db_pool_in_use" in metrics and "nestegg_db_slow_queries_total" in metrics
            )
    assert "nestegg_db_pool_size" not in before["gateway"]
    assert "nestegg_outbox_pending_deliveries" in before["accounts"]
    assert "nestegg_outbox_oldest_pending_age_seconds" in before["accounts"]
    for name in ("cache_hits_total", "cache_misses_total", "run_duration_seconds_count"):
        assert f"nestegg_projection_{name}" in before["projections"]

    credentials = {
        "email": f"m-{uuid.uuid4().hex[:10]}@example.com",
        "password": "correct horse battery",
    }
    assert http.post(cluster.api("/auth/register"), json=credentials).status_code == 201
    token = http.post(cluster.api("/auth/login"), json=credentials).json()["access_token"]
    listed = http.get(cluster.api("/assets"), headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200

    def served(metrics: dict[str, Any], route: str) -> float:
        labels = frozenset({"method": "GET", "route": route, "status": "200"}.items())
        return float(metrics["nestegg_http_request_duration_seconds_count"].get(labels, 0.0))

    after = {name: scrape(url, scraper) for name, url in urls.items()}
    assert (
        served(after["gateway"], "/api/v1/assets")
        == served(before["gateway"], "/api/v1/assets") + 1
    )
    assert served(after["ledger"], "/assets") == served(before["ledger"], "/assets") + 1


def test_the_gateway_does_not_proxy_metrics(cluster: Cluster, http: httpx.Client) -> None:
    assert http.get(cluster.api("/metrics")).status_code == 404


def test_metrics_are_refused_to_anyone_without_the_service_token(
    cluster: Cluster, http: httpx.Client
) -> None:
    credentials = {"email": f"scr-{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD}
    assert http.post(cluster.api("/auth/register"), json=credentials).status_code == 201
    user_token = http.post(cluster.api("/auth/login"), json=credentials).json()["access_token"]
    for url in (cluster.gateway_url, *cluster.service_urls.values()):
        for headers in ({}, {"Authorization": f"Bearer {user_token}"}):
            answer = http.get(f"{url}/metrics", headers=headers)
            assert answer.status_code == 401, (url, headers)
            assert "nestegg_http" not in answer.text


def test_projection_runs_count_cache_hits_and_misses(cluster: Cluster, http: httpx.Client) -> None:
    credentials = {"email": f"run-{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD}
    assert http.post(cluster.api("/auth/register"), json=credentials).status_code == 201
    token = http.post(cluster.api("/auth/login"), json=credentials).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    profile = {"birth_date": "1985-01-01", "retirement_age": 65, "life_expectancy": 90}
    assert http.put(cluster.api("/me/profile"), json=profile, headers=auth).status_code == 200
    assumptions = {"mode": "deterministic", "stock_return": 0.05, "inflation": 0.02}
    created = http.post(
        cluster.api("/projections"),
        json={"name": "Counted", "assumptions": assumptions},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    run_url = cluster.api(f"/projections/{created.json()['id']}/run")

    def counts() -> tuple[float, float, float]:
        metrics = scrape(cluster.service_urls["projections"], cluster.secrets.internal_token)
        return (
            metrics["nestegg_projection_cache_misses_total"][frozenset()],
            metrics["nestegg_projection_cache_hits_total"][frozenset()],
            metrics["nestegg_projection_run_duration_seconds_count"][frozenset()],
        )

    misses, hits, timed = counts()
    assert http.post(run_url, json={}, headers=auth).json()["cached"] is False
    assert http.post(run_url, json={}, headers=auth).json()["cached"] is True
    assert counts() == (misses + 1, hits + 1, timed + 1)
