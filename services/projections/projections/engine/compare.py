"""Evaluate several plans on shared return paths: compare and optimize (DESIGN §4).

A plan's return matrices and lifespan draws depend on only a few of its inputs: the
assumptions that shape returns (mode, paths, seed, means, vols, correlation, return model,
historical range, longevity, ...), the people's ages and sexes, and the plan's length. Plans
that agree on all of them (their *returns key*) share one preparation: the matrices are
drawn once and every plan of the group is run through the kernel on them. Each plan's kernel
output is then exactly the output a separate run of that plan gives (the same seed draws the
same matrices), and a compare answers from it only the figures it compares (`FIGURES`), each
equal to what the plan's whole result says: a compare is a question about differences; a
plan's whole result is computed (and stored, by the service) when the plan is run on its own.

Plans that differ in one of those inputs cannot share matrices (a different length or path
count draws a different matrix); they form groups of their own, each prepared once. With the
same seed, a Monte Carlo group that differs only in means or volatilities is still driven by
the same standard-normal draws (returns.monte_carlo_returns): its paths are the same market
histories, scaled — so a comparison stays free of sampling noise even across groups.

Which assumptions only move cash flows is a list kept here (`FLOW_ONLY`); every other field,
including any added later, is taken to shape returns: the safe side (a group of its own).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from .api import Prepared, as_plan, plan_inputs, prepare
from .household import resolve_household
from .kernel import KernelInputs, KernelOutput, simulate
from .plan import Plan
from .result import alive_paths, canonical_json, counted_paths, depletion_ages, row_medians
from .resume import first_difference, kept_rows, resume_row, state_vectors
from .returns import HistoricalSeries, ReturnPaths, draw_seed

# Assumptions that change a plan's flows and never its return matrices or lifespans.
FLOW_ONLY = frozenset(
    {
        "withdrawal_strategy",
        "withdrawal_rate",
        "guardrails",
        "vpw_real_return",
        "floor",
        "ceiling",
        "income_tax_rate",
        "selling_cost",
        "withdrawal_order",
        "fill_bracket",
        "roth_conversion",
    }
)


def returns_key(plan: Plan, today: date) -> str:
    """Return what a plan's return matrices and lifespans depend on, as one string.

    Retirement ages, records and the flow-only assumptions are left out; life expectancies
    enter through the plan's length (under fixed longevity they change nothing else the
    preparation draws).
    """
    household = resolve_household(plan, today)
    people = [(person.age, person.sex, person.birth_year) for person in household.people]
    shaping = plan.assumptions.model_dump(mode="json", exclude=set(FLOW_ONLY))
    return canonical_json({"assumptions": shaping, "rows": household.rows, "people": people})


def is_random(plan: Plan) -> bool:
    """Say whether a plan's preparation draws random numbers (and so needs a seed)."""
    assume = plan.assumptions
    return assume.mode == "monte_carlo" or assume.longevity == "stochastic"


def with_shared_seed(plans: Sequence[Plan]) -> list[Plan]:
    """Give every random plan without a seed one seed drawn for all of them.

    Plans compared side by side must see the same draws; two seeds drawn separately would
    put sampling noise into every difference.
    """
    seed: int | None = None
    out = []
    for plan in plans:
        if plan.assumptions.seed is None and is_random(plan):
            seed = draw_seed() if seed is None else seed
            assume = plan.assumptions.model_copy(update={"seed": seed})
            plan = plan.model_copy(update={"assumptions": assume})
        out.append(plan)
    return out


def prepared_for(base: Prepared, plan: Plan, today: date) -> Prepared:
    """Return `base`'s matrices and lifespans prepared for another plan of the same key.

    The plan brings its own household (retirement ages, life expectancies); the return
    matrices, lifespans, seed and dataset are shared, not drawn again.
    """
    if plan is base.plan:
        return base
    return dataclasses.replace(base, plan=plan, household=resolve_household(plan, today))


