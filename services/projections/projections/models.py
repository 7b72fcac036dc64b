"""Request and response bodies of the projections API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from projections.engine.plan import Assumptions, Expense, Income, refuse_booleans

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Scale = Annotated[
    float, BeforeValidator(refuse_booleans), Field(ge=0.0, le=10.0, allow_inf_nan=False)
]


class Strict(BaseModel):
    """A request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class ProjectionIn(Strict):
    """A projection as written: a name and assumptions (every omitted one takes its default)."""

    name: Name
    assumptions: Assumptions = Assumptions()


class ProjectionOut(BaseModel):
    """A projection as returned, with every assumption spelled out."""

    id: uuid.UUID
    name: str
    assumptions: dict[str, Any] = Field(
        description="Every field of Assumptions, defaults spelled out"
    )
    created_at: datetime
    updated_at: datetime


class ExtraIncome(Income):
    """An income a scenario adds to the plan (unlike the ledger, `frequency` defaults to annual)."""


class ExtraExpense(Expense):
    """An expense a scenario adds to the plan (`frequency` defaults to annual)."""


class Overrides(Strict):
    """What a scenario changes in the plan; everything is optional."""

    retirement_age: Annotated[int, Field(ge=0, le=120, strict=True)] | None = None
    life_expectancy: Annotated[int, Field(ge=1, le=120, strict=True)] | None = None
    assumptions: dict[str, Any] = Field(
        default_factory=dict,
        description="Any assumption fields (see Assumptions), merged into the projection's "
        "(nested objects merge too) and validated against them",
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

    name: Name
    overrides: Overrides = Overrides()


class ScenarioOut(BaseModel):
    """A scenario as returned."""

    id: uuid.UUID
    projection_id: uuid.UUID
    name: str
    overrides: dict[str, Any] = Field(description="Every field of Overrides, defaults spelled out")
    created_at: datetime
    updated_at: datetime


class RunRequest(Strict):
    """Which plan to run: the baseline, or the baseline with a scenario applied."""

    scenario_id: uuid.UUID | None = None


class CompareRequest(Strict):
    """Compare takes no options yet: it runs the baseline and every scenario."""


class SolveRequest(Strict):
    """What to solve for, and the success rate to reach."""

    target: Literal["retirement_age", "annual_spending"]
    success_rate: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
    scenario_id: uuid.UUID | None = None


class RunSummary(BaseModel):
    """The few numbers people compare runs by."""

    success_rate: float
    median_portfolio_at_retirement: float | None
    median_portfolio_at_end: float
    median_depletion_age: int | None


class ComparedRun(BaseModel):
    """One column of a comparison."""

    scenario_id: uuid.UUID | None
    name: str
    run_id: uuid.UUID
    inputs_hash: str
    summary: RunSummary
    difference: RunSummary | None = Field(None, description="this run minus the baseline")


class Comparison(BaseModel):
    """The baseline and each scenario side by side."""

    projection_id: uuid.UUID
    runs: list[ComparedRun]


# The run and solve answers are built as dicts (runs.run_out, runs.solve); these models describe
# them for the OpenAPI document, and tests/e2e/test_openapi.py checks real answers against it.


class Percentiles(BaseModel):
    """One money figure across the paths: its 10th to 90th percentiles, in currency units."""

    p10: float
    p25: float
    p50: float
    p75: float
    p90: float


class YearRow(BaseModel):
    """One year of the plan; money at the start of that age's year, before its flows."""

    age: int
    year: int
    portfolio: Percentiles = Field(description="portfolio value, nominal")
    portfolio_real: Percentiles = Field(description="portfolio value in today's money")
    income: Percentiles
    spending: Percentiles
    withdrawals: Percentiles
    taxes: Percentiles
    debt: Percentiles = Field(description="debt outstanding (the same on every path)")


class ProjectionResult(BaseModel):
    """What the engine computes for one plan (docs/ENGINE.md)."""

    success_rate: float = Field(description="share of paths that never fail, 0..1")
    paths: int
    seed: int | None = Field(description="the Monte Carlo seed used; null in the other modes")
    inputs_hash: str = Field(description="sha256 of everything the result depends on")
    engine_version: str
    dataset_hash: str | None = Field(description="sha256 of the historical data, if used")
    depletion_ages: dict[str, float] = Field(
        description="age → share of all paths that first fail in that age's year"
    )
    years: list[YearRow]


class RunResult(ProjectionResult):
    """A stored run: the engine's result plus where it came from."""

    run_id: uuid.UUID
    projection_id: uuid.UUID
    scenario_id: uuid.UUID | None = Field(description="null for the baseline")
    created_at: datetime = Field(description="when it was computed")
    cached: bool = Field(description="true when answered from a stored run of the same inputs")


class SolveAnswer(BaseModel):
    """The earliest retirement age or highest annual spending that reaches the success rate."""

    projection_id: uuid.UUID
    scenario_id: uuid.UUID | None
    target: Literal["retirement_age", "annual_spending"]
    success_rate: float = Field(description="the success rate asked for")
    value: int | None = Field(
        description="the retirement age, or the annual spending in today's money (a multiple "
        "of 100, rounded down); null when no value reaches the success rate"
    )
    achieved_success_rate: float | None = Field(description="the success rate at `value`")
    evaluations: int = Field(description="how many plans the search evaluated")
    paths: int
    seed: int | None
    inputs_hash: str
    engine_version: str
    dataset_hash: str | None
    result: ProjectionResult | None = Field(description="the full result at `value`")
