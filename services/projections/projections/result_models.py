"""The shapes of the run and solve answers, for the OpenAPI document.

The answers are built as dicts (the engine's result; runs.run_out, runs.solve); these models
describe them, and tests/e2e/test_openapi.py checks real answers against them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from projections.models import INPUTS_HASH

_PERCENTILES = "Its 10th to 90th percentiles over the paths, in currency units (JSON numbers)."
_SEED = "The Monte Carlo seed used; null in the other modes."
_DATASET = "sha256 (hex) of the historical data file used; null outside historical mode."
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


_MONEY = "Nominal, currency units, on the representative path"


class IncomesByKind(BaseModel):
    """One year's gross incomes of the representative path, by the ledger's income kinds."""

    model_config = _CLOSED

    salary: float = Field(description=f"Wages (`salary` incomes). {_MONEY}.")
    social_security: float = Field(description=f"Social Security benefits received. {_MONEY}.")
    pension: float = Field(description=f"Pensions. {_MONEY}.")
    annuity: float = Field(description=f"Annuities. {_MONEY}.")
    rental: float = Field(description=f"Rental income. {_MONEY}.")
    other: float = Field(description=f"`other` incomes. {_MONEY}.")


class ByAccountKind(BaseModel):
    """An amount for each kind of liquid account."""

    model_config = _CLOSED

    cash: float = Field(description=f"Cash accounts. {_MONEY}.")
    taxable: float = Field(description=f"Taxable (brokerage) accounts. {_MONEY}.")
    tax_deferred: float = Field(description=f"Tax-deferred accounts (401(k), IRA). {_MONEY}.")
    tax_free: float = Field(description=f"Tax-free accounts (Roth). {_MONEY}.")


class TaxesByKind(BaseModel):
    """One year's taxes of the representative path, each separately."""

    model_config = _CLOSED

    federal: float = Field(
        description=f"Federal income tax (ordinary, qualified dividends and gains, AMT, NIIT). "
        f"{_MONEY}."
    )
    state: float = Field(
        description=f"State tax: `tax.state_rate` × (AGI − taxable Social Security). {_MONEY}."
    )
    payroll: float = Field(
        description=f"Payroll tax on wages: Social Security to the wage base, Medicare, "
        f"additional Medicare. {_MONEY}."
    )
    irmaa: float = Field(
        description=f"Medicare IRMAA surcharges (Part B and D), from 65, on the MAGI of two "
        f"years before. {_MONEY}."
    )


class DetailRow(BaseModel):
    """One year of the representative path, every flow separately (DESIGN §6.6).

    It adds up: income + withdrawals = spending + taxes + debt payments + contributions +
    savings (− unfunded), where withdrawals include the RMDs.
    """

    model_config = _CLOSED

    age: int = Field(description="The user's age in that year (whole years).")
    partner_age: int | None = Field(
        description="The partner's age in that year; null without a partner."
    )
    year: int = Field(description="The calendar year.")
    incomes: IncomesByKind = Field(description="Gross incomes by kind.")
    withdrawals: ByAccountKind = Field(
        description="Taken out of each kind of account, RMDs included (Roth conversions are "
        "not withdrawals)."
    )
    taxes: TaxesByKind = Field(description="Each tax separately; their sum is the year's taxes.")
    balances: ByAccountKind = Field(
        description="Each kind of account's balance at the start of the year, before its flows."
    )
    income: float = Field(description=f"Gross income, all kinds. {_MONEY}.")
    rmd: float = Field(description=f"Required minimum distributions taken. {_MONEY}.")
    roth_conversion: float = Field(
        description=f"Converted from tax_deferred to tax_free. {_MONEY}."
    )
    realised_gains: float = Field(
        description=f"Long-term gains realised: taxable accounts sold (average cost) and "
        f"home sales beyond the exclusion. {_MONEY}."
    )
    dividends: float = Field(
        description=f"Qualified dividends of taxable accounts (`dividend_yield` of their "
        f"stock). {_MONEY}."
    )
    interest: float = Field(
        description=f"Interest of taxable accounts (their bond share's return). {_MONEY}."
    )
    spending: float = Field(description=f"What was spent on living. {_MONEY}.")
    essential_spending: float | None = Field(
        None, description=f"The essential part of `spending` (engine 2.2 on). {_MONEY}."
    )
    discretionary_spending: float | None = Field(
        None, description=f"The discretionary part of `spending` (engine 2.2 on). {_MONEY}."
    )
    unfunded: float = Field(
        description=f"Spending the money could not cover (0 unless the plan fails). {_MONEY}."
    )
    debt_payments: float = Field(description=f"Debt payments, payoffs included. {_MONEY}.")
    contributions: float = Field(
        description=f"Contributions to accounts (pre-tax ones to tax_deferred included). {_MONEY}."
    )
    savings: float = Field(
        description=f"Income left over and reinvested (in taxable, or cash), such as an RMD "
        f"not spent, after tax. {_MONEY}."
    )
    agi: float = Field(description=f"Federal adjusted gross income. {_MONEY}.")
    taxable_income: float = Field(
        description=f"Federal taxable income (AGI less deductions). {_MONEY}."
    )