def year_major(returns: ReturnPaths) -> ReturnPaths:
    """Return the same matrices, laid out year by year, for several kernel runs to share.

    The kernel walks the years, so it reads each (paths, years) matrix through a contiguous
    (years, paths) copy it makes on every call (~4 ms at 10,000 × 65 for the three). A view
    of a year-major array is that copy already: made once here, no run copies it again. The
    numbers are the same, only their order in memory differs.
    """

    def laid_out(matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.ascontiguousarray(matrix.T).T

    return dataclasses.replace(
        returns,
        stock=laid_out(returns.stock),
        bond=laid_out(returns.bond),
        inflation=laid_out(returns.inflation),
    )


def shared(prepared: Prepared) -> Prepared:
    """Return a preparation ready for many kernel runs (its matrices year-major)."""
    return dataclasses.replace(prepared, returns=year_major(prepared.returns))


def grouped(plans: Sequence[Plan], today: date) -> list[list[int]]:
    """Return the plans' indices grouped by returns key, groups in order of first appearance."""
    groups: dict[str, list[int]] = {}
    for index, plan in enumerate(plans):
        groups.setdefault(returns_key(plan, today), []).append(index)
    return list(groups.values())


# What a compare answers for each plan (the service's ComparedRun is made of them): the success
# rate, the depletion ages (their median), and each row's age and median portfolio, nominal
# and in today's money (the chart, and the medians at retirement and at the end).
FIGURES = ("success_rate", "depletion_ages", "ages", "median_portfolio", "median_portfolio_real")
MEDIAN_FIELDS = {"median_portfolio": "portfolio", "median_portfolio_real": "portfolio_real"}


def figures(
    output: KernelOutput, first_age: int, before: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return a plan's compared figures from its kernel output, as its whole result has them.

    The same rules as result.build_result (the same helpers: the rows' paths counted, the
    depletion ages, numpy's `linear` percentile), but only two fields' medians: no sort of
    six money fields over the paths, no representative path, no inputs hash. A resumed
    output (`first_row` > 0) takes the medians of the rows before it from `before`, the
    figures of the plan it resumed from: those rows are that plan's.
    """
    first = output.first_row
    counted = counted_paths(alive_paths(output))
    out: dict[str, Any] = {
        "success_rate": output.success_rate,
        "depletion_ages": depletion_ages(output, first_age),
        "ages": list(range(first_age, first_age + len(output.debt))),
    }
    fields = [getattr(output, field)[first:] for field in MEDIAN_FIELDS.values()]
    medians = row_medians(fields, None if counted is None else counted[first:])
    if first:
        assert before is not None and before["ages"] == out["ages"]
        medians = [
            before[name][:first] + rows for name, rows in zip(MEDIAN_FIELDS, medians, strict=True)
        ]
    out.update(zip(MEDIAN_FIELDS, medians, strict=True))
    return out


def result_figures(result: Mapping[str, Any]) -> dict[str, Any]:
    """Return the compared figures of a whole result (DESIGN §6): a stored run's, say."""
    years = result["years"]
    out: dict[str, Any] = {
        "success_rate": result["success_rate"],
        "depletion_ages": result["depletion_ages"],
        "ages": [year["age"] for year in years],
    }
    for name, field in MEDIAN_FIELDS.items():
        out[name] = [year[field]["p50"] for year in years]
    return out


def compare_plans(
    plans: Sequence[Plan | Mapping[str, Any]],
    *,
    today: date | None = None,
    historical_path: str | Path | None = None,
    historical: HistoricalSeries | None = None,
) -> list[dict[str, Any]]:
    """Return each plan's compared figures (`FIGURES`), preparing the returns once per key.

    Each plan's figures equal `result_figures(run_projection(plan))` (with the seed the group
    shares). A group's first plan runs whole; each other one goes on from the first plan's
    state at the first row where their inputs differ (resume.py), so rows they share are
    run once. Each kernel output is reduced to its figures and dropped before the next plan
    runs: memory holds one group's matrices, one plan's output and the kept states
    (`STATE_BYTES`) at a time, whatever the number of plans.
    """
    today = today or date.today()
    valid = with_shared_seed([as_plan(plan) for plan in plans])
    answers: list[dict[str, Any] | None] = [None] * len(valid)
    for members in grouped(valid, today):
        base = prepare(
            valid[members[0]], today=today, historical_path=historical_path, historical=historical
        )
        base = shared(base) if len(members) > 1 else base
        for index, figured in _group_figures(base, [valid[i] for i in members], today):
            answers[members[index]] = figured
    return [answer for answer in answers if answer is not None]


# Kept states (resume.YearState) may hold this many bytes a path-year of the plans, as much
# as the return matrices: a compare's memory stays within what one run of the plan needs.
STATE_BYTES = 24
# The plans' kernel inputs are held from the search for their rows to their runs within
# HELD_INPUTS_BYTES less what the plan's own arrays take (OWN_BYTES a path-year: matrices,
# one output, kept states), never below HELD_INPUTS_FLOOR; past it they are built again
# (~8 ms each for a stochastic `us` couple, whose lives columns make ~33 MB of tables). So
# a small plan holds them all and the largest plans the defaults allow stay within a
# worker's memory (test_workers.py).
HELD_INPUTS_BYTES = 256 * 1024 * 1024
HELD_INPUTS_FLOOR = 64 * 1024 * 1024
OWN_BYTES = 160


def _group_figures(
    base: Prepared, plans: Sequence[Plan], today: date
) -> list[tuple[int, dict[str, Any]]]:
    """Return the figures of plans of one returns key, the first run whole, the others resumed."""
    first_inputs = plan_inputs(prepared_for(base, plans[0], today))
    # Each plan's inputs are built once, to find its first row of its own, and held for its
    # run while they fit (HELD_INPUTS_BYTES; else built again then).
    forks: list[int] = [0]
    held: list[KernelInputs | None] = [None]
    size, path_years = 0, base.returns.paths * (first_inputs.years + 1)
    room = max(HELD_INPUTS_BYTES - OWN_BYTES * path_years, HELD_INPUTS_FLOOR)
    for plan in plans[1:]:
        inputs = plan_inputs(prepared_for(base, plan, today))
        forks.append(first_difference(first_inputs, inputs))
        size += _nbytes(inputs)
        held.append(inputs if size <= room else None)
    kept = kept_for(first_inputs, forks[1:])
    first_age = base.household.first.age  # the people's ages are part of the returns key
    output = simulate(first_inputs, base.returns, keep=kept)
    first = figures(output, first_age)
    out, states_at = [(0, first)], output.kept
    del output, first_inputs
    for index in range(1, len(plans)):
        inputs = held[index] or plan_inputs(prepared_for(base, plans[index], today))
        held[index] = None  # dropped with its output
        output = simulate(
            inputs, base.returns, resume=states_at.get(resume_row(kept, forks[index]))
        )
        out.append((index, figures(output, first_age, first)))
        del output, inputs
    return out


def kept_for(first: KernelInputs, forks: Sequence[int]) -> frozenset[int]:
    """Return the rows the first plan keeps its state at, for plans resuming at `forks`."""
    vectors = state_vectors(first.balances.size, first.us is not None)
    return kept_rows(forks, STATE_BYTES * (first.years + 1) // (8 * vectors))


def _nbytes(inputs: KernelInputs) -> int:
    """Return about what a plan's kernel inputs hold: their per-row tables."""
    tables = [inputs.flows.table, inputs.flows.contributions, inputs.alive, inputs.joint_filing]
    if inputs.us is not None:
        tables += [inputs.us.table, inputs.us.rmd_factor]
    return sum(int(table.nbytes) for table in tables)
