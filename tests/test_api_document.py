"""The OpenAPI document explains itself: every property described, every request body shown by
an example that is valid, and a `servers` entry (issue 13, item 11).

Built exactly as the gateway builds it (each service's fragment, the gateway's 502/504 added,
merged with the gateway's own operations), without starting anything; tests/e2e/test_openapi.py
checks that the served document is this one and that real answers match it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from accounts import api_spec as accounts_spec
from gateway import api_spec as gateway_spec
from gateway.openapi import with_gateway_errors
from ledger import api_spec as ledger_spec
from nestegg_common.openapi import SERVERS, build_document, merge_documents
from projections import api_spec as projections_spec

SERVICES = (accounts_spec, ledger_spec, projections_spec)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    merged = build_document(
        [], title=gateway_spec.TITLE, description=gateway_spec.DESCRIPTION, servers=SERVERS
    )
    for spec in SERVICES:
        fragment = build_document(spec.operations(), title="fragment", tags=spec.TAGS)
        merged = merge_documents(merged, with_gateway_errors(fragment))
    own = build_document(gateway_spec.operations(), title="gateway", tags=gateway_spec.TAGS)
    return merge_documents(merged, own)


def properties(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (dotted path, schema) of every property of every (nested) object schema."""
    if isinstance(node, dict):
        for name, schema in (node.get("properties") or {}).items():
            yield f"{where}.{name}", schema
        for key, value in node.items():
            yield from properties(value, where if key == "properties" else f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from properties(value, f"{where}[{i}]")


def request_bodies(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if "requestBody" in operation:
                content = operation["requestBody"]["content"]["application/json"]
                yield f"{method.upper()} {path}", content


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)


def test_every_property_of_every_schema_has_a_description(document: dict[str, Any]) -> None:
    found = list(properties(document["components"]["schemas"], "#"))
    undescribed = [path for path, schema in found if not schema.get("description", "").strip()]
    assert len(found) > 300
    assert not undescribed, f"{len(undescribed)} of {len(found)}: {undescribed[:20]}"


def test_every_request_body_has_an_example_that_its_schema_accepts(
    document: dict[str, Any],
) -> None:
    bodies = list(request_bodies(document))
    assert len(bodies) >= 15
    for where, content in bodies:
        assert "example" in content, f"{where} has no example"
        schema = {**content["schema"], "components": document["components"]}
        errors = [e.message for e in OAS31Validator(schema).iter_errors(content["example"])]
        assert not errors, f"{where}: the example does not match its schema: {errors[:3]}"


def test_a_model_example_validates_against_the_model_too() -> None:
    # The schema check above cannot see the models' own rules (end_age ≥ start_age, …).
    for spec in (*SERVICES, gateway_spec):
        for op in spec.operations():
            examples = (op.request.model_json_schema() if op.request else {}).get("examples", [])
            for example in examples:
                op.request.model_validate(example)  # type: ignore[union-attr]


def test_the_document_names_its_server(document: dict[str, Any]) -> None:
    assert document["servers"] == [
        {"url": "/", "description": SERVERS[0]["description"]},
    ]


def test_money_rates_and_text_are_documented_one_way_each(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    asset_out, asset_in = schemas["AssetOut"]["properties"], schemas["Asset"]["properties"]
    # Answers: money a decimal string with two places, a rate a JSON number.
    assert asset_out["balance"]["type"] == "string"
    assert asset_out["balance"]["pattern"] == r"^-?[0-9]+\.[0-9]{2}$"
    assert asset_out["stock_allocation"]["type"] == "number"
    assert schemas["DebtOut"]["properties"]["interest_rate"]["type"] == "number"
    assert schemas["IncomeOut"]["properties"]["growth_rate"]["type"] == "number"
    assert schemas["Summary"]["properties"]["net_worth"]["type"] == "string"
    # Requests: money a plain decimal string or a JSON number; a rate a JSON number only.
    kinds = sorted(branch["type"] for branch in asset_in["balance"]["anyOf"])
    assert kinds == ["number", "string"]
    assert asset_in["stock_allocation"]["anyOf"][0]["type"] == "number"
    assert schemas["Debt"]["properties"]["interest_rate"]["type"] == "number"
