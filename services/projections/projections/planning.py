"""Turn a profile, a ledger snapshot and assumptions into an engine plan (no I/O)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pydantic import BaseModel, ValidationError

from nestegg_common.errors import ValidationFailed
from nestegg_common.problems import validation_errors
from projections.engine.household import current_age
from projections.engine.plan import (
    MAX_SEED,
    Asset,
    Assumptions,
    Debt,
    Expense,
    Income,
    Partner,
    Plan,
    Profile,
)
from projections.engine.tax.law import load_law
from projections.models import ClaimingAges, Overrides, RunSummary

_CENT = Decimal("0.01")
_ENGINE_RECORDS: dict[str, type[BaseModel]] = {
    "assets": Asset,
    "debts": Debt,
    "incomes": Income,
    "expenses": Expense,
}
# What of accounts' partner the engine reads (accounts may show more, such as an id).
_PARTNER = frozenset(Partner.model_fields)


def check_tax_year(assumptions: dict[str, Any], *, field: str) -> None:
    """Refuse (422 naming `<field>.tax.year`) a law year the engine does not ship.

    The model allows any plausible year; which laws exist is the engine's data, so it is
    checked here, when the projection or scenario is written and again when a plan is built.
    """
    year = (assumptions.get("tax") or {}).get("year")
    shipped = load_law().years
    if year is not None and year not in shipped:
        listed = ", ".join(map(str, shipped))
        raise ValidationFailed(
            f"There is no tax law for {year}: `tax.year` must be one of {listed}, or null for "
            "the latest one not after the run year.",
            errors=[
                {
                    "field": f"{field}.tax.year",
                    "message": f"{year} is not a shipped law year ({listed})",
                    "type": "value_error",
                }
            ],
        )


def full_assumptions(given: Assumptions) -> dict[str, Any]:
    """Return assumptions with every default spelled out, as stored and shown."""
    shown = given.model_dump(mode="json")
    check_tax_year(shown, field="assumptions")
    return shown


def _merges(key: str) -> bool:
    """Whether changes to this assumption merge field by field into the stored object.

    Only objects whose every field has a default (`tax`, `guardrails`, `historical`): any
    subset of them is a valid object, as the PATCH document says. `roth_conversion`, whose
    three fields are required (a window is one decision), is replaced whole, so a partial one
    is refused as the document says too.
    """
    field = Assumptions.model_fields.get(key)
    model = None if field is None else field.annotation
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return False
    return all(not inner.is_required() for inner in model.model_fields.values())


def merged_assumptions(
    base: dict[str, Any], changes: dict[str, Any], *, field: str
) -> dict[str, Any]:
    """Apply assumption changes (see `_merges`); 422 names each bad field under `field`."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict) and _merges(key):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    try:
        valid = Assumptions.model_validate(merged).model_dump(mode="json")
    except ValidationError as err:
        raise ValidationFailed(
            "One or more assumptions are invalid; see `errors`.",
            errors=validation_errors(err, prefix=f"{field}."),
        ) from err
    check_tax_year(valid, field=field)
    return valid


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


def _birth_date_needed(field: str, whose: str) -> ValidationFailed:
    return ValidationFailed(
        f"{whose} has no birth date, so the age is unknown: set `{field.removeprefix('profile.')}`"
        " with PATCH /api/v1/me/profile, then run the projection again.",
        errors=[{"field": field, "message": "required to run a projection", "type": "missing"}],
    )


def _plan_profile(profile: dict[str, Any], overrides: Overrides | None) -> dict[str, Any]:
    """Return the engine's profile: the first person, the filing status and the partner."""
    if profile.get("birth_date") is None:
        raise _birth_date_needed("profile.birth_date", "Your profile")
    partner = profile.get("partner")
    if partner is not None and partner.get("birth_date") is None:
        raise _birth_date_needed("profile.partner.birth_date", "Your partner")
    plan_profile: dict[str, Any] = {
        "birth_date": profile["birth_date"],
        "retirement_age": profile["retirement_age"],
        "life_expectancy": profile["life_expectancy"],
        "sex": profile.get("sex", "unspecified"),
        "filing_status": profile.get("filing_status", "single"),
        # A null `tax.regime` is resolved from it when the plan runs (DESIGN §6.4), so a user
        # who changes currency gets the other regime on the next run (and a new inputs hash).
        "currency": profile.get("currency"),
        "partner": None if partner is None else {k: v for k, v in partner.items() if k in _PARTNER},
    }
    if overrides is None:
        return plan_profile
    for field, value in (
        ("retirement_age", overrides.retirement_age),
        ("life_expectancy", overrides.life_expectancy),
    ):
        if value is not None:
            plan_profile[field] = value
    if plan_profile["partner"] is not None:
        for field, value in (
            ("retirement_age", overrides.partner_retirement_age),
            ("life_expectancy", overrides.partner_life_expectancy),
        ):
            if value is not None:
                plan_profile["partner"][field] = value
    return plan_profile


