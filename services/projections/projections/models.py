"""Request and response bodies of the projections API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from projections.engine.plan import Assumptions, Expense, Income

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Scale = Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)]


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
    assumptions: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class Overrides(Strict):
    """What a scenario changes in the plan; everything is optional."""

    retirement_age: Annotated[int, Field(ge=0, le=120, strict=True)] | None = None
    life_expectancy: Annotated[int, Field(ge=1, le=120, strict=True)] | None = None
    assumptions: dict[str, Any] = Field(
        default_factory=dict,
        description="Any assumption fields; validated against the projection's",
    )
    income_scale: Scale = Field(1.0, description="Multiply every income (0.9 = 10% less)")
    expense_scale: Scale = Field(1.0, description="Multiply every expense (0.9 = spend 10% less)")
    extra_incomes: list[Income] = Field(default_factory=list, max_length=20)
    extra_expenses: list[Expense] = Field(default_factory=list, max_length=20)


class ScenarioIn(Strict):
    """A scenario as written."""

    name: Name
    overrides: Overrides = Overrides()


class ScenarioOut(BaseModel):
    """A scenario as returned."""

    id: uuid.UUID
    projection_id: uuid.UUID
    name: str
    overrides: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class RunRequest(Strict):
    """Which plan to run: the baseline, or the baseline with a scenario applied."""

    scenario_id: uuid.UUID | None = None


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
