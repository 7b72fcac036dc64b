"""The ledger's record rules and the engine's are the same rules (DESIGN §4 "Record fields").

The two contexts do not import each other; this holds their kinds, enumerations and rules
equal, so a change to one that forgets the other fails here.
"""

from __future__ import annotations

import typing
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from ledger import models as ledger_models
from ledger import rules as ledger_rules
from ledger.collections import COLLECTIONS, Collection
from ledger.domain import fields_to_store, record_out
from projections.engine import plan as engine

ENGINE_MODELS = (engine.Asset, engine.Debt, engine.Income, engine.Expense)


def literal_values(model: type[Any], field: str) -> set[str]:
    annotation = model.model_fields[field].annotation
    return set(typing.get_args(annotation))


@pytest.mark.parametrize(
    "name",
    ["JOINT_ASSET_KINDS", "JOINT_INCOME_KINDS", "SURVIVOR_INCOME_KINDS", "COST_BASIS_KINDS"],
)
def test_the_kind_sets_are_the_engines(name: str) -> None:
    assert getattr(ledger_rules, name) == getattr(engine, name)


@pytest.mark.parametrize(
    ("ledger_model", "engine_model", "field"),
    [
        (ledger_models.Asset, engine.Asset, "owner"),
        (ledger_models.Asset, engine.Asset, "kind"),
        (ledger_models.Debt, engine.Debt, "owner"),
        (ledger_models.Debt, engine.Debt, "kind"),
        (ledger_models.Income, engine.Income, "owner"),
        (ledger_models.Income, engine.Income, "kind"),
        (ledger_models.Income, engine.Income, "frequency"),
        (ledger_models.Expense, engine.Expense, "owner"),
        (ledger_models.Expense, engine.Expense, "frequency"),
    ],
)
def test_the_enumerations_are_the_engines(
    ledger_model: type[Any], engine_model: type[Any], field: str
) -> None:
    assert literal_values(ledger_model, field) == literal_values(engine_model, field)


def test_every_field_of_a_ledger_record_is_a_field_of_the_engines_record() -> None:
    pairs = [
        (ledger_models.Asset, engine.Asset),
        (ledger_models.Debt, engine.Debt),
        (ledger_models.Income, engine.Income),
        (ledger_models.Expense, engine.Expense),
    ]
    for ledger_model, engine_model in pairs:
        assert set(ledger_model.model_fields) <= set(engine_model.model_fields), ledger_model


ASSET = {"name": "A", "balance": "1", "stock_allocation": 0.5}
INCOME = {"name": "I", "amount": "1", "frequency": "annual"}


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        *((k, {"owner": "joint"}) for k in typing.get_args(engine.AssetKind)),
        *((k, {"cost_basis": "5"}) for k in typing.get_args(engine.AssetKind)),
        *((k, {"sell_age": 70}) for k in typing.get_args(engine.AssetKind)),
    ],
)
def test_both_accept_and_refuse_the_same_assets(kind: str, changes: dict[str, Any]) -> None:
    body = {**ASSET, "kind": kind, **changes}
    assert accepts(ledger_models.Asset, body) == accepts(engine.Asset, body)


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        *((k, {"owner": "joint"}) for k in typing.get_args(engine.IncomeKind)),
        *((k, {"survivor_fraction": 0.5}) for k in typing.get_args(engine.IncomeKind)),
    ],
)
def test_both_accept_and_refuse_the_same_incomes(kind: str, changes: dict[str, Any]) -> None:
    body = {**INCOME, "kind": kind, **changes}
    assert accepts(ledger_models.Income, body) == accepts(engine.Income, body)


def accepts(model: type[Any], body: dict[str, Any]) -> bool:
    try:
        model.model_validate(body)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(("c", "engine_model"), list(zip(COLLECTIONS, ENGINE_MODELS, strict=True)))
def test_each_documented_example_as_the_snapshot_shows_it_is_a_record_the_engine_reads(
    c: Collection, engine_model: type[Any]
) -> None:
    now = datetime.now(UTC)
    for example in c.model.model_config["json_schema_extra"]["examples"]:
        stored = fields_to_store(c, c.model.model_validate(example))
        shown = record_out(c, {"id": uuid.uuid4(), **stored, "created_at": now, "updated_at": now})
        # What projections keeps of a snapshot record (projections/planning.py).
        engine_model.model_validate(
            {k: v for k, v in shown.items() if k in engine_model.model_fields}
        )
