"""The shapes of the run answers, for the OpenAPI document.

The answers are built as dicts (the engine's result; runs.run_out, runs.solve); these models
describe them, and tests/e2e/test_openapi.py checks real answers against them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from projections.detail_models import Detail
from projections.models import INPUTS_HASH

_PERCENTILES = "Its 10th to 90th percentiles over the paths, in currency units (JSON numbers)."
SEED_DOC = "The Monte Carlo seed used; null in the other modes."
DATASET_DOC = "sha256 (hex) of the historical data file used; null outside historical mode."
# The tax result's objects have a fixed shape: an undocumented field is an error in the e2e
# OpenAPI check (tests/e2e/test_openapi.py), not silently accepted.
_CLOSED = ConfigDict(extra="forbid")


class Percentiles(BaseModel):
    """One money figure across the paths: its 10th to 90th percentiles, in currency units."""

    p10: float = Field(description="10th percentile: 90 % of paths are above it.")
    p25: float = Field(description="25th percentile.")
    p50: float = Field(description="The median.")
    p75: float = Field(description="75th percentile.")
    p90: float = Field(description="90th percentile: 10 % of paths are above it.")


class YearRow(BaseModel):
    """One year of the plan; money at the start of that age's year, before its flows.

    Under stochastic longevity each money figure is over the paths on which someone in the
    household is alive that year (the last row, what is left, over every path).
    """

    age: int = Field(description="The user's age in that year (whole years).")
    partner_age: int | None = Field(
        description="The partner's age in that year (whole years); null without a partner."
    )
    year: int = Field(description="The calendar year.")
    alive_share: float = Field(
        description="Share of paths, 0–1, on which someone in the household is alive at the "
        "start of that year: 1 until the last death under fixed longevity; falling year by year "
        "under stochastic longevity."
    )
    portfolio: Percentiles = Field(description=f"Liquid portfolio, nominal. {_PERCENTILES}")
    portfolio_real: Percentiles = Field(
        description=f"Liquid portfolio in today's money. {_PERCENTILES}"
    )
    income: Percentiles = Field(description=f"Gross income, nominal. {_PERCENTILES}")
    spending: Percentiles = Field(description=f"What was spent, nominal. {_PERCENTILES}")
    essential_spending: Percentiles | None = Field(
        None,
        description="The part of `spending` that is essential (at most the stated essential "
        f"expenses), nominal; absent from runs of engines before 2.2. {_PERCENTILES}",
    )
    discretionary_spending: Percentiles | None = Field(
        None,
        description="The part of `spending` beyond the essential (discretionary; under vpw, "
        "floor_ceiling and rmd_based it may exceed the stated discretionary expenses), "
        f"nominal; absent from runs of engines before 2.2. {_PERCENTILES}",
    )
    withdrawals: Percentiles = Field(
        description=f"Gross withdrawals from the portfolio, nominal. {_PERCENTILES}"
    )
    taxes: Percentiles = Field(
        description="Every tax paid that year, nominal: under `us` federal income tax, state, "
        "payroll and IRMAA surcharges (`detail` splits them), the tax on Roth conversions "
        f"included; under `flat` the flat income tax and its gross-up. {_PERCENTILES}"
    )
    rmd: Percentiles = Field(
        description="Required minimum distributions from tax_deferred accounts, nominal "
        "(included in `withdrawals`); 0 before each owner's RMD age and under `flat`. "
        f"{_PERCENTILES}"
    )
    roth_conversions: Percentiles = Field(
        description="Moved from tax_deferred to tax_free by `roth_conversion`, nominal (not a "
        f"withdrawal: it stays in the portfolio); 0 under `flat`. {_PERCENTILES}"
    )
    debt: Percentiles = Field(
        description="Debt outstanding, nominal (the same on every path, so every percentile "
        "is equal)."
    )


class AgePercentiles(BaseModel):
    """A death age across the paths: its 10th to 90th percentiles, in years of age."""

    p10: float = Field(description="10th percentile: on 10 % of paths the person dies younger.")
    p25: float = Field(description="25th percentile.")
    p50: float = Field(description="The median death age.")
    p75: float = Field(description="75th percentile.")
    p90: float = Field(description="90th percentile: on 10 % of paths the person lives longer.")


class DeathAge(BaseModel):
    """One person's drawn death ages: the age of the first year they are no longer alive."""

    percentiles: AgePercentiles = Field(description="Its percentiles over the paths.")
    mean: float = Field(description="The mean death age over the paths (years of age).")
    shares: dict[str, float] = Field(
        description="Age (a string key) → share of paths, 0–1, on which the person dies at it."
    )


class PersonLifespan(BaseModel):
    """One person's lifespans over the paths."""

    person: Literal["self", "partner"] = Field(description="Whose: the user or the partner.")
    death_age: DeathAge = Field(description="The distribution of their death age.")


class Lifespans(BaseModel):
    """Stochastic lifespans (DESIGN §6.1, §6.6): who dies when, and whether the money lasts."""

    people: list[PersonLifespan] = Field(description="The user, then the partner if any.")
    money_lasts_share: float = Field(
        description="Share of paths, 0–1, on which the money lasts as long as someone lives."
    )


