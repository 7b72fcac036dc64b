"""The shapes of the solve and optimize answers, for the OpenAPI document.

The answers are built as dicts (runs.solve, runs.optimize); these models describe them, and
tests/e2e/test_openapi.py checks real answers against them.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from projections.models import INPUTS_HASH
from projections.result_models import DATASET_DOC, SEED_DOC, ProjectionResult


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
    seed: int | None = Field(description=SEED_DOC)
    inputs_hash: str = Field(description=INPUTS_HASH)
    engine_version: str = Field(description="The version of the engine that computed it.")
    dataset_hash: str | None = Field(description=DATASET_DOC)
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
    seed: int | None = Field(description=SEED_DOC)
    inputs_hash: str = Field(description=INPUTS_HASH + " (of the plan as it stands)")
    engine_version: str = Field(description="The version of the engine that computed it.")
    dataset_hash: str | None = Field(description=DATASET_DOC)
