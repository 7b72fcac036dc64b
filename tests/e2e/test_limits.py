"""Limits as a client meets them through the gateway, every process and database real.

Body size (413) on every operation that takes a body, page size, `paths`, text lengths, the
per-user quotas (409, filled through the repositories up to the configured quota) and the
computation rate limit on run, compare and solve (429 with Retry-After).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from ledger import repository as ledger_repository
from ledger.collections import ASSETS
from ledger.domain import fields_to_store
from nestegg_common.db import create_pool
from nestegg_common.settings import with_database
from projections import repository as projections_repository
from projections.engine.plan import Assumptions
from projections.planning import full_assumptions

from .conftest import Cluster

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
MAX_BODY_BYTES = 1024 * 1024
DETERMINISTIC = {"mode": "deterministic", "income_tax_rate": 0, "tax": {"regime": "flat"}}


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


def sign_up(cluster: Cluster, http: httpx.Client) -> tuple[str, dict[str, str]]:
    """Register and log in a new user; return their id and auth header."""
    email = f"limits-{uuid.uuid4().hex[:10]}@example.com"
    created = http.post(cluster.api("/auth/register"), json={"email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    tokens = http.post(cluster.api("/auth/login"), json={"email": email, "password": PASSWORD})
    return created.json()["id"], {"Authorization": f"Bearer {tokens.json()['access_token']}"}


@pytest.fixture(scope="module")
def operations(cluster: Cluster) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (method, path, operation) of the OpenAPI document the gateway serves."""
    document = httpx.get(cluster.api("/openapi.json"), timeout=15).json()
    return [
        (method.upper(), path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)


def test_every_operation_that_takes_a_body_refuses_one_over_the_limit_with_413(
    cluster: Cluster, http: httpx.Client, operations: list[tuple[str, str, dict[str, Any]]]
) -> None:
    _, auth = sign_up(cluster, http)
    with_body = [(m, p) for m, p, op in operations if "requestBody" in op]
    assert {m for m, _ in with_body} == {"POST", "PUT", "PATCH"}
    assert len(with_body) >= 19  # auth ×4, profile, 4 collections × 2, projections, scenarios…
    oversize = b'{"name": "' + b"x" * MAX_BODY_BYTES + b'"}'
    for method, path in with_body:
        response = http.request(
            method,
            cluster.gateway_url + concrete(path),
            content=oversize,
            headers={**auth, "Content-Type": "application/json"},
        )
        body = problem(response, 413)
        assert body["type"] == "urn:nestegg:problem:payload-too-large", (method, path)


def test_a_chunked_body_over_the_limit_is_refused_too(cluster: Cluster, http: httpx.Client) -> None:
    _, auth = sign_up(cluster, http)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the size is only known by reading
        yield b'{"name": "'
        for _ in range(17):
            yield b"x" * 65536
        yield b'"}'

    response = http.post(
        cluster.api("/assets"),
        content=chunks(),
        headers={**auth, "Content-Type": "application/json"},
    )
    problem(response, 413)
    assert http.get(cluster.api("/assets"), headers=auth).json()["items"] == []


def test_every_list_refuses_a_page_size_outside_1_to_200(
    cluster: Cluster, http: httpx.Client, operations: list[tuple[str, str, dict[str, Any]]]
) -> None:
    _, auth = sign_up(cluster, http)
    projection = http.post(cluster.api("/projections"), json={"name": "Pages"}, headers=auth)
    lists = [
        path.replace("{projection_id}", projection.json()["id"])
        for method, path, op in operations
        if method == "GET" and any(p["name"] == "limit" for p in op.get("parameters", []))
    ]
    assert len(lists) == 6  # four collections, projections, scenarios
    for path in lists:
        for limit in ("0", "201", "ten"):
            response = http.get(cluster.gateway_url + path, params={"limit": limit}, headers=auth)
            fields = [e["field"] for e in problem(response, 422)["errors"]]
            assert fields == ["query.limit"], (path, limit)
        assert http.get(
            cluster.gateway_url + path, params={"limit": "200"}, headers=auth
        ).is_success


def test_paths_over_100000_and_text_over_its_maximum_are_422(
    cluster: Cluster, http: httpx.Client
) -> None:
    _, auth = sign_up(cluster, http)
    too_many = http.post(
        cluster.api("/projections"),
        json={"name": "Huge", "assumptions": {"paths": 100_001}},
        headers=auth,
    )
    assert [e["field"] for e in problem(too_many, 422)["errors"]] == ["assumptions.paths"]
    long_texts = {
        "/assets": {"name": "n" * 101, "kind": "cash", "balance": "1"},
        "/expenses": {"name": "Rent", "category": "c" * 51, "amount": "1", "frequency": "annual"},
        "/projections": {"name": "p" * 101},
    }
    for path, body in long_texts.items():
        response = http.post(cluster.api(path), json=body, headers=auth)
        assert len(problem(response, 422)["errors"]) == 1, path
    profile = http.put(cluster.api("/me/profile"), json={"display_name": "d" * 101}, headers=auth)
    assert [e["field"] for e in problem(profile, 422)["errors"]] == ["display_name"]


def service_dsn(cluster: Cluster, service: str) -> str:
    database = cluster.env[f"NESTEGG_{service.upper()}_DATABASE"]
    return with_database(cluster.env["NESTEGG_DATABASE_URL"], database)


async def seed_assets(dsn: str, owner: uuid.UUID, n: int) -> None:
    """Insert `n` assets through the ledger's repository, as POST /assets would."""
    fields = fields_to_store(
        ASSETS, ASSETS.model.model_validate({"name": "Seed", "kind": "cash", "balance": "1"})
    )
    pool = await create_pool(dsn, max_size=1)
    try:
        async with pool.acquire() as conn, conn.transaction():
            for _ in range(n):
                await ledger_repository.insert_record(conn, ASSETS, user_id=owner, fields=fields)
    finally:
        await pool.close()


async def seed_projections(dsn: str, owner: uuid.UUID, n: int, scenarios: int) -> uuid.UUID:
    """Insert `n` projections, the last with `scenarios` scenarios, through the repository."""
    pool = await create_pool(dsn, max_size=1)
    try:
        async with pool.acquire() as conn, conn.transaction():
            assumptions = full_assumptions(Assumptions())
            for i in range(n):
                row = await projections_repository.insert_projection(
                    conn, user_id=owner, name=f"Seed {i}", assumptions=assumptions
                )
            for i in range(scenarios):
                await projections_repository.insert_scenario(
                    conn, user_id=owner, projection_id=row["id"], name=f"What if {i}", overrides={}
                )
        projection_id: uuid.UUID = row["id"]
        return projection_id
    finally:
        await pool.close()


def test_a_create_past_the_ledger_quota_is_a_409_through_the_gateway(
    cluster: Cluster, http: httpx.Client
) -> None:
    user_id, auth = sign_up(cluster, http)
    # NESTEGG_MAX_RECORDS_PER_COLLECTION's default is 200.
    asyncio.run(seed_assets(service_dsn(cluster, "ledger"), uuid.UUID(user_id), 199))
    asset = {"name": "Last one", "kind": "cash", "balance": "1"}
    assert http.post(cluster.api("/assets"), json=asset, headers=auth).status_code == 201
    refused = http.post(cluster.api("/assets"), json=asset, headers=auth)
    body = problem(refused, 409)
    assert body["type"] == "urn:nestegg:problem:quota-exceeded"
    assert body["detail"] == (
        "You already have 200 assets, the most allowed; delete one to add another."
    )
    debt = {**asset, "kind": "other", "interest_rate": 0, "monthly_payment": "0"}
    assert http.post(cluster.api("/debts"), json=debt, headers=auth).status_code == 201


def test_creates_past_the_projection_and_scenario_quotas_are_409s_through_the_gateway(
    cluster: Cluster, http: httpx.Client
) -> None:
    user_id, auth = sign_up(cluster, http)
    # The defaults: 100 projections per user, 50 scenarios per projection.
    dsn = service_dsn(cluster, "projections")
    full = asyncio.run(seed_projections(dsn, uuid.UUID(user_id), 99, scenarios=50))
    assert http.post(cluster.api("/projections"), json={"name": "100th"}, headers=auth).is_success
    refused = http.post(cluster.api("/projections"), json={"name": "101st"}, headers=auth)
    assert problem(refused, 409)["type"] == "urn:nestegg:problem:quota-exceeded"
    scenario = http.post(
        cluster.api(f"/projections/{full}/scenarios"), json={"name": "51st"}, headers=auth
    )
    assert "already has 50 scenarios" in problem(scenario, 409)["detail"]


def test_run_compare_and_solve_past_the_rate_limit_are_429_with_retry_after(
    cluster: Cluster, http: httpx.Client
) -> None:
    _, auth = sign_up(cluster, http)
    profile = {
        "birth_date": f"{date.today().year - 60}-01-01",
        "retirement_age": 62,
        "life_expectancy": 70,
    }
    assert http.put(cluster.api("/me/profile"), json=profile, headers=auth).is_success
    asset = {"name": "Savings", "kind": "cash", "balance": "100000"}
    assert http.post(cluster.api("/assets"), json=asset, headers=auth).is_success
    created = http.post(
        cluster.api("/projections"),
        json={"name": "Rate", "assumptions": DETERMINISTIC},
        headers=auth,
    )
    pid = created.json()["id"]
    run = http.post(cluster.api(f"/projections/{pid}/run"), json={}, headers=auth)
    assert run.status_code == 200 and run.json()["cached"] is False, run.text
    for n in range(29):  # with the run, NESTEGG_RUNS_PER_MINUTE_PER_USER's default (30)
        body = {"target": "retirement_age", "success_rate": 0.5 + n / 100}
        solved = http.post(cluster.api(f"/projections/{pid}/solve"), json=body, headers=auth)
        assert solved.status_code == 200, solved.text
    for _ in range(5):  # issue 19: reading a stored result is not a computation
        run = http.post(cluster.api(f"/projections/{pid}/run"), json={}, headers=auth)
        assert run.status_code == 200 and run.json()["cached"] is True, run.text
    scenario = http.post(
        cluster.api(f"/projections/{pid}/scenarios"),
        json={"name": "Later", "overrides": {"retirement_age": 64}},
        headers=auth,
    )
    assert scenario.status_code == 201, scenario.text
    computations = {
        "run": {"scenario_id": scenario.json()["id"]},  # not stored: a computation
        "compare": {},  # the scenario is not stored
        "solve": {"target": "retirement_age", "success_rate": 0.9},
    }
    for name, body in computations.items():
        response = http.post(cluster.api(f"/projections/{pid}/{name}"), json=body, headers=auth)
        assert problem(response, 429)["type"] == "urn:nestegg:problem:too-many-requests", name
        assert 1 <= int(response.headers["Retry-After"]) <= 60, name
