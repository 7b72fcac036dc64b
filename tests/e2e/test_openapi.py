"""The OpenAPI document matches what the gateway really serves, every process real.

Every route the gateway registers under /api/v1 must be documented, every documented operation
must be routed, and every documented operation, called for real, must answer with a status (and
body and headers) the document lists for it.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from aiohttp import web
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from gateway.app import create_app
from gateway.settings import GatewaySettings

from .conftest import Cluster
from .schema_samples import resolve, sample

pytestmark = pytest.mark.e2e

PREFIX = "/api/v1"
PASSWORD = "correct horse battery"

# Gateway routes that may be served without being documented yet: the projections service and
# the gateway's own aggregates are being written. Empty this as each part documents itself
# (the test fails when a listed prefix is fully documented, so the list cannot go stale).
NOT_YET_DOCUMENTED: tuple[str, ...] = ()

# Services whose fragment may be missing from the document while their routes are allow-listed.
MAY_BE_UNAVAILABLE = {"projections"} if NOT_YET_DOCUMENTED else set()

_PARAM = re.compile(r"\{[^}]+\}")
_GROUP = re.compile(r"\(\?P<(\w+)>([^()]*)\)")
_LITERALS = re.compile(r"^[\w.-]+(\|[\w.-]+)*$")
_METHODS = ("get", "put", "post", "patch", "delete")
Endpoint = tuple[str, str]  # (method, path template with every {param} written `{}`)


def normalised(path: str) -> str:
    return _PARAM.sub("{}", path)


def expansions(resource: web.AbstractResource) -> list[str]:
    """Return the paths a route serves: one per alternative of a `{name:a|b}` segment."""
    info = resource.get_info()
    if "path" in info:
        return [info["path"]]
    choices = {
        name: body.split("|") if _LITERALS.match(body) else ["{}"]
        for name, body in _GROUP.findall(info["pattern"].pattern)
    }
    names = list(choices)
    return [
        info["formatter"].format(**dict(zip(names, values, strict=True)))
        for values in itertools.product(*(choices[n] for n in names))
    ]


def gateway_endpoints() -> set[Endpoint]:
    """Return every (method, path) the gateway routes under /api/v1, read from its router."""
    app = create_app(GatewaySettings())
    served = set()
    for route in app.router.routes():
        if route.method in ("HEAD", "*") or not route.resource:
            continue
        for path in expansions(route.resource):
            if path.startswith(PREFIX + "/"):
                served.add((route.method.lower(), normalised(path)))
    return served


def documented_endpoints(document: dict[str, Any]) -> set[Endpoint]:
    return {
        (method, normalised(path))
        for path, methods in document["paths"].items()
        for method in methods
        if method in _METHODS
    }


@pytest.fixture(scope="module")
def document(cluster: Cluster) -> dict[str, Any]:
    with httpx.Client(timeout=15.0) as client:
        answer = client.get(cluster.api("/openapi.json"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture
def access_token(cluster: Cluster, http: httpx.Client) -> str:
    email = f"openapi-{uuid.uuid4().hex[:10]}@example.com"
    credentials = {"email": email, "password": PASSWORD}
    assert http.post(cluster.api("/auth/register"), json=credentials).status_code == 201
    login = http.post(cluster.api("/auth/login"), json=credentials)
    assert login.status_code == 200, login.text
    token: str = login.json()["access_token"]
    return token


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1.")
    validate(document)
    # Every service's part is there; a gap would name itself here.
    assert set(document.get("x-nestegg-unavailable", ())) <= MAY_BE_UNAVAILABLE


def test_the_served_document_names_its_server_and_describes_itself(
    document: dict[str, Any],
) -> None:
    # tests/test_api_document.py checks the same of the document built offline, in detail.
    assert document["servers"][0]["url"] == "/"
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        for prop, body in schema.get("properties", {}).items():
            assert body.get("description"), f"{name}.{prop} has no description"
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if "requestBody" in operation:
                assert "example" in operation["requestBody"]["content"]["application/json"], (
                    f"{method.upper()} {path}"
                )


def test_services_serve_their_fragment_only_to_callers_with_the_service_token(
    cluster: Cluster, http: httpx.Client
) -> None:
    for name in ("accounts", "ledger", "projections"):
        url = cluster.service_urls[name] + "/internal/openapi.json"
        assert http.get(url).status_code == 401
        wrong = http.get(url, headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401
        answer = http.get(
            url, headers={"Authorization": f"Bearer {cluster.secrets.internal_token}"}
        )
        assert answer.status_code == 200, answer.text
        validate(answer.json())
    assert http.get(cluster.api("/internal/openapi.json")).status_code == 404


def test_every_route_the_gateway_serves_is_documented(document: dict[str, Any]) -> None:
    served, documented = gateway_endpoints(), documented_endpoints(document)
    undocumented = {
        (method, path)
        for method, path in served - documented
        if not path.startswith(NOT_YET_DOCUMENTED)
    }
    assert not undocumented, f"routes missing from the OpenAPI document: {sorted(undocumented)}"
    for prefix in NOT_YET_DOCUMENTED:
        under = {e for e in served if e[1].startswith(prefix)}
        assert not under or not under <= documented, (
            f"{prefix} is fully documented now: remove it from NOT_YET_DOCUMENTED"
        )


def test_every_documented_operation_is_routed_by_the_gateway(document: dict[str, Any]) -> None:
    unrouted = documented_endpoints(document) - gateway_endpoints()
    assert not unrouted, f"documented but not served: {sorted(unrouted)}"


def operations_in_call_order(document: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """Yield (method, path, operation): creations first (parents before children), then reads
    and changes, then deletions (children first), and erasing the user last of all."""

    def order(item: tuple[str, str, Any]) -> tuple[int, int]:
        method, path, _ = item
        depth = path.count("/")
        if method == "delete":
            return (3, 0) if path == f"{PREFIX}/me" else (2, -depth)
        return (0, depth) if method == "post" else (1, depth)

    found = [
        (method, path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if method in _METHODS
    ]
    yield from sorted(found, key=order)


def concrete_path(template: str, created: dict[str, str]) -> str:
    """Fill each `{param}` with the id last created under the path before it, else a new uuid."""
    path = ""
    for segment in template.strip("/").split("/"):
        path += "/" + (
            created.get(path, str(uuid.uuid4())) if _PARAM.fullmatch(segment) else segment
        )
    return path


def check_answer(
    document: dict[str, Any], method: str, template: str, operation: Any, answer: httpx.Response
) -> None:
    where = f"{method.upper()} {template} → {answer.status_code}: {answer.text[:300]}"
    assert answer.status_code < 500 and answer.status_code != 405, where
    documented = operation["responses"].get(str(answer.status_code))
    assert documented is not None, f"undocumented status: {where}"
    for name, header in documented.get("headers", {}).items():
        if resolve(document, header).get("required"):
            assert name in answer.headers, f"missing header {name}: {where}"
    content = documented.get("content", {})
    if not content:
        assert not answer.content, f"a body where none is documented: {where}"
        return
    media_type = answer.headers["content-type"].split(";")[0].strip()
    assert media_type in content, f"content type {media_type} not documented: {where}"
    if media_type.endswith("json"):
        schema = {**content[media_type]["schema"], "components": document["components"]}
        errors = [e.message for e in OAS31Validator(schema).iter_errors(answer.json())]
        assert not errors, f"body does not match the document ({errors[:3]}): {where}"


def test_every_documented_operation_answers_as_documented(
    cluster: Cluster, http: httpx.Client, document: dict[str, Any], access_token: str
) -> None:
    created: dict[str, str] = {}
    called = 0
    for method, template, operation in operations_in_call_order(document):
        path = concrete_path(template, created)
        headers = {"Authorization": f"Bearer {access_token}"} if operation["security"] else {}
        kwargs: dict[str, Any] = {"headers": headers}
        if "requestBody" in operation:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            kwargs["json"] = sample(document, schema)
        answer = http.request(method.upper(), cluster.gateway_url + path, **kwargs)
        check_answer(document, method, template, operation, answer)
        if method == "post" and answer.status_code == 201 and "id" in answer.json():
            created[path] = answer.json()["id"]
        called += 1
    assert called == len(documented_endpoints(document))
    # The sample bodies were good enough to create one record of each ledger collection.
    assert {f"{PREFIX}/{c}" for c in ("assets", "debts", "incomes", "expenses")} <= set(created)


def test_operations_that_need_a_token_refuse_a_caller_without_one(
    cluster: Cluster, http: httpx.Client, document: dict[str, Any]
) -> None:
    for method, template, operation in operations_in_call_order(document):
        if operation["security"]:
            answer = http.request(method.upper(), cluster.gateway_url + concrete_path(template, {}))
            assert answer.status_code == 401, f"{method.upper()} {template}: {answer.status_code}"
            check_answer(document, method, template, operation, answer)


def test_the_docs_page_is_html_that_refers_to_no_other_host(
    cluster: Cluster, http: httpx.Client, document: dict[str, Any]
) -> None:
    page = http.get(cluster.api("/docs"))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    own_host = urlsplit(cluster.gateway_url).netloc
    foreign = [
        url
        for url in re.findall(r"https?://[^\s\"'<>)]+", page.text)
        if urlsplit(url).netloc != own_host
    ]
    assert not foreign, f"the docs page refers to other hosts: {foreign[:5]}"
    assert "<script" not in page.text.lower() and "@import" not in page.text
    for path, methods in document["paths"].items():
        for operation in methods.values():
            assert f'id="op-{operation["operationId"]}"' in page.text, path


def test_runs_comparisons_solves_optimizations_and_aggregates_answer_as_documented(
    cluster: Cluster, http: httpx.Client, document: dict[str, Any], access_token: str
) -> None:
    """The sample calls above stop at 422 (no birth date); here every 200 body is checked too."""
    auth = {"Authorization": f"Bearer {access_token}"}

    def call(method: str, template: str, path: str, body: Any = None) -> httpx.Response:
        answer = http.request(method.upper(), cluster.api(path), json=body, headers=auth)
        check_answer(
            document,
            method,
            PREFIX + template,
            document["paths"][PREFIX + template][method],
            answer,
        )
        return answer

    profile = {"birth_date": "1970-01-01", "retirement_age": 65, "life_expectancy": 90}
    assert call("put", "/me/profile", "/me/profile", profile).status_code == 200
    asset = {"name": "ISA", "kind": "taxable", "balance": "250000.00"}
    assert call("post", "/assets", "/assets", asset).status_code == 201
    expense = {"name": "Living", "category": "home", "amount": "2000.00", "frequency": "monthly"}
    assert call("post", "/expenses", "/expenses", expense).status_code == 201
    benefit = {
        "name": "Social Security",
        "kind": "social_security",
        "amount": "1800.00",
        "frequency": "monthly",
        "start_age": 67,
    }
    assert call("post", "/incomes", "/incomes", benefit).status_code == 201
    projection = call(
        "post", "/projections", "/projections", {"name": "Plan", "assumptions": {"paths": 200}}
    )
    assert projection.status_code == 201
    pid = projection.json()["id"]
    overrides = {
        "retirement_age": 60,
        "expense_scale": 0.9,
        "assumptions": {"stock_return": 0.08},
        "extra_expenses": [{"name": "Travel", "amount": "5000.00", "end_age": 75}],
    }
    scenario = call(
        "post",
        "/projections/{projection_id}/scenarios",
        f"/projections/{pid}/scenarios",
        {"name": "Early", "overrides": overrides},
    )
    assert scenario.status_code == 201
    sid = scenario.json()["id"]

    run = "/projections/{projection_id}/run"
    first = call("post", run, f"/projections/{pid}/run", {})
    assert first.status_code == 200 and first.json()["cached"] is False
    again = call("post", run, f"/projections/{pid}/run", {})
    assert again.json()["cached"] is True
    assert again.json()["inputs_hash"] == first.json()["inputs_hash"]
    assert call("post", run, f"/projections/{pid}/run", {"scenario_id": sid}).status_code == 200
    compared = call("post", "/projections/{projection_id}/compare", f"/projections/{pid}/compare")
    assert [r["scenario_id"] for r in compared.json()["runs"]] == [None, sid]
    for target in ("retirement_age", "annual_spending"):
        solved = call(
            "post",
            "/projections/{projection_id}/solve",
            f"/projections/{pid}/solve",
            {"target": target, "success_rate": 0.8},
        )
        assert solved.status_code == 200 and solved.json()["target"] == target
    optimized = call(
        "post",
        "/projections/{projection_id}/optimize",
        f"/projections/{pid}/optimize",
        {"decision": "claiming_ages", "objective": "success_rate"},
    )
    assert optimized.status_code == 200 and len(optimized.json()["candidates"]) == 9
    dashboard = call("get", "/dashboard", "/dashboard")
    assert dashboard.json()["latest_run"]["projection_id"] == pid
    export = call("get", "/me/export", "/me/export")
    assert len(export.json()["projections"]["runs"]) == 2
