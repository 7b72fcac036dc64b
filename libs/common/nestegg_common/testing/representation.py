"""Check answers against the API's one representation per kind of value (docs/API.md, "Values").

Two checks per property of an answer: its JSON type is one its OpenAPI schema declares (walking
`$ref`, `anyOf`, arrays and objects), and, by the property's name, the representation the docs
promise for that kind of value: money a decimal string with two places, rates and fractions JSON
numbers, ages and years integers, timestamps RFC 3339 in UTC with `Z`, dates `YYYY-MM-DD`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

MONEY = re.compile(r"^-?[0-9]+\.[0-9]{2}$")
TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

# Amounts a user enters, and their totals: exact decimals.
MONEY_FIELDS = frozenset(
    {
        "balance",
        "annual_contribution",
        "monthly_payment",
        "amount",
        "total_assets",
        "total_debts",
        "net_worth",
        "annual_income",
        "annual_expenses",
        "one_time_income",
        "one_time_expenses",
        "cost_basis",
    }
)
# Engine estimates in currency units (percentiles over simulated paths): JSON numbers.
ESTIMATE_FIELDS = frozenset(
    {"p10", "p25", "p50", "p75", "p90", "median_portfolio_at_retirement", "median_portfolio_at_end"}
)
RATE_FIELDS = frozenset(
    {
        "interest_rate",
        "growth_rate",
        "stock_allocation",
        "survivor_fraction",
        "success_rate",
        "achieved_success_rate",
        "inflation",
        "inflation_vol",
        "stock_return",
        "stock_vol",
        "bond_return",
        "bond_vol",
        "stock_bond_corr",
        "income_tax_rate",
        "withdrawal_rate",
        "upper",
        "lower",
        "adjustment",
        "income_scale",
        "expense_scale",
    }
)
WHOLE_FIELDS = frozenset({"age", "year", "first_year", "last_year", "paths", "evaluations"})
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
    "object": (dict,),
    "array": (list,),
}


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def _json_type_ok(value: Any, declared: str | list[str]) -> bool:
    names = [declared] if isinstance(declared, str) else declared
    for name in names:
        if isinstance(value, bool) and name in ("integer", "number"):
            continue  # true is no number in JSON
        if name == "integer" and isinstance(value, float):
            continue
        if isinstance(value, _JSON_TYPES[name]):
            return True
    return False


def _kind_errors(name: str, value: Any, where: str) -> Iterator[str]:
    """Say where a value breaks the representation of its kind, known by its name."""
    if value is None:
        return
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if name in MONEY_FIELDS and not (isinstance(value, str) and MONEY.fullmatch(value)):
        yield f"{where}: money must be a decimal string with 2 places, got {value!r}"
    elif name in (ESTIMATE_FIELDS | RATE_FIELDS) and not is_number:
        yield f"{where}: must be a JSON number, got {value!r}"
    elif (name in WHOLE_FIELDS or name.endswith("_age")) and not (
        is_number and isinstance(value, int)
    ):
        yield f"{where}: must be a whole number, got {value!r}"
    elif name.endswith("_at") and not (isinstance(value, str) and TIMESTAMP.fullmatch(value)):
        yield f"{where}: a timestamp must be RFC 3339 in UTC with Z, got {value!r}"
    elif name.endswith("_date") and not (isinstance(value, str) and DATE.fullmatch(value)):
        yield f"{where}: a date must be YYYY-MM-DD, got {value!r}"
    elif name == "id" or name.endswith("_id"):
        try:
            uuid.UUID(value)
        except (TypeError, ValueError, AttributeError):
            yield f"{where}: an id must be a UUID string, got {value!r}"


def representation_errors(
    document: dict[str, Any], schema: dict[str, Any], value: Any, where: str = "$"
) -> list[str]:
    """Return every way `value` breaks its schema's JSON types or its kind's representation."""
    schema = _resolve(document, schema)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            tries = [representation_errors(document, s, value, where) for s in schema[key]]
            return [] if any(not t for t in tries) else min(tries, key=len)
    errors: list[str] = []
    if "type" in schema and not _json_type_ok(value, schema["type"]):
        return [f"{where}: {value!r} is not of the declared type {schema['type']}"]
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            place = f"{where}.{name}"
            errors += _kind_errors(name, item, place)
            if name in properties:
                errors += representation_errors(document, properties[name], item, place)
            elif isinstance(extra, dict):
                errors += representation_errors(document, extra, item, place)
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += representation_errors(document, schema["items"], item, f"{where}[{i}]")
    return errors


def answer_schema(document: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    """Return the documented schema of an operation's JSON answer with `status`."""
    reply = document["paths"][path][method]["responses"][str(status)]
    schema: dict[str, Any] = reply["content"]["application/json"]["schema"]
    return schema