def _claimed(income: dict[str, Any], claiming: ClaimingAges) -> dict[str, Any]:
    """Return a Social Security income claimed at its owner's age (DESIGN §4: its start_age)."""
    if income.get("kind") != "social_security":
        return income
    age = {"self": claiming.self, "partner": claiming.partner}.get(income.get("owner", "self"))
    return income if age is None else {**income, "start_age": age}


def _plan_records(
    snapshot: dict[str, list[dict[str, Any]]], overrides: Overrides | None
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[str]]]:
    """Return the engine's records and, beside each, the name a 422 calls it by.

    A ledger record is `ledger.<kind>[<id>]`, a scenario's extra one
    `overrides.extra_<kind>.<index>` (as when the scenario was written): what to change.
    """
    records: dict[str, list[dict[str, Any]]] = {}
    names: dict[str, list[str]] = {}
    for kind in _ENGINE_RECORDS:
        given = snapshot.get(kind, [])
        records[kind] = [_engine_record(kind, r) for r in given]
        names[kind] = [f"ledger.{kind}[{r.get('id', i)}]" for i, r in enumerate(given)]
    if overrides is None:
        return records, names
    records["incomes"] = _scaled(records["incomes"], overrides.income_scale)
    records["expenses"] = _scaled(records["expenses"], overrides.expense_scale)
    for kind, extras in (
        ("incomes", overrides.extra_incomes),
        ("expenses", overrides.extra_expenses),
    ):
        records[kind] += [e.model_dump(mode="json") for e in extras]
        names[kind] += [f"overrides.extra_{kind}.{i}" for i in range(len(extras))]
    if overrides.claiming_ages is not None:
        records["incomes"] = [_claimed(r, overrides.claiming_ages) for r in records["incomes"]]
    return records, names


def _check_partner_needed(
    plan_profile: dict[str, Any],
    records: dict[str, list[dict[str, Any]]],
    names: dict[str, list[str]],
    overrides: Overrides | None,
) -> None:
    """Refuse (422) what needs a partner when the profile has none, naming every such field.

    A record stays owned by the partner when the partner is removed from the profile (the
    ledger keeps it as written; docs/API.md): the run is refused until the user adds the
    partner back or changes the record's owner.
    """
    if plan_profile["partner"] is not None:
        return
    errors = [
        {
            "field": f"{names[kind][index]}.owner",
            "message": "owned by the partner, but the profile has no partner",
            "type": "partner_missing",
        }
        for kind in _ENGINE_RECORDS
        for index, record in enumerate(records[kind])
        if record.get("owner") == "partner"
    ]
    if overrides is not None:
        wanted = {
            "overrides.partner_retirement_age": overrides.partner_retirement_age,
            "overrides.partner_life_expectancy": overrides.partner_life_expectancy,
            "overrides.claiming_ages.partner": overrides.claiming_ages
            and overrides.claiming_ages.partner,
        }
        errors += [
            {
                "field": field,
                "message": "the profile has no partner",
                "type": "partner_missing",
            }
            for field, value in wanted.items()
            if value is not None
        ]
    if errors:
        raise ValidationFailed(
            "Your profile has no partner, but the fields named in `errors` are the partner's. "
            "Add the partner with PATCH /api/v1/me/profile, or change each named record's "
            "`owner` to `self` or `joint` (PATCH /api/v1/<collection>/<id>) and drop the "
            "scenario's partner overrides; then run the projection again.",
            errors=errors,
        )


