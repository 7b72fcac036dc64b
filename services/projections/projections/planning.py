"""Turn a profile, a ledger snapshot and assumptions into an engine plan (no I/O)."""

from __future__ import annotations

import hashlib
import uuid
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pydantic import BaseModel, ValidationError

from nestegg_common.errors import ValidationFailed
from nestegg_common.problems import validation_errors
from projections.engine.plan import MAX_SEED, Asset, Assumptions, Debt, Expense, Income, Plan
from projections.models import Overrides, RunSummary

_CENT = Decimal("0.01")
_ENGINE_RECORDS: dict[str, type[BaseModel]] = {
    "assets": Asset,
    "debts": Debt,
    "incomes": Income,
    "expenses": Expense,
}


def full_assumptions(given: Assumptions) -> dict[str, Any]:
    """Return assumptions with every default spelled out, as stored and shown."""
    return given.model_dump(mode="json")


def merged_assumptions(
    base: dict[str, Any], changes: dict[str, Any], *, field: str
) -> dict[str, Any]:
    """Apply assumption changes (nested objects merge); 422 names each bad field under `field`."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    try:
        return Assumptions.model_validate(merged).model_dump(mode="json")
    except ValidationError as err:
        raise ValidationFailed(
            "One or more assumptions are invalid; see `errors`.",
            errors=validation_errors(err, prefix=f"{field}."),
        ) from err


def projection_seed(projection_id: uuid.UUID) -> int:
    """Return the seed of a projection whose assumptions leave it open.

    Derived from the projection, so unchanged inputs give the same result (and can be served
    from the stored run), and shared by its scenarios, so their differences are not noise.
    """
    digest = hashlib.sha256(f"nestegg-seed:{projection_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % (MAX_SEED + 1)


def _engine_record(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    fields = _ENGINE_RECORDS[kind].model_fields
    return {key: value for key, value in record.items() if key in fields}


def _scaled(records: list[dict[str, Any]], scale: float) -> list[dict[str, Any]]:
    if scale == 1.0:
        return records
    factor = Decimal(str(scale))
    return [
        {**r, "amount": str((Decimal(str(r["amount"])) * factor).quantize(_CENT, ROUND_HALF_EVEN))}
        for r in records
    ]


def build_plan(
    *,
    profile: dict[str, Any],
    snapshot: dict[str, list[dict[str, Any]]],
    assumptions: dict[str, Any],
    overrides: Overrides | None,
    seed: int,
) -> dict[str, Any]:
    """Return the engine plan of a user's data, with a scenario's overrides applied."""
    if profile.get("birth_date") is None:
        raise ValidationFailed(
            "Your profile has no birth date, so your age is unknown: set `birth_date` with "
            "PATCH /api/v1/me/profile, then run the projection again.",
            errors=[
                {
                    "field": "profile.birth_date",
                    "message": "required to run a projection",
                    "type": "missing",
                }
            ],
        )
    plan_profile = {
        "birth_date": profile["birth_date"],
        "retirement_age": profile["retirement_age"],
        "life_expectancy": profile["life_expectancy"],
    }
    records = {
        kind: [_engine_record(kind, r) for r in snapshot.get(kind, [])] for kind in _ENGINE_RECORDS
    }
    chosen = dict(assumptions)
    if overrides is not None:
        if overrides.retirement_age is not None:
            plan_profile["retirement_age"] = overrides.retirement_age
        if overrides.life_expectancy is not None:
            plan_profile["life_expectancy"] = overrides.life_expectancy
        chosen = merged_assumptions(chosen, overrides.assumptions, field="overrides.assumptions")
        records["incomes"] = _scaled(records["incomes"], overrides.income_scale)
        records["incomes"] += [i.model_dump(mode="json") for i in overrides.extra_incomes]
        records["expenses"] = _scaled(records["expenses"], overrides.expense_scale)
        records["expenses"] += [e.model_dump(mode="json") for e in overrides.extra_expenses]
    if chosen.get("seed") is None:
        chosen["seed"] = seed
    plan = {"profile": plan_profile, **records, "assumptions": chosen}
    try:
        return Plan.model_validate(plan).model_dump(mode="json")
    except ValidationError as err:
        raise ValidationFailed(
            "This plan cannot be projected as it stands; see `errors`.",
            errors=validation_errors(err, prefix="plan."),
        ) from err


def summarise_result(result: dict[str, Any], *, retirement_age: int) -> RunSummary:
    """Pick out success rate, median portfolio at retirement and at the end, depletion age."""
    years = result["years"]
    at_retirement = next((y for y in years if y["age"] == retirement_age), None)
    cumulative, median_depletion = 0.0, None
    for age, share in sorted(result["depletion_ages"].items(), key=lambda kv: int(kv[0])):
        cumulative += share
        if cumulative >= 0.5:
            median_depletion = int(age)
            break
    return RunSummary(
        success_rate=result["success_rate"],
        median_portfolio_at_retirement=None
        if at_retirement is None
        else at_retirement["portfolio"]["p50"],
        median_portfolio_at_end=years[-1]["portfolio"]["p50"],
        median_depletion_age=median_depletion,
    )


def difference(run: RunSummary, baseline: RunSummary) -> RunSummary:
    """Return `run − baseline`, field by field (None where either side has none)."""

    def minus(a: float | int | None, b: float | int | None, places: int) -> Any:
        # Rounded like the values themselves: 5801.91, not 5801.9100000000035.
        return None if a is None or b is None else round(a - b, places)

    return RunSummary(
        success_rate=minus(run.success_rate, baseline.success_rate, 10),
        median_portfolio_at_retirement=minus(
            run.median_portfolio_at_retirement, baseline.median_portfolio_at_retirement, 2
        ),
        median_portfolio_at_end=minus(
            run.median_portfolio_at_end, baseline.median_portfolio_at_end, 2
        ),
        median_depletion_age=minus(run.median_depletion_age, baseline.median_depletion_age, 0),
    )