class TaxLaw(BaseModel):
    """Which tax rules the run applied (DESIGN §6.4, §6.6); part of `inputs_hash`."""

    model_config = _CLOSED

    regime: Literal["flat", "us"] = Field(
        description="The regime used: the projection's `tax.regime`, or when that is null, "
        "`us` for a profile in USD (or without a currency) and `flat` otherwise."
    )
    law_year: int | None = Field(
        description="`us`: the year whose law applied (`tax.year`, or the latest shipped law "
        "year not after the run year), indexed by inflation in later years; null under `flat`."
    )
    hash: str | None = Field(
        description="`us`: sha256 (hex) of the engine's tax-law data files (federal law "
        "generated from Tax-Calculator, and IRMAA tiers); null under `flat`."
    )


class Shortfall(BaseModel):
    """How bad failure and adjustment are (DESIGN §6.6 `shortfall`)."""

    model_config = _CLOSED

    failing_paths: int = Field(
        description="Paths that fail: a year whose essential spending, debt payments or taxes "
        "the assets could not fund while someone was alive."
    )
    unfunded_real: Percentiles | None = Field(
        description="Over the failing paths: the essential spending (with debt payments and "
        "taxes) left unfunded, summed over the years, in today's money. Null when none fail. "
        + _PERCENTILES
    )
    years_short: Percentiles | None = Field(
        description="Over the failing paths: the number of years with unfunded essential "
        "spending (percentiles of a count). Null when none fail."
    )
    adjusted_paths: int = Field(
        description="Paths with a year whose discretionary spending is below the stated amount."
    )
    deepest_cut: Percentiles | None = Field(
        description="Over the adjusted paths: the deepest cut of discretionary spending in any "
        "year, a fraction 0–1 of the stated amount (1 = none spent). Null when none adjust."
    )


class WorstStartYear(BaseModel):
    """One historical start year among the worst (cFIREsim's 1966 view), with its path."""

    model_config = _CLOSED

    start_year: int = Field(
        description="The calendar year of history the path starts in: the plan's first year "
        "earns that year's returns and inflation, the next year the following one's, and so on."
    )
    depleted_at_age: int | None = Field(
        description="The user's age in the first year essential spending, debt payments or "
        "taxes went unfunded on this path; null when the money lasts."
    )
    final_portfolio_real: float = Field(
        description="The liquid portfolio left at the end (the last row of `years`), in "
        "today's money, currency units rounded to cents."
    )
    portfolio_real: list[float] = Field(
        description="This path's liquid portfolio in today's money at the start of each row "
        "of `years` (same length and order), currency units rounded to cents."
    )


class ProjectionResult(BaseModel):
    """What the engine computes for one plan (docs/ENGINE.md)."""

    success_rate: float = Field(
        description="Share of paths that never fail (essential spending, debt payments and "
        "taxes funded every year someone is alive), a fraction 0–1."
    )
    adjustment_rate: float | None = Field(
        None,
        description="Share of paths with a year whose discretionary spending is below the "
        "stated amount, a fraction 0–1; absent from runs of engines before 2.2.",
    )
    shortfall: Shortfall | None = Field(
        None,
        description="How bad failure is: unfunded essential spending and years short over the "
        "failing paths, the deepest discretionary cut over the adjusted paths; absent from runs "
        "of engines before 2.2.",
    )
    paths: int = Field(
        description="How many paths were simulated: return paths, each with its own drawn "
        "lifespans under stochastic longevity (deterministic and historical returns are then "
        "crossed with the lifespan draws)."
    )
    seed: int | None = Field(description=SEED_DOC)
    inputs_hash: str = Field(description=INPUTS_HASH)
    engine_version: str = Field(description="The version of the engine that computed it.")
    dataset_hash: str | None = Field(description=DATASET_DOC)
    tax_law: TaxLaw = Field(description="The tax regime and law the run applied.")
    depletion_ages: dict[str, float] = Field(
        description="Age (a string key) → share of all paths, 0–1, that first fail in that "
        "age's year."
    )
    lifespans: Lifespans | None = Field(
        description="Stochastic longevity: each person's death-age distribution and the share "
        "of paths whose money lasts as long as someone lives; null under fixed longevity."
    )
    years: list[YearRow] = Field(description="One row per year of the plan, youngest age first.")
    detail: Detail | None = Field(
        description="`us`: the representative path's year-by-year breakdown (incomes by kind, "
        "withdrawals and balances by account kind, each tax, RMDs, conversions, gains); null "
        "under `flat`."
    )
    worst_start_years: list[WorstStartYear] | None = Field(
        None,
        description="Historical mode under fixed longevity (one path per start year): the "
        "worst start years, failing ones first by earliest depletion age, then by lowest "
        "final real portfolio (ties: the earlier year); every failing year up to 10 and at "
        "least 5 (or every start year when fewer). Null in the other modes and under "
        "stochastic longevity (a start year is then many paths); absent from runs of engines "
        "before 2.3.",
    )


class RunResult(ProjectionResult):
    """A stored run: the engine's result plus where it came from."""

    run_id: uuid.UUID = Field(description="The stored run's id.")
    projection_id: uuid.UUID = Field(description="The projection run.")
    scenario_id: uuid.UUID | None = Field(description="The scenario applied; null = baseline.")
    created_at: datetime = Field(description="When it was computed (RFC 3339, UTC).")
    cached: bool = Field(description="True when answered from a stored run of the same inputs.")
