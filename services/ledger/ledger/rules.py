"""Rules between a record's fields (DESIGN §4 "Record fields"), each reported on its field.

The same rules as the engine's plan models (services/projections/projections/engine/plan.py,
which the ledger does not import: separate contexts); tests/test_record_rules_agree.py holds
the two sets of kinds equal. The database enforces each one again as a CHECK (migration 0004).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

# Only these kinds may be owned jointly: retirement accounts and personal incomes such as a
# salary or a benefit always belong to one person.
JOINT_ASSET_KINDS = frozenset({"cash", "taxable", "real_estate", "other"})
JOINT_INCOME_KINDS = frozenset({"rental", "other"})
# Only these incomes may continue, in part, to the partner after the owner's death.
SURVIVOR_INCOME_KINDS = frozenset({"pension", "annuity"})
# A cost basis matters only where a gain is taxed on sale.
COST_BASIS_KINDS = frozenset({"taxable", "real_estate"})
SELL_AGE_KINDS = frozenset({"real_estate"})
# Social Security's claiming ages (SSA: benefits start at 62 at the earliest; delayed credits
# stop at 70). Existing rows outside the range stay as stored (the engine clamps them).
CLAIMING_AGES = range(62, 71)


@dataclass(frozen=True)
class Violation:
    """One broken rule, reported on `field`."""

    field: str
    rule: str
    message: str
    value: Any


def refuse(model: str, violations: list[Violation]) -> None:
    """Raise one pydantic error naming each violation's field (the API's 422 `errors`)."""
    if violations:
        raise ValidationError.from_exception_data(
            model,
            [
                InitErrorDetails(
                    type=PydanticCustomError(v.rule, v.message),
                    loc=(v.field,),
                    input=v.value,
                )
                for v in violations
            ],
        )


def asset_rules(kind: str, owner: str, cost_basis: object, sell_age: object) -> list[Violation]:
    """Check an asset's owner, cost basis and sale age against its kind."""
    found = []
    if owner == "joint" and kind not in JOINT_ASSET_KINDS:
        found.append(
            Violation(
                "owner",
                "owner_kind",
                f"a {kind} account belongs to one person; owner cannot be joint (joint is for "
                "cash, taxable, real_estate and other assets)",
                owner,
            )
        )
    if cost_basis is not None and kind not in COST_BASIS_KINDS:
        found.append(
            Violation(
                "cost_basis",
                "cost_basis_kind",
                f"cost_basis applies to taxable and real_estate assets only, not {kind}",
                str(cost_basis),
            )
        )
    if sell_age is not None and kind not in SELL_AGE_KINDS:
        found.append(
            Violation(
                "sell_age",
                "sell_age_kind",
                f"sell_age applies to real_estate assets only, not {kind}",
                sell_age,
            )
        )
    return found


def income_rules(
    kind: str, owner: str, survivor_fraction: object, start_age: int | None
) -> list[Violation]:
    """Check an income's owner, survivor share and (Social Security) claiming age."""
    found = []
    if owner == "joint" and kind not in JOINT_INCOME_KINDS:
        found.append(
            Violation(
                "owner",
                "owner_kind",
                f"a {kind} income belongs to one person; owner cannot be joint (joint is for "
                "rental and other incomes)",
                owner,
            )
        )
    if survivor_fraction and kind not in SURVIVOR_INCOME_KINDS:
        found.append(
            Violation(
                "survivor_fraction",
                "survivor_fraction_kind",
                f"survivor_fraction applies to pension and annuity incomes only; a {kind} "
                "income must leave it 0",
                float(str(survivor_fraction)),
            )
        )
    if kind == "social_security" and start_age is not None and start_age not in CLAIMING_AGES:
        found.append(
            Violation(
                "start_age",
                "claiming_age",
                "for social_security, start_age is the claiming age: 62 to 70, or null for the "
                "full retirement age",
                start_age,
            )
        )
    return found
