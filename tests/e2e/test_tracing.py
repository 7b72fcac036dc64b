"""One client request is one trace: gateway → service → database, every process real.

The cluster runs with `NESTEGG_OTEL_EXPORTER=file`: each process appends its spans to one
JSON-lines file, which these tests read back.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .conftest import Cluster

pytestmark = pytest.mark.e2e

Span = dict[str, Any]
PASSWORD = "correct horse battery"


def sign_up(cluster: Cluster, http: httpx.Client) -> dict[str, str]:
    """Register, log in and set a profile; return the auth header."""
    email = f"trace-{uuid.uuid4().hex[:10]}@example.com"
    credentials = {"email": email, "password": PASSWORD}
    assert http.post(cluster.api("/auth/register"), json=credentials).status_code == 201
    tokens = http.post(cluster.api("/auth/login"), json=credentials).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    profile = {"birth_date": "1985-01-01", "retirement_age": 65, "life_expectancy": 90}
    assert http.put(cluster.api("/me/profile"), json=profile, headers=auth).status_code == 200
    return auth


def read_spans(cluster: Cluster) -> list[Span]:
    if not cluster.spans_file.exists():
        return []
    return [json.loads(line) for line in cluster.spans_file.read_text().splitlines() if line]


def wait_for_trace(
    cluster: Cluster, done: Callable[[list[Span]], bool], *, timeout_s: float = 10.0
) -> list[Span]:
    """Poll the spans file until `done(spans)`: a server span ends just after its response."""
    deadline = time.monotonic() + timeout_s
    while True:
        spans = read_spans(cluster)
        if done(spans):
            return spans
        assert time.monotonic() < deadline, "the expected spans never arrived"
        time.sleep(0.1)


def trace_of_request(cluster: Cluster, request_id: str, *, service: str, route: str) -> list[Span]:
    """Return the spans of the trace whose `service` server span served `request_id`."""

    def root(spans: list[Span]) -> Span | None:
        return next(
            (
                s
                for s in spans
                if s["service.name"] == "gateway"
                and s["kind"] == "SERVER"
                and s["attributes"].get("nestegg.request_id") == request_id
            ),
            None,
        )

    def served(spans: list[Span]) -> bool:
        top = root(spans)
        return top is not None and any(
            s["trace_id"] == top["trace_id"]
            and s["service.name"] == service
            and s["kind"] == "SERVER"
            and s["attributes"].get("http.route") == route
            for s in spans
        )

    spans = wait_for_trace(cluster, served)
    top = root(spans)
    assert top is not None
    return [s for s in spans if s["trace_id"] == top["trace_id"]]


def one(spans: list[Span], **where: Any) -> Span:
    """Return the one span matching `where` (keys `service`, `kind`, `name`, `parent`)."""
    keys = {"service": "service.name", "parent": "parent_span_id"}
    found = [s for s in spans if all(s[keys.get(k, k)] == v for k, v in where.items())]
    assert len(found) == 1, (where, [(s["service.name"], s["kind"], s["name"]) for s in spans])
    return found[0]


def children(spans: list[Span], parent: Span, **where: Any) -> list[Span]:
    keys = {"service": "service.name"}
    return [
        s
        for s in spans
        if s["parent_span_id"] == parent["span_id"]
        and all(s[keys.get(k, k)] == v for k, v in where.items())
    ]


def test_listing_assets_is_one_trace_from_the_gateway_to_the_ledgers_database(
    cluster: Cluster, http: httpx.Client
) -> None:
    auth = sign_up(cluster, http)
    request_id = f"trace-{uuid.uuid4().hex}"
    response = http.get(cluster.api("/assets"), headers={**auth, "X-Request-Id": request_id})
    assert response.status_code == 200, response.text

    spans = trace_of_request(cluster, request_id, service="ledger", route="/assets")
    gateway = one(spans, service="gateway", kind="SERVER", parent=None)
    assert gateway["name"] == "GET /api/v1/assets"
    assert gateway["attributes"]["http.response.status_code"] == 200
    # The gateway's proxy call: the one client span whose child is the ledger's server span.
    ledger = one(spans, service="ledger", kind="SERVER", name="GET /assets")
    proxy = one(spans, service="gateway", kind="CLIENT", parent=gateway["span_id"])
    assert ledger["parent_span_id"] == proxy["span_id"]
    assert ledger["attributes"]["nestegg.request_id"] == request_id
    queries = children(spans, ledger, service="ledger", kind="CLIENT")
    sql = [q for q in queries if "FROM assets" in q["attributes"].get("db.statement", "")]
    assert sql, [q["name"] for q in queries]
    assert sql[0]["attributes"]["db.system"] == "postgresql"
    assert not any("parameters" in key for q in queries for key in q["attributes"])


def test_a_projection_runs_fetches_from_accounts_and_ledger_are_in_its_trace(
    cluster: Cluster, http: httpx.Client
) -> None:
    auth = sign_up(cluster, http)
    asset = {"name": "Fund", "kind": "taxable", "balance": "1000.00", "stock_allocation": 1}
    assert http.post(cluster.api("/assets"), json=asset, headers=auth).status_code == 201
    assumptions = {"mode": "deterministic", "stock_return": 0.05, "inflation": 0.02}
    created = http.post(
        cluster.api("/projections"),
        json={"name": "Traced", "assumptions": assumptions},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    request_id = f"trace-{uuid.uuid4().hex}"
    run = http.post(
        cluster.api(f"/projections/{created.json()['id']}/run"),
        json={},
        headers={**auth, "X-Request-Id": request_id},
    )
    assert run.status_code == 200, run.text

    route = "/projections/{projection_id}/run"
    spans = trace_of_request(cluster, request_id, service="projections", route=route)
    projections = one(spans, service="projections", kind="SERVER", name=f"POST {route}")
    by_id = {s["span_id"]: s for s in spans}
    for service, name in (
        ("accounts", "GET /internal/users/{user_id}/profile"),
        ("ledger", "GET /internal/users/{user_id}/snapshot"),
    ):
        upstream = one(spans, service=service, kind="SERVER", name=name)
        call = by_id[upstream["parent_span_id"]]
        assert (call["service.name"], call["kind"]) == ("projections", "CLIENT")
        assert call["parent_span_id"] == projections["span_id"]
        assert children(spans, upstream, service=service, kind="CLIENT"), "its SQL is traced"


def test_an_outbox_delivery_is_one_trace_from_accounts_to_each_subscribers_database(
    cluster: Cluster, http: httpx.Client
) -> None:
    auth = sign_up(cluster, http)
    started_ns = time.time_ns()
    assert http.delete(cluster.api("/me"), headers=auth).status_code == 204

    def served_deliveries(spans: list[Span], subscriber: str) -> list[tuple[Span, Span]]:
        """Return (delivery span, subscriber's server span) of deliveries since the DELETE."""
        by_id = {s["span_id"]: s for s in spans}
        found = []
        for served in spans:
            post = by_id.get(served["parent_span_id"] or "")
            delivery = post and by_id.get(post["parent_span_id"] or "")
            if (
                delivery
                and served["service.name"] == subscriber
                and served["name"] == "POST /internal/events"
                and delivery["name"] == "outbox deliver user.deleted"
                and delivery["start_time_ns"] >= started_ns
            ):
                found.append((delivery, served))
        return found

    spans = wait_for_trace(
        cluster,
        lambda spans: all(served_deliveries(spans, s) for s in ("ledger", "projections")),
        timeout_s=15.0,
    )
    for subscriber in ("ledger", "projections"):
        delivery, served = served_deliveries(spans, subscriber)[0]
        assert (delivery["service.name"], delivery["kind"]) == ("accounts", "PRODUCER")
        assert delivery["parent_span_id"] is None  # each delivery is a trace of its own
        assert delivery["attributes"]["messaging.destination.name"] == subscriber
        assert served["trace_id"] == delivery["trace_id"]
        assert children(spans, served, service=subscriber, kind="CLIENT"), "its SQL is traced"
