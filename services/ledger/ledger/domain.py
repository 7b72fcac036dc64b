"""Ledger rules that need no I/O: defaults, merging a partial update, shaping output."""

from __future__ import annotations

import types
import typing
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from ledger.collections import ASSETS, COLLECTIONS, Collection
from nestegg_common.http import patch_fields

# Cash and property hold no stocks; for the rest a 60/40 portfolio is the conventional default.
_DEFAULT_STOCK_ALLOCATION = {"cash": Decimal("0"), "real_estate": Decimal("0")}
_BALANCED_STOCK_ALLOCATION = Decimal("0.6")


def fields_to_store(c: Collection, record: BaseModel) -> dict[str, Any]:
    """Return the column values of a validated record, with defaults filled in."""
    fields = record.model_dump()
    if c is ASSETS and fields["stock_allocation"] is None:
        fields["stock_allocation"] = _DEFAULT_STOCK_ALLOCATION.get(
            fields["kind"], _BALANCED_STOCK_ALLOCATION
        )
    return fields


def merge_patch(c: Collection, stored: dict[str, Any], patch: Any) -> BaseModel:
    """Apply a partial update to a stored record and validate the result as a whole."""
    changes = patch_fields(patch, c.columns, noun=c.noun)
    current = {col: stored[col] for col in c.columns}
    return c.model.model_validate({**current, **changes})


def is_partners(record: BaseModel) -> bool:
    """Say whether a record belongs to the partner (a write of one asks accounts first)."""
    return bool(getattr(record, "owner", "self") == "partner")


# How one column becomes JSON: None passes the value through (str, int, bool, None).
_Convert = Callable[[Any], Any] | None


def _rate_json(rate: Decimal) -> float:
    """Show a rate as a JSON number, as every rate is shown (docs/API.md, "Values").

    The columns hold at most 7 significant digits, which a float keeps exactly enough that its
    shortest repr is the stored value: 0.045000 → 0.045.
    """
    return float(rate)


def _is_plain(annotation: Any) -> bool:
    """Say whether a field's values are already JSON: str, int, bool, a str Literal, or None."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _is_plain(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return all(_is_plain(arg) for arg in typing.get_args(annotation))
    if origin is Literal:
        return all(isinstance(arg, str) for arg in typing.get_args(annotation))
    return annotation in (str, int, bool, type(None))


def _value_type(annotation: Any) -> Any:
    """Return the type of an optional field's values: `Annotated[Decimal, …] | None` → Decimal."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        values = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(values) == 1:
            annotation = values[0]
    if typing.get_origin(annotation) is Annotated:
        return typing.get_args(annotation)[0]
    return annotation


def _convert_for(c: Collection, name: str, annotation: Any) -> _Convert:
    if _value_type(annotation) is Decimal and name not in c.rate_columns:
        return str  # optional money such as `cost_basis`; record_out passes None through
    if name in c.rate_columns:
        return _rate_json
    if annotation in (uuid.UUID, Decimal):
        return str  # what pydantic's JSON mode writes for both
    if annotation is datetime:
        # pydantic's own serializer, so the format ("Z", the fraction only when
        # microsecond != 0) is the model's by construction; ~0.4 µs against ~1.3 µs for
        # isoformat() on an aware datetime.
        return to_jsonable_python
    if _is_plain(annotation):
        return None
    raise TypeError(f"{c.out_model.__name__}.{name}: no JSON conversion for {annotation!r}")


def _json_shape(c: Collection) -> tuple[tuple[str, _Convert], ...]:
    """Return the out-model's fields in the model's order, each with its conversion."""
    return tuple(
        (name, _convert_for(c, name, field.annotation))
        for name, field in c.out_model.model_fields.items()
    )


# Per collection, built once: the pydantic round trip per row was ~19% of `GET /assets`.
_JSON_SHAPES = {c.name: _json_shape(c) for c in COLLECTIONS}


def _shown_column(name: str, convert: _Convert) -> str:
    """Return how a page's SELECT reads one column so that the value is already its JSON."""
    if convert is str:  # uuid and money: PostgreSQL's text is str() of asyncpg's value
        return f"{name}::text AS {name}"
    if convert is _rate_json:  # numeric → float8 rounds as float(Decimal) does (correctly)
        return f"{name}::float8 AS {name}"
    return name  # plain values, and timestamptz (orjson writes UTC as pydantic does: "Z")


def shown_columns(c: Collection) -> str:
    """Return the SELECT list of a page: the out-model's fields, in its order, as JSON values.

    `dict(row)` of such a row is `record_out(c, row_of_the_stored_columns)` (an integration
    test holds the bytes equal); converting 50 rows in Python was 60 % of the ledger's own
    time on `GET /assets` (docs/BENCHMARKS.md, "Session 5").
    """
    return ", ".join(_shown_column(name, convert) for name, convert in _JSON_SHAPES[c.name])


def record_out(c: Collection, row: Any) -> dict[str, Any]:
    """Return a stored row as the API shows it: money with 2 places, rates as numbers.

    The same dict as `c.out_model.model_validate(row).model_dump(mode="json")` (the unit tests
    compare them), without validating again what was validated on the way in: every write
    went through `c.model` (names stripped, ranges checked) and the table CHECKs hold.
    """
    shown: dict[str, Any] = {}
    for name, convert in _JSON_SHAPES[c.name]:
        value = row[name]
        shown[name] = value if convert is None or value is None else convert(value)
    return shown
