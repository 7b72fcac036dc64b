"""Request and response bodies of the projections API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from nestegg_common.values import DisplayText, Money, Text
from projections.engine.plan import Assumptions, Expense, Income, refuse_booleans

Scale = Annotated[
    float, BeforeValidator(refuse_booleans), Field(ge=0.0, le=10.0, allow_inf_nan=False)
]
# As in the ledger: 0, 1 or "yes" are not booleans, false or "65" no age, "0.02" no rate.
StrictBool = Annotated[bool, Field(strict=True)]
StrictAge = Annotated[int, Field(ge=0, le=120, strict=True)]
_START_AGE = "The age (whole years, 0–120) in whose year it starts; null = from now."
_END_AGE = (
    "The age (whole years, 0–120) in whose year it last applies, inclusive; null = to the end "
    "of the plan. Not before `start_age`."
)
_ID = "Its id."
_CREATED = "When it was created (RFC 3339, UTC)."
_UPDATED = "When it last changed (RFC 3339, UTC)."
_NAME = "What the user calls it: 1–100 characters, trimmed, something visible."
INPUTS_HASH = (
    "sha256 (hex) of everything the result depends on: plan, assumptions, seed, version, data."
)


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    """Forbid unknown fields, and show request examples in the OpenAPI document."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


class Strict(BaseModel):
    """A request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class ProjectionIn(Strict):
    """A projection as written: a name and assumptions (every omitted one takes its default)."""

    model_config = _examples(
        {
            "name": "Retire at 62",
            "assumptions": {
                "paths": 5000,
                "stock_return": 0.08,
                "inflation": 0.025,
                "withdrawal_strategy": "guardrails",
                "withdrawal_rate": 0.045,
            },
        },
        {
            "name": "US taxes: 401(k) to the 22% bracket, Roth conversions 60–72",
            "assumptions": {
                "mode": "deterministic",
                "tax": {"regime": "us", "year": 2026, "state_rate": 0.05},
                "withdrawal_order": "bracket_fill",
                "fill_bracket": 0.22,
                "roth_conversion": {"up_to_bracket": 0.24, "from_age": 60, "to_age": 72},
                "dividend_yield": 0.015,
            },
        },
    )

    name: DisplayText = Field(description=_NAME)
    assumptions: Assumptions = Field(
        Assumptions(), description="The engine's assumptions; every one omitted takes its default."
    )


class ProjectionOut(BaseModel):
    """A projection as returned, with every assumption spelled out."""

    id: uuid.UUID = Field(description=_ID)
    name: str = Field(description="What the user calls it.")
    assumptions: Assumptions = Field(description="Every assumption, defaults spelled out.")
    created_at: datetime = Field(description=_CREATED)
    updated_at: datetime = Field(description=_UPDATED)


class ExtraIncome(Income):
    """An income a scenario adds to the plan (unlike the ledger, `frequency` defaults to annual)."""

    start_age: StrictAge | None = Field(None, description=_START_AGE)
    end_age: StrictAge | None = Field(None, description=_END_AGE)
    name: DisplayText = Field(description=_NAME)
    amount: Money = Field(description="What is received each period, in today's money.")
    growth_rate: Annotated[float, Field(gt=-1.0, le=1.0, strict=True)] = Field(
        0.0,
        description="Annual nominal growth as a fraction, above −1 and at most 1: 0.02 = grows "
        "2 % a year (on top of inflation when `inflation_indexed`). Default 0.",
    )
    inflation_indexed: StrictBool = Field(
        False, description="Whether it also rises with inflation each year. Default false."
    )
    taxable: StrictBool = Field(True, description="Whether income tax is due on it. Default true.")
    survivor_fraction: Annotated[float, Field(ge=0.0, le=1.0, strict=True)] = Field(
        0.0,
        description="Pension or annuity: the share of it paid to the partner after the owner's "
        "death, a fraction 0–1 (0.5 = half). Default 0; other kinds must leave it 0.",
    )


class ExtraExpense(Expense):
    """An expense a scenario adds to the plan (`frequency` defaults to annual)."""

    start_age: StrictAge | None = Field(None, description=_START_AGE)
    end_age: StrictAge | None = Field(None, description=_END_AGE)
    name: DisplayText = Field(description=_NAME)
    category: Annotated[str, Text(100)] = Field(
        "other", description="A free grouping such as `home` or `travel`. Default `other`."
    )
    amount: Money = Field(description="What is spent each period, in today's money.")
    inflation_indexed: StrictBool = Field(
        True, description="Whether it rises with inflation each year. Default true."
    )
    essential: StrictBool = Field(
        True,
        description="Whether it must be paid whatever the markets do (a failure if not), as "
        "opposed to discretionary. Default true.",
    )


ClaimingAge = Annotated[int, Field(ge=62, le=70, strict=True)]


class ClaimingAges(Strict):
    """When each person claims Social Security in a scenario (DESIGN §4, §6.2)."""

    self: ClaimingAge | None = Field(
        None,
        description="The age (whole years, 62–70) at which the first person claims: it becomes "
        "the `start_age` of each of their `social_security` incomes; null = as in the ledger.",
    )
    partner: ClaimingAge | None = Field(
        None,
        description="The age (whole years, 62–70) at which the partner claims, applied to the "
        "partner's `social_security` incomes; null = as in the ledger. Needs a partner in the "
        "profile when the scenario runs (else 422 naming `overrides.claiming_ages.partner`).",
    )


class Overrides(Strict):
    """What a scenario changes in the plan; everything is optional.

    The partner's overrides are checked against the profile when the scenario runs (the profile
    lives in accounts and may change after the scenario is written): without a partner they
    are a 422 naming the field.
    """

    retirement_age: Annotated[int, Field(ge=0, le=120, strict=True)] | None = Field(
        None, description="Retire at this age (whole years, 0–120) instead; null = the profile's."
    )
    life_expectancy: Annotated[int, Field(ge=1, le=120, strict=True)] | None = Field(
        None,
        description="Plan to this age (whole years, 1–120) instead; null = the profile's.",
    )
    partner_retirement_age: Annotated[int, Field(ge=0, le=120, strict=True)] | None = Field(
        None,
        description="The partner retires at this age (whole years, 0–120) instead; null = the "
        "profile's. Needs a partner in the profile when the scenario runs.",
    )
    partner_life_expectancy: Annotated[int, Field(ge=1, le=120, strict=True)] | None = Field(
        None,
        description="The partner lives to this age (whole years, 1–120) under fixed longevity "
        "instead; null = the profile's. Needs a partner in the profile when the scenario runs.",
    )
    claiming_ages: ClaimingAges | None = Field(
        None,
        description="Each person's Social Security claiming age, 62–70 (`self`, `partner`); "
        "null = the ledger's `start_age` of each benefit.",
    )
    assumptions: dict[str, Any] = Field(
        default_factory=dict,
        description="Any assumption fields (see Assumptions), merged into the projection's "
        "(`tax`, `guardrails` and `historical` merge field by field; a `roth_conversion` "
        "window is replaced whole) and validated with them: a 422 names e.g. "
        "`overrides.assumptions.roth_conversion.up_to_bracket`",
    )
    income_scale: Scale = Field(1.0, description="Multiply every income (0.9 = 10% less)")
    expense_scale: Scale = Field(1.0, description="Multiply every expense (0.9 = spend 10% less)")
    extra_incomes: list[ExtraIncome] = Field(
        default_factory=list, max_length=20, description="Incomes added to the ledger's"
    )
    extra_expenses: list[ExtraExpense] = Field(
        default_factory=list, max_length=20, description="Expenses added to the ledger's"
    )


class ScenarioIn(Strict):
    """A scenario as written."""

    model_config = _examples(
        {
            "name": "Retire earlier, spend less, claim at 70",
            "overrides": {
                "retirement_age": 60,
                "claiming_ages": {"self": 70},
                "expense_scale": 0.9,
                "assumptions": {"stock_return": 0.07},
                "extra_expenses": [{"name": "Travel", "amount": "5000.00", "end_age": 75}],
            },
        },
        {
            "name": "Move to a state without income tax, convert to Roth until 75",
            "overrides": {
                "assumptions": {
                    "tax": {"state_rate": 0},
                    "roth_conversion": {"up_to_bracket": 0.24, "from_age": 60, "to_age": 75},
                },
            },
        },
        {
            "name": "Both claim at 70, partner works to 64",
            "overrides": {
                "partner_retirement_age": 64,
                "claiming_ages": {"self": 70, "partner": 70},
            },
        },
    )

    name: DisplayText = Field(description=_NAME)
    overrides: Overrides = Field(
        Overrides(), description="What the scenario changes in the plan; default nothing."
    )


class ScenarioOut(BaseModel):
    """A scenario as returned."""

    id: uuid.UUID = Field(description=_ID)
    projection_id: uuid.UUID = Field(description="The projection it belongs to.")
    name: str = Field(description="What the user calls it.")
    overrides: dict[str, Any] = Field(
        description="Every field of Overrides (see the request schema), defaults spelled out."
    )
    created_at: datetime = Field(description=_CREATED)
    updated_at: datetime = Field(description=_UPDATED)


class RunRequest(Strict):
    """Which plan to run: the baseline, or the baseline with a scenario applied."""

    model_config = _examples({"scenario_id": None})

    scenario_id: uuid.UUID | None = Field(
        None, description="The scenario to apply; null or omitted = the baseline."
    )


class CompareRequest(Strict):
    """Compare takes no options yet: it runs the baseline and every scenario."""


class OptimizeRequest(Strict):
    """Which decision to optimise, by which objective, for the baseline or a scenario."""

    model_config = _examples(
        {"decision": "claiming_ages", "objective": "success_rate"},
        {"decision": "roth_conversions", "objective": "median_estate_real", "scenario_id": None},
    )

    decision: Literal["claiming_ages", "roth_conversions"] = Field(
        description="`claiming_ages`: each person with a `social_security` income claims at "
        "every whole age from 62 (or their age today) to 70 — 9 candidates for one person, 81 "
        "pairs for a couple. `roth_conversions`: no conversion, and conversions up to the top "
        "of each bracket (10 % to 35 %) from the first person's retirement to each end age "
        "before their required minimum distributions start."
    )
    objective: Literal["success_rate", "median_estate_real"] = Field(
        description="What ranks the candidates: `success_rate` (the share of paths that never "
        "fail) or `median_estate_real` (the median liquid portfolio, in today's money, when "
        "the last person dies). Ties are broken by the other objective, then by the "
        "candidates' order."
    )
    scenario_id: uuid.UUID | None = Field(
        None, description="Optimise with this scenario applied; null or omitted = the baseline."
    )


class SolveRequest(Strict):
    """What to solve for, and the success rate to reach."""

    model_config = _examples({"target": "retirement_age", "success_rate": 0.9})

    target: Literal["retirement_age", "annual_spending"] = Field(
        description="`retirement_age`: the earliest age that reaches the rate; "
        "`annual_spending`: the most spending per year, in today's money, that does."
    )
    success_rate: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = Field(
        description="The share of paths that must never fail, a fraction 0–1: 0.9 = 90 %."
    )
    scenario_id: uuid.UUID | None = Field(
        None, description="Solve with this scenario applied; null or omitted = the baseline."
    )


class RunSummary(BaseModel):
    """The few numbers people compare runs by."""

    success_rate: float = Field(description="Share of paths that never fail, a fraction 0–1.")
    median_portfolio_at_retirement: float | None = Field(
        description="Median portfolio (nominal, currency units) at the start of the retirement "
        "year; null when retirement falls outside the plan."
    )
    median_portfolio_at_end: float = Field(
        description="Median portfolio (nominal, currency units) at the start of the last year."
    )
    median_depletion_age: int | None = Field(
        description="The age by which half of all paths have failed; null when fewer fail."
    )


class MedianPoint(BaseModel):
    """One year of a run's median path, for a chart."""

    age: int = Field(description="The user's age in that year (whole years).")
    value: float = Field(
        description="The median liquid portfolio at the start of that year, in the unit of "
        "the list it is in (the run's `years[].portfolio_real.p50` or `years[].portfolio.p50`)."
    )


