"""Decide under uncertainty: every candidate of a decision on the same paths, ranked (DESIGN §4).

`claiming_ages`: each person with a Social Security income claims at every whole age from 62
(or their age today, if older) to 70 — 9 candidates for one person, 81 pairs for a couple.
`roth_conversions`: no conversion, and conversions up to the top of each bracket (10 % to
35 %) from the first person's retirement (or today) to each end age up to the year before
their RMDs start.

Every candidate changes only cash flows, so the return matrices and lifespans are prepared
once and each candidate is one kernel run on them (compare.prepared_for): the ranking
compares the decisions on the same market histories and the same lifetimes, free of sampling
noise. Candidates are ranked by the objective, ties broken by the other objective, then by
the candidate's place in the list (docs/ENGINE.md, "Compare and optimize").

Early stopping: with more than 2 × SCREEN_PATHS paths, every candidate is scored on an evenly
spread SCREEN_PATHS of them, and the FINALISTS best are scored again on all of them; the best,
the runner-up and the margin come from the finalists' scores on every path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .api import Prepared, as_plan, evaluate, hash_inputs, on_paths, prepare
from .assumptions import BRACKET_RATES
from .compare import prepared_for, shared, with_shared_seed
from .household import Household, resolve_household
from .kernel import KernelOutput
from .plan import Plan, RothConversion
from .returns import HistoricalSeries
from .rmd import rmd_start_age
from .us_inputs import resolve_regime
from .version import ENGINE_VERSION

Decision = Literal["claiming_ages", "roth_conversions"]
Objective = Literal["success_rate", "median_estate_real"]
OBJECTIVES: tuple[Objective, Objective] = ("success_rate", "median_estate_real")
EARLIEST_CLAIM, LATEST_CLAIM = 62, 70
# Converting "up to the top of the 37 % bracket" has no top: the candidates stop at 35 %.
ROTH_BRACKETS = tuple(rate for rate in BRACKET_RATES if rate < 0.37)
PEOPLE = ("self", "partner")
# Early stopping: a plan of more than twice SCREEN_PATHS paths has every candidate scored on
# SCREEN_PATHS of them first, and only the FINALISTS best scored again on all of them.
SCREEN_PATHS = 1_000
FINALISTS = 8


class NoCandidates(ValueError):
    """The plan offers nothing to decide (no Social Security income, nothing to convert)."""


@dataclass(frozen=True)
class Candidate:
    """One choice and the plan it makes."""

    choice: dict[str, Any] | None
    plan: Plan


def _claiming(plan: Plan, ages: dict[str, int]) -> Plan:
    incomes = [
        income.model_copy(update={"start_age": ages[income.owner]})
        if income.kind == "social_security" and income.owner in ages
        else income
        for income in plan.incomes
    ]
    return plan.model_copy(update={"incomes": incomes})


def claiming_candidates(plan: Plan, household: Household) -> list[Candidate]:
    """Return every pair (or single) of claiming ages of the people who have a benefit."""
    claimants = [
        (who, range(max(EARLIEST_CLAIM, person.age), LATEST_CLAIM + 1))
        for who, person in zip(PEOPLE, household.people, strict=False)
        if any(i.kind == "social_security" and i.owner == who for i in plan.incomes)
    ]
    claimants = [(who, ages) for who, ages in claimants if len(ages) > 0]
    if not claimants:
        raise NoCandidates(
            "no one in the plan has a social_security income still to claim (at 70 or younger)"
        )
    choices: list[dict[str, int]] = [{}]
    for who, ages in claimants:
        choices = [{**choice, who: age} for choice in choices for age in ages]
    # Both people are named in every choice (null: no benefit, or already past 70).
    return [
        Candidate({who: choice.get(who) for who in PEOPLE}, _claiming(plan, choice))
        for choice in choices
    ]


def roth_candidates(plan: Plan, household: Household) -> list[Candidate]:
    """Return no conversion, then each bracket × end age from retirement to before RMDs."""
    if resolve_regime(plan) != "us":
        # The flat regime has no brackets to fill: every candidate would score the same.
        raise NoCandidates(
            "Roth conversions fill a bracket of the `us` tax regime, and this plan's "
            "`tax.regime` is flat"
        )
    if not any(asset.kind == "tax_deferred" for asset in plan.assets):
        raise NoCandidates("the plan has no tax_deferred account to convert from")
    first = household.first
    start = max(first.age, first.retirement_age)
    last = max(start, rmd_start_age(first.birth_year) - 1)
    candidates = [Candidate(None, plan.model_copy(update={"assumptions": _roth(plan, None)}))]
    for rate in ROTH_BRACKETS:
        for end in range(start, last + 1):
            conversion = RothConversion(up_to_bracket=rate, from_age=start, to_age=end)
            updated = plan.model_copy(update={"assumptions": _roth(plan, conversion)})
            candidates.append(Candidate(conversion.model_dump(mode="json"), updated))
    return candidates


def _roth(plan: Plan, conversion: RothConversion | None) -> Any:
    return plan.assumptions.model_copy(update={"roth_conversion": conversion})


def median_estate_real(output: KernelOutput) -> float:
    """Return the median liquid portfolio, in today's money, when the last person dies.

    Per path, the row of the first year nobody is alive (the final row under fixed
    longevity); a path that failed has nothing left there.
    """
    alive = output.alive  # (rows + 1, columns)
    rows = alive.shape[0] - 1
    last = np.where(alive.all(axis=0), rows, np.argmin(alive, axis=0))
    row = last if output.column is None else last[output.column]
    paths = output.portfolio_real.shape[1]
    estate = output.portfolio_real[np.broadcast_to(row, (paths,)), np.arange(paths)]
    return round(float(np.median(estate)), 2)


def _order(scores: list[dict[str, Any]], objective: Objective) -> list[int]:
    """Return the indices of `scores` best first: the objective, the other, the list's order."""
    other = OBJECTIVES[1] if objective == OBJECTIVES[0] else OBJECTIVES[0]
    return sorted(range(len(scores)), key=lambda i: (-scores[i][objective], -scores[i][other], i))


