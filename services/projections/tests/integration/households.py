"""A couple as accounts and ledger show them, and the engine plan they should become."""

from __future__ import annotations

import uuid
from typing import Any

from projections.planning import projection_seed

from .helpers import asset, born_years_ago, expense, income

PARTNER = {
    "name": "Sam",
    "birth_date": born_years_ago(58),
    "sex": "male",
    "retirement_age": 63,
    "life_expectancy": 92,
}


def couple(upstream: Any, user_id: uuid.UUID, **records: list[dict[str, Any]]) -> None:
    """A woman of 60 retiring at 65, planning to 90, married to Sam (58, retiring at 63)."""
    upstream.person(user_id, age=60, retire_at=65, plan_to=90, **records)
    upstream.profiles[user_id].update(
        sex="female", filing_status="married_joint", partner=dict(PARTNER)
    )


def ledger_part(record: dict[str, Any]) -> dict[str, Any]:
    """What of a ledger record the engine reads: all but the ledger's own timestamps."""
    return {k: v for k, v in record.items() if k not in {"created_at", "updated_at"}}


def engine_plan(
    projection: dict[str, Any], profile: dict[str, Any], **records: list[dict[str, Any]]
) -> dict[str, Any]:
    """The plan the engine should receive, written out by hand."""
    return {
        "profile": profile,
        **{kind: [ledger_part(r) for r in records.get(kind, [])] for kind in KINDS},
        "assumptions": {
            **projection["assumptions"],
            "seed": projection_seed(uuid.UUID(projection["id"])),
        },
    }


KINDS = ("assets", "debts", "incomes", "expenses")
SELF_PROFILE = {
    "birth_date": born_years_ago(60),
    "retirement_age": 65,
    "life_expectancy": 90,
    "sex": "female",
    "filing_status": "married_joint",
    "currency": "USD",
}


def household_records() -> dict[str, list[dict[str, Any]]]:
    """Two salaries, two Social Security benefits, a pension with a survivor share, joint
    spending, a joint home sold at 75 and a mortgage paid off at 70."""
    return {
        "assets": [
            asset(400_000),
            asset(300_000, kind="tax_deferred", owner="partner"),
            asset(
                500_000,
                kind="real_estate",
                stock_allocation=0.0,
                owner="joint",
                cost_basis="200000.00",
                sell_age=75,
            ),
        ],
        "debts": [
            {
                "id": str(uuid.uuid4()),
                "name": "Mortgage",
                "kind": "mortgage",
                "balance": "100000.00",
                "interest_rate": 0.04,
                "monthly_payment": "1000.00",
                "owner": "joint",
                "payoff_age": 70,
            }
        ],
        "incomes": [
            income(60_000),
            income(50_000, owner="partner"),
            income(2_000, kind="social_security", frequency="monthly", start_age=67),
            income(1_500, kind="social_security", frequency="monthly", owner="partner"),
            income(12_000, kind="pension", start_age=65, owner="self", survivor_fraction=0.5),
        ],
        "expenses": [
            expense(50_000, owner="joint"),
            expense(20_000, frequency="once", start_age=66, owner="joint"),
        ],
    }