class ComparedRun(BaseModel):
    """One column of a comparison: a plan's figures, from its stored run or computed now."""

    scenario_id: uuid.UUID | None = Field(description="The scenario; null for the baseline.")
    name: str = Field(description="The projection's name for the baseline, else the scenario's.")
    run_id: uuid.UUID | None = Field(
        description="The stored run these figures were read from; null when this plan has no "
        "stored run: its figures were computed by this compare and not stored. Open it "
        "(`POST /projections/{id}/run` with the scenario) to compute and store its whole result."
    )
    inputs_hash: str = Field(description=INPUTS_HASH)
    returns_group: int = Field(
        0,
        description="Plans with the same number were computed on the very same return paths "
        "and lifespans (0 = the baseline's). A scenario that changes what the paths depend on "
        "(mode, paths, seed, return or inflation assumptions, longevity, or the plan's length "
        "through a life expectancy) gets paths of its own, drawn from the same seed.",
    )
    summary: RunSummary = Field(description="The plan's headline figures.")
    difference: RunSummary | None = Field(
        None,
        description="This plan minus the baseline, field by field; null for the baseline.",
    )
    median_portfolio_real: list[MedianPoint] = Field(
        default_factory=list,
        description="The median liquid portfolio in today's money, year by year (exactly the "
        "plan's run's `years[].portfolio_real.p50`): what a chart of the comparison needs, "
        "without running each plan.",
    )
    median_portfolio: list[MedianPoint] = Field(
        default_factory=list,
        description="The median liquid portfolio in nominal money, year by year (`years[]."
        "portfolio.p50`): so a comparison is shown in one unit, chart and table alike, either "
        "way.",
    )


class Comparison(BaseModel):
    """The baseline and each scenario side by side."""

    projection_id: uuid.UUID = Field(description="The projection compared.")
    runs: list[ComparedRun] = Field(description="The baseline first, then each scenario.")