def subset(prepared: Prepared, count: int) -> Prepared:
    """Return the preparation on `count` of its paths, evenly spread (every k-th path).

    Spread rather than the first ones: historical paths come grouped by start year (each
    crossed with its lifespan draws), so a prefix would be a few start years only.
    """
    index = np.arange(count, dtype=np.intp) * (prepared.returns.paths // count)
    return on_paths(prepared, index, regroup=True)


def _score(prepared: Prepared, candidate: Candidate, today: date) -> dict[str, Any]:
    output = evaluate(prepared_for(prepared, candidate.plan, today))
    return {
        "choice": candidate.choice,
        "success_rate": output.success_rate,
        "median_estate_real": median_estate_real(output),
        "paths": prepared.returns.paths,
    }


def _scored(
    full: Prepared,
    candidates: list[Candidate],
    objective: Objective,
    today: date,
    screen_paths: int | None,
) -> tuple[list[dict[str, Any]], int, int | None]:
    """Return the candidates' scores best first, the kernel runs made and the screening size.

    With many paths, every candidate is first scored on `screen_paths` of them and only the
    FINALISTS best go on to all paths (early stopping): the finalists are ranked on every
    path, the others after them on the screening paths.
    """
    screening = screen_paths is not None and full.returns.paths > 2 * screen_paths
    if not screening or len(candidates) <= FINALISTS:
        scores = [_score(full, candidate, today) for candidate in candidates]
        return [scores[i] for i in _order(scores, objective)], len(candidates), None
    assert screen_paths is not None
    sample = shared(subset(full, screen_paths))
    screened = [_score(sample, candidate, today) for candidate in candidates]
    order = _order(screened, objective)
    finals = [_score(full, candidates[i], today) for i in order[:FINALISTS]]
    ranked = [finals[i] for i in _order(finals, objective)]
    ranked += [screened[i] for i in order[FINALISTS:]]
    return ranked, len(candidates) + FINALISTS, screen_paths


def optimize(
    plan: Plan | Mapping[str, Any],
    *,
    decision: Decision,
    objective: Objective,
    today: date | None = None,
    historical_path: str | Path | None = None,
    historical: HistoricalSeries | None = None,
    screen_paths: int | None = SCREEN_PATHS,
) -> dict[str, Any]:
    """Evaluate every candidate of the decision on the plan's paths and rank them.

    `screen_paths`: above twice this many paths, candidates are screened on this many first
    (None: every candidate on every path).
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}")
    today = today or date.today()
    (valid,) = with_shared_seed([as_plan(plan)])
    household = resolve_household(valid, today)
    if decision == "claiming_ages":
        candidates = claiming_candidates(valid, household)
    elif decision == "roth_conversions":
        candidates = roth_candidates(valid, household)
    else:
        raise ValueError(f"unknown decision {decision!r}")
    base = shared(
        prepare(valid, today=today, historical_path=historical_path, historical=historical)
    )
    scores, evaluations, screened = _scored(base, candidates, objective, today, screen_paths)
    ranked = [{"rank": rank, **score} for rank, score in enumerate(scores, start=1)]
    best = ranked[0]
    margin = None if len(ranked) < 2 else best[objective] - ranked[1][objective]
    return {
        "decision": decision,
        "objective": objective,
        "best": best,
        "margin": None
        if margin is None
        else round(margin, 10 if objective == "success_rate" else 2),
        "candidates": ranked,
        "evaluations": evaluations,
        "screening_paths": screened,
        "paths": base.returns.paths,
        "seed": base.seed,
        "inputs_hash": hash_inputs(base),
        "engine_version": ENGINE_VERSION,
        "dataset_hash": base.dataset_hash,
    }
