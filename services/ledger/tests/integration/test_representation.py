"""Every ledger answer writes each kind of value one way (docs/API.md, "Values"): money a
decimal string with two places, rates JSON numbers, ages integers, timestamps RFC 3339 with Z.
Each property is checked against the OpenAPI schema and against its kind (issue 13, item 11)."""

from __future__ import annotations

from typing import Any

import pytest

from ledger import api_spec
from nestegg_common.openapi import build_document
from nestegg_common.testing.representation import answer_schema, representation_errors

PREFIX = "/api/v1"
PATCHES = {
    "assets": {"balance": 7, "stock_allocation": 0.0001},
    "debts": {"interest_rate": 1, "monthly_payment": 10.5},
    "incomes": {"growth_rate": -0.5, "amount": "0"},
    "expenses": {"amount": 1e3, "start_age": None},
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document(api_spec.operations(), title="ledger")


def check(document: dict[str, Any], method: str, path: str, status: int, body: Any) -> None:
    schema = answer_schema(document, method, PREFIX + path, status)
    errors = representation_errors(document, schema, body)
    assert not errors, f"{method.upper()} {path}: {errors}"


@pytest.mark.parametrize("collection", ["assets", "debts", "incomes", "expenses"])
async def test_every_answer_of_a_collection_uses_the_declared_representation(
    client, api, new_user, document, collection
) -> None:
    me = new_user()
    created = await client.post(f"/{collection}", json=api.body(collection), headers=me.headers)
    assert created.status == 201, await created.text()
    record = await created.json()
    check(document, "post", f"/{collection}", 201, record)
    item = f"/{collection}/{{id}}"
    got = await client.get(f"/{collection}/{record['id']}", headers=me.headers)
    check(document, "get", item, 200, await got.json())
    listed = await client.get(f"/{collection}", headers=me.headers)
    check(document, "get", f"/{collection}", 200, await listed.json())
    patched = await client.patch(
        f"/{collection}/{record['id']}", json=PATCHES[collection], headers=me.headers
    )
    assert patched.status == 200, await patched.text()
    check(document, "patch", item, 200, await patched.json())


async def test_the_summary_writes_money_with_two_places(client, api, new_user, document):
    me = new_user()
    await api.create("assets", me, api.body("assets", balance=10))
    await api.create("debts", me, api.body("debts", balance="20.5"))
    summary = await client.get("/ledger/summary", headers=me.headers)
    body = await summary.json()
    check(document, "get", "/ledger/summary", 200, body)
    assert body["net_worth"] == "-10.50"


def test_the_checker_catches_a_rate_written_as_a_string(document) -> None:
    # The representation before issue 13: rates as strings, which the schema then also said.
    schema = answer_schema(document, "get", PREFIX + "/debts/{id}", 200)
    record = {
        "id": "9f1b0d52-8a43-4f39-9a53-2a2c1f0e5b11",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "name": "Loan",
        "kind": "personal",
        "balance": "1.00",
        "interest_rate": "0.05",
        "monthly_payment": "1",
    }
    errors = representation_errors(document, schema, record)
    assert any("interest_rate" in e for e in errors)
    assert any("monthly_payment" in e for e in errors)
