"""Ledger rules that need no I/O: defaults, merging a partial update, shaping output."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ledger.collections import ASSETS, Collection
from nestegg_common.errors import ValidationFailed

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
    if not isinstance(patch, dict):
        raise ValidationFailed(
            "The body must be a JSON object of the fields to change.",
            errors=[{"field": "body", "message": "expected a JSON object", "type": "dict_type"}],
        )
    unknown = sorted(set(patch) - set(c.columns))
    if unknown:
        raise ValidationFailed(
            f"These fields cannot be changed on a {c.noun}: {', '.join(unknown)}.",
            errors=[
                {"field": name, "message": "unknown or read-only field", "type": "extra_forbidden"}
                for name in unknown
            ],
        )
    current = {col: stored[col] for col in c.columns}
    return c.model.model_validate({**current, **patch})


def record_out(c: Collection, row: Any) -> dict[str, Any]:
    """Return a stored row as the API shows it: money with 2 places, rates without padding."""
    data = dict(row)
    for col in c.rate_columns:
        data[col] = data[col].normalize()
    shown: dict[str, Any] = c.out_model.model_validate(data).model_dump(mode="json")
    return shown
