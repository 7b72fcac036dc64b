"""Every free-text field a client can send has a maximum length, and every list a maximum size.

Walks the JSON Schema of each public operation's request body and query (the same models the
services validate with), so a new field without a bound fails here before it reaches the API.
Free-form objects (a scenario's `overrides.assumptions`) are not walked: they are merged into
the projection's assumptions and validated as `Assumptions`, which refuses unknown fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from accounts import api_spec as accounts_spec
from gateway import api_spec as gateway_spec
from ledger import api_spec as ledger_spec
from nestegg_common.openapi import Operation
from projections import api_spec as projections_spec

OPERATIONS: list[Operation] = [
    *accounts_spec.operations(),
    *ledger_spec.operations(),
    *projections_spec.operations(),
    *gateway_spec.operations(),
]
# Formats whose values have a bounded length by construction.
BOUNDED_FORMATS = {"uuid", "date", "date-time"}
# `^[A-Z]{3}$`: anchored, and no repetition without an upper bound.
_UNBOUNDED_REPEAT = re.compile(r"[*+]|\{\d+,\}")


def request_models() -> dict[str, type[BaseModel]]:
    models: dict[str, type[BaseModel]] = {}
    for op in OPERATIONS:
        for model in (op.request, op.query):
            if model is not None:
                models[f"{op.operation_id}:{model.__name__}"] = model
    return models


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return defs[ref.rsplit("/", 1)[-1]] if ref else schema


def unbounded(schema: dict[str, Any], defs: dict[str, Any], where: str = "") -> Iterator[str]:
    """Yield the path of every string without a length bound and every list without a size."""
    schema = _resolve(schema, defs)
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key, [])
        for option in options:
            if _is_decimal_string(option, options):
                continue
            yield from unbounded(option, defs, where)
    kind = schema.get("type")
    if kind == "string" and not _bounded_string(schema):
        yield where or "body"
    if kind == "array":
        if "maxItems" not in schema:
            yield f"{where}[] (no maxItems)"
        if "items" in schema:
            yield from unbounded(schema["items"], defs, f"{where}[]")
    for name, prop in schema.get("properties", {}).items():
        yield from unbounded(prop, defs, f"{where}.{name}" if where else name)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        yield from unbounded(extra, defs, f"{where}.*")


def _is_decimal_string(option: dict[str, Any], options: list[dict[str, Any]]) -> bool:
    """Say whether `option` is the string half of pydantic's Decimal (number or string).

    Its value is bounded by `max_digits` and the number of places, not by its length.
    """
    return option == {"type": "string"} and any(o.get("type") == "number" for o in options)


def _bounded_string(schema: dict[str, Any]) -> bool:
    if "maxLength" in schema or "enum" in schema or "const" in schema:
        return True
    if schema.get("format") in BOUNDED_FORMATS:
        return True
    pattern = schema.get("pattern", "")
    return (
        pattern.startswith("^") and pattern.endswith("$") and not _UNBOUNDED_REPEAT.search(pattern)
    )


@pytest.mark.parametrize("name", sorted(request_models()))
def test_every_text_field_and_list_a_client_sends_has_a_maximum(name: str) -> None:
    schema = request_models()[name].model_json_schema(mode="validation")
    assert sorted(set(unbounded(schema, schema.get("$defs", {})))) == []


def test_the_walk_finds_an_unbounded_field() -> None:
    class Loose(BaseModel):
        note: str
        tags: list[str]

    schema = Loose.model_json_schema()
    assert sorted(unbounded(schema, {})) == ["note", "tags[]", "tags[] (no maxItems)"]


def test_the_request_models_cover_every_body_the_api_takes() -> None:
    with_body = {op.operation_id for op in OPERATIONS if op.request is not None}
    assert {"createAsset", "createScenario", "registerUser", "solveProjection"} <= with_body
