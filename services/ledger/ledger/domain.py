"""Ledger rules that need no I/O: defaults, merging a partial update, shaping output."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ledger.collections import ASSETS, Collection
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


def record_out(c: Collection, row: Any) -> dict[str, Any]:
    """Return a stored row as the API shows it: money with 2 places, rates without padding."""
    data = dict(row)
    for col in c.rate_columns:
        data[col] = data[col].normalize()
    shown: dict[str, Any] = c.out_model.model_validate(data).model_dump(mode="json")
    return shown