class Detail(BaseModel):
    """The year-by-year breakdown of the representative path (DESIGN §6.6)."""

    model_config = _CLOSED

    path: int = Field(
        description="Which path it is (0-based): the one whose final real portfolio is the "
        "median (the lower middle one for an even count of paths)."
    )
    rows: list[DetailRow] = Field(
        description="One row per year with flows: the ages of `years` but its last row (what "
        "is left at the end, which has no flows)."
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
    seed: int | None = Field(description=_SEED)
    inputs_hash: str = Field(description=INPUTS_HASH)
    engine_version: str = Field(description="The version of the engine that computed it.")
    dataset_hash: str | None = Field(description=_DATASET)
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


class SolveAnswer(BaseModel):
    """The earliest retirement age or highest annual spending that reaches the success rate."""

    projection_id: uuid.UUID = Field(description="The projection solved.")
    scenario_id: uuid.UUID | None = Field(description="The scenario applied; null = baseline.")
    target: Literal["retirement_age", "annual_spending"] = Field(
        description="What was solved for, as asked."
    )
    success_rate: float = Field(description="The success rate asked for, a fraction 0–1.")
    value: int | None = Field(
        description="The retirement age (whole years), or the annual spending in today's money "
        "(a whole number of currency units, a multiple of 100, rounded down); null when no "
        "value reaches the success rate."
    )
    achieved_success_rate: float | None = Field(
        description="The success rate at `value`, a fraction 0–1; null when `value` is null."
    )
    evaluations: int = Field(description="How many plans the search evaluated.")
    paths: int = Field(description="How many return paths each evaluation used.")
    seed: int | None = Field(description=_SEED)
    inputs_hash: str = Field(description=INPUTS_HASH)
    engine_version: str = Field(description="The version of the engine that computed it.")
    dataset_hash: str | None = Field(description=_DATASET)
    result: ProjectionResult | None = Field(
        description="The full result at `value`; null when `value` is null."
    )


class ClaimingChoice(BaseModel):
    """A claiming-age candidate: the age at which each person with a benefit claims."""

    self: int | None = Field(
        None,
        description="The first person's claiming age (62–70); null when they have no benefit "
        "or are past 70.",
    )
    partner: int | None = Field(
        None,
        description="The partner's claiming age (62–70); null without a partner, a benefit, or "
        "when past 70.",
    )


class RothChoice(BaseModel):
    """A Roth-conversion candidate: convert up to a bracket's top each year of an age window."""

    up_to_bracket: float = Field(description="The rate of the bracket filled, e.g. 0.22.")
    from_age: int = Field(description="The first person's age in the first year converted.")
    to_age: int = Field(description="The first person's age in the last year, inclusive.")


class RankedCandidate(BaseModel):
    """One candidate of a decision with both objectives, evaluated on the shared paths."""

    rank: int = Field(
        description="1 = the best by the objective (ties: see `objective`); finalists of a "
        "screening come before the candidates screened out."
    )
    choice: ClaimingChoice | RothChoice | None = Field(
        description="The candidate: claiming ages, a Roth conversion, or null for no conversion."
    )
    success_rate: float = Field(description="Share of paths that never fail, a fraction 0–1.")
    median_estate_real: float = Field(
        description="The median liquid portfolio when the last person dies, in today's money "
        "(currency units; tax_deferred at face value); 0 on paths that failed."
    )
    paths: int = Field(
        description="How many paths these scores are over: all of them, or for a candidate "
        "screened out early, the screening paths (`screening_paths`)."
    )


class OptimizeAnswer(BaseModel):
    """Every candidate of a decision evaluated on the same paths, ranked, with the best."""

    projection_id: uuid.UUID = Field(description="The projection optimised.")
    scenario_id: uuid.UUID | None = Field(description="The scenario applied; null = baseline.")
    decision: Literal["claiming_ages", "roth_conversions"] = Field(
        description="The decision, as asked."
    )
    objective: Literal["success_rate", "median_estate_real"] = Field(
        description="The objective that ranks the candidates, as asked; ties are broken by "
        "the other objective, then by the candidates' order (lower ages first; no conversion "
        "first)."
    )
    best: RankedCandidate = Field(description="The first-ranked candidate.")
    margin: float | None = Field(
        description="The best candidate's objective minus the runner-up's (≥ 0; a fraction "
        "for `success_rate`, currency units for `median_estate_real`); null with one candidate."
    )
    candidates: list[RankedCandidate] = Field(description="Every candidate, best first.")
    evaluations: int = Field(
        description="How many kernel runs were made: one per candidate, plus one per finalist "
        "when candidates were screened."
    )
    screening_paths: int | None = Field(
        description="Early stopping: with more than twice 1,000 paths, every candidate is "
        "first scored on 1,000 evenly spread paths and the 8 best again on all of them "
        "(ranked first, by those scores; the others follow by their screening scores). Null "
        "when every candidate was scored on every path."
    )
    paths: int = Field(description="How many paths every candidate was evaluated on.")
    seed: int | None = Field(description=_SEED)
    inputs_hash: str = Field(description=INPUTS_HASH + " (of the plan as it stands)")
    engine_version: str = Field(description="The version of the engine that computed it.")
    dataset_hash: str | None = Field(description=_DATASET)
