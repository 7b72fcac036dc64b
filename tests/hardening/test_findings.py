"""What schemathesis found, one focused regression test each (all fixed).

A new finding gets a test here, as a strict xfail while the defect stands, and a matching entry
of `KNOWN` in test_schemathesis.py so the fuzzing run can go on; the fix removes both.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import Cluster, User, sign_up

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def user(cluster: Cluster) -> User:
    with httpx.Client(timeout=15.0) as client:
        return sign_up(client, cluster.api(""), "finding")


def assert_problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, f"{answer.status_code}: {answer.text[:300]}"
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    return body


def test_a_malformed_non_ascii_idempotency_key_is_a_422(
    cluster: Cluster, http: httpx.Client, user: User
) -> None:
    answer = http.post(
        cluster.api("/assets"),
        json={"name": "Cash", "kind": "cash", "balance": "1.00"},
        headers={**user.auth, "Idempotency-Key": "clé-1".encode("latin-1")},
    )
    assert_problem(answer, 422)


def test_a_header_with_non_ascii_bytes_is_no_server_error(
    cluster: Cluster, http: httpx.Client, user: User
) -> None:
    answer = http.get(
        cluster.api("/assets"), headers={**user.auth, "X-Note": "café".encode("latin-1")}
    )
    assert answer.status_code < 500, answer.text


def test_a_retirement_age_past_the_default_life_expectancy_is_a_422(
    cluster: Cluster, http: httpx.Client, user: User
) -> None:
    answer = http.put(cluster.api("/me/profile"), json={"retirement_age": 96}, headers=user.auth)
    problem = assert_problem(answer, 422)
    assert {e["field"] for e in problem["errors"]} & {"retirement_age", "life_expectancy"}


def test_a_birth_date_that_is_a_number_is_a_422(
    cluster: Cluster, http: httpx.Client, user: User
) -> None:
    answer = http.put(cluster.api("/me/profile"), json={"birth_date": 0}, headers=user.auth)
    problem = assert_problem(answer, 422)
    assert problem["errors"][0]["field"] == "birth_date"


BOOLEAN_NUMBERS = [
    pytest.param("post", "/projections", {"name": "P", "assumptions": {"stock_return": True}}),
    pytest.param("patch", "/projections/{pid}", {"assumptions": {"income_tax_rate": False}}),
    pytest.param(
        "post", "/projections/{pid}/scenarios", {"name": "S", "overrides": {"income_scale": True}}
    ),
    pytest.param(
        "patch", "/projections/{pid}/scenarios/{sid}", {"overrides": {"expense_scale": False}}
    ),
    # Issue 16: schemathesis found `from_age: false` accepted in a Roth window.
    pytest.param(
        "post",
        "/projections",
        {
            "name": "P",
            "assumptions": {
                "roth_conversion": {"up_to_bracket": 0.24, "from_age": False, "to_age": 72}
            },
        },
    ),
]


@pytest.mark.parametrize(("method", "template", "body"), BOOLEAN_NUMBERS)
def test_a_boolean_where_a_number_is_documented_is_a_422(
    cluster: Cluster,
    http: httpx.Client,
    user: User,
    method: str,
    template: str,
    body: dict[str, Any],
) -> None:
    projection = http.post(cluster.api("/projections"), json={"name": "P"}, headers=user.auth)
    pid = projection.json()["id"]
    scenario = http.post(
        cluster.api(f"/projections/{pid}/scenarios"), json={"name": "S"}, headers=user.auth
    )
    path = template.format(pid=pid, sid=scenario.json()["id"])
    answer = http.request(method.upper(), cluster.api(path), json=body, headers=user.auth)
    assert_problem(answer, 422)