def _record_named(error: dict[str, Any], names: dict[str, list[str]]) -> dict[str, Any]:
    """Name an engine error on a record by the record (`ledger.incomes[<id>].amount`)."""
    kind, _, rest = error["field"].partition(".")
    index, _, inner = rest.partition(".")
    if kind in names and index.isdigit() and int(index) < len(names[kind]):
        named = names[kind][int(index)] + (f".{inner}" if inner else "")
        return {**error, "field": named}
    return {**error, "field": f"plan.{error['field']}"}


def _check_ages_today(plan: Plan, overrides: Overrides | None, today: date) -> None:
    """Refuse (422) a person whose life expectancy is not above their age on the run date.

    Accounts checks it when the profile is written, but birthdays pass and scenarios override
    it; the field named is the one that set the value.
    """
    chosen = overrides or Overrides()
    people: list[tuple[str, Profile | Partner, int | None, str]] = [
        ("profile", plan.profile, chosen.life_expectancy, "overrides.life_expectancy")
    ]
    if plan.profile.partner is not None:
        people.append(
            (
                "profile.partner",
                plan.profile.partner,
                chosen.partner_life_expectancy,
                "overrides.partner_life_expectancy",
            )
        )
    errors = []
    for where, person, overridden, override_field in people:
        try:
            age = current_age(person, today)
        except ValueError as err:  # a birth date after the run date
            errors.append(
                {"field": f"{where}.birth_date", "message": str(err), "type": "value_error"}
            )
            continue
        if age >= person.life_expectancy:
            errors.append(
                {
                    "field": f"{where}.life_expectancy" if overridden is None else override_field,
                    "message": f"{person.life_expectancy} is not above the age today, {age}",
                    "type": "greater_than",
                }
            )
    if errors:
        raise ValidationFailed(
            "A life expectancy must be above the person's age today; see `errors` (change it "
            "with PATCH /api/v1/me/profile, or in the scenario's overrides).",
            errors=errors,
        )


def build_plan(
    *,
    profile: dict[str, Any],
    snapshot: dict[str, list[dict[str, Any]]],
    assumptions: dict[str, Any],
    overrides: Overrides | None,
    seed: int,
    today: date,
) -> dict[str, Any]:
    """Return the engine plan of a user's data, with a scenario's overrides applied."""
    plan_profile = _plan_profile(profile, overrides)
    records, names = _plan_records(snapshot, overrides)
    _check_partner_needed(plan_profile, records, names, overrides)
    chosen = dict(assumptions)
    check_tax_year(chosen, field="assumptions")
    if overrides is not None:
        chosen = merged_assumptions(chosen, overrides.assumptions, field="overrides.assumptions")
    if chosen.get("seed") is None:
        chosen["seed"] = seed
    plan = {"profile": plan_profile, **records, "assumptions": chosen}
    try:
        valid = Plan.model_validate(plan)
    except ValidationError as err:
        raise ValidationFailed(
            "This plan cannot be projected as it stands; see `errors`: a field under `ledger.` "
            "is a record to change (PATCH /api/v1/<collection>/<id>), one under `overrides.` "
            "the scenario's.",
            errors=[_record_named(e, names) for e in validation_errors(err)],
        ) from err
    _check_ages_today(valid, overrides, today)
    return valid.model_dump(mode="json")


def summarise_figures(figures: dict[str, Any], *, retirement_age: int) -> RunSummary:
    """Pick out success rate, median portfolio at retirement and at the end, depletion age.

    `figures` are a plan's compared figures (engine.compare.FIGURES): computed by a compare,
    or read from a stored result (compare.result_figures).
    """
    ages, medians = figures["ages"], figures["median_portfolio"]
    at_retirement = next(
        (m for age, m in zip(ages, medians, strict=True) if age == retirement_age), None
    )
    cumulative, median_depletion = 0.0, None
    for age, share in sorted(figures["depletion_ages"].items(), key=lambda kv: int(kv[0])):
        cumulative += share
        if cumulative >= 0.5:
            median_depletion = int(age)
            break
    return RunSummary(
        success_rate=figures["success_rate"],
        median_portfolio_at_retirement=at_retirement,
        median_portfolio_at_end=medians[-1],
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
