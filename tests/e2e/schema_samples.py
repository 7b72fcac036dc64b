"""Small valid instances of OpenAPI schemas, for tests that call every documented operation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref`s inside the document."""
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def sample(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """Return a small instance of a schema: required fields only, lowest allowed values."""
    schema = resolve(document, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            members = [m for m in schema[key] if resolve(document, m).get("type") != "null"]
            return sample(document, members[0]) if members else None
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: sample(document, properties[name]) for name in schema.get("required", ())}
    if kind == "array":
        return [sample(document, schema["items"])] * schema.get("minItems", 0)
    if kind in ("integer", "number"):
        return schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1)
    if kind == "boolean":
        return False
    formats = {
        "email": f"openapi-{uuid.uuid4().hex[:12]}@example.com",
        "date": "1980-06-15",
        "date-time": datetime.now(UTC).isoformat(),
        "uuid": str(uuid.uuid4()),
    }
    if schema.get("format") in formats:
        return formats[schema["format"]]
    return "x" * max(1, schema.get("minLength", 1))
