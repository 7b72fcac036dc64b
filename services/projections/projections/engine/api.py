"""Run a projection: validate the plan, build returns, run the kernel, summarise."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from .detail import detail_rows
from .household import Household, Lives, crossings, draw_lives, resolve_household
from .inputs import Shared, kernel_inputs
from .kernel import IntArray, KernelInputs, KernelOutput, simulate
from .plan import Plan
from .result import build_result, inputs_hash
from .return_models import series_between
from .returns import (
    HistoricalSeries,
    ReturnPaths,
    deterministic_returns,
    draw_seed,
    historical_returns,
    load_shiller_csv,
    monte_carlo_returns,
    repeat_paths,
)
from .us_inputs import resolve_regime, tax_law_info
from .version import ENGINE_VERSION

HISTORICAL_ENV = "NESTEGG_HISTORICAL_DATA"
# Robert Shiller's monthly series, shipped in the package (data/README.md: source, PDDL licence).
SHIPPED_HISTORICAL_DATA = Path(__file__).resolve().parent / "data" / "shiller_monthly.csv"


@dataclass(frozen=True)
class Prepared:
    """Hold what every evaluation of one plan shares: household, returns, lives, seed, dataset."""

    plan: Plan
    household: Household
    returns: ReturnPaths
    seed: int | None
    dataset_hash: str | None
    lives: Lives | None = None  # stochastic lifespans, one draw per path; None = fixed
    # What evaluations of the prepared plan itself build alike (inputs.Shared): fresh on a
    # copy (dataclasses.replace, e.g. on_paths), as a copy may have other lives or paths.
    shared: Shared = field(default_factory=Shared, init=False, compare=False, repr=False)


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, _mtime_ns: int, _size: int) -> HistoricalSeries:
    """Load a historical file once per version of it on disk."""
    return load_shiller_csv(path)


def load_historical(path: str | Path | None = None) -> HistoricalSeries:
    """Load the series from a path, else from $NESTEGG_HISTORICAL_DATA, else the shipped copy."""
    chosen = path if path is not None else os.environ.get(HISTORICAL_ENV, "").strip()
    file = Path(chosen or SHIPPED_HISTORICAL_DATA).resolve()
    if not file.is_file():
        raise ValueError(f"historical data file not found: {file}")
    stat = file.stat()
    return _load_cached(str(file), stat.st_mtime_ns, stat.st_size)


def as_plan(plan: Plan | Mapping[str, Any]) -> Plan:
    """Validate a mapping into a Plan; pass a Plan through."""
    return plan if isinstance(plan, Plan) else Plan.model_validate(plan)


def _with_lives(
    valid: Plan, household: Household, returns: ReturnPaths, seed: int | None, dataset: str | None
) -> Prepared:
    """Return the prepared run, drawing lifespans when longevity is stochastic.

    Deterministic returns are crossed with `paths` lifespan draws; each historical start year
    with ceil(paths / start years) draws; Monte Carlo draws one lifespan per path. The draws
    come from the seed's own stream (household.lifespan_rng), so returns stay engine 1's.
    """
    if not household.stochastic:
        return Prepared(valid, household, returns, seed, dataset)
    assume = valid.assumptions
    seed = seed if seed is not None else (draw_seed() if assume.seed is None else assume.seed)
    if assume.mode != "monte_carlo":
        returns = repeat_paths(returns, crossings(returns.paths, assume.paths))
    lives = draw_lives(household, seed, returns.paths)
    return Prepared(valid, household, returns, seed, dataset, lives)


def prepare(
    plan: Plan | Mapping[str, Any],
    *,
    today: date | None = None,
    historical_path: str | Path | None = None,
    historical: HistoricalSeries | None = None,
) -> Prepared:
    """Validate the plan and build the return matrices (and lifespans) its mode calls for."""
    valid = as_plan(plan)
    household = resolve_household(valid, today or date.today())
    assume = valid.assumptions
    if assume.mode == "historical":
        series = historical or load_historical(historical_path)
        returns = historical_returns(
            series,
            household.rows,
            first_year=assume.historical.first_year,
            last_year=assume.historical.last_year,
        )
        return _with_lives(valid, household, returns, None, series.sha256)
    if assume.mode == "deterministic":
        returns = deterministic_returns(
            household.rows,
            stock=(assume.stock_return, assume.stock_vol),
            bond=(assume.bond_return, assume.bond_vol),
            inflation=assume.inflation,
        )
        return _with_lives(valid, household, returns, None, None)
    seed = draw_seed() if assume.seed is None else assume.seed
    pool = None  # the bootstrap's years, restricted like historical mode's
    if assume.return_model == "bootstrap":
        whole = historical or load_historical(historical_path)
        pool = series_between(whole, assume.historical.first_year, assume.historical.last_year)
    returns = monte_carlo_returns(
        assume.paths,
        household.rows,
        seed=seed,
        stock=(assume.stock_return, assume.stock_vol),
        bond=(assume.bond_return, assume.bond_vol),
        inflation=(assume.inflation, assume.inflation_vol),
        stock_bond_corr=assume.stock_bond_corr,
        model=assume.return_model,
        t_df=assume.t_df,
        series=pool,
        block_years=assume.block_years,
    )
    return _with_lives(valid, household, returns, seed, None if pool is None else pool.sha256)


def on_paths(prepared: Prepared, index: IntArray, *, regroup: bool = False) -> Prepared:
    """Return the preparation restricted to some of its paths (their matrices and lifespans).

    The kernel treats every path on its own (no step mixes paths), so a path's outcome on the
    restricted preparation is bit for bit its outcome on the whole one
    (test_solver_contracts.py checks it): optimize screens candidates on a spread of paths,
    solve screens values on the paths likely to fail.
    """
    returns, lives = prepared.returns, prepared.lives
    starts = returns.start_years
    picked = ReturnPaths(
        stock=returns.stock[index],
        bond=returns.bond[index],
        inflation=returns.inflation[index],
        start_years=None if starts is None else tuple(starts[i] for i in index),
    )
    if lives is not None and regroup:
        # Only the kept paths' lives columns: fewer flow tables to build (optimize screens 81
        # candidates on 1,000 paths: 1.1 s instead of 1.6 s for the bench couple).
        lives = Lives.of(tuple(ages[index] for ages in lives.death_ages), shared=False)
    elif lives is not None:
        # The columns are kept: inputs._discretionary_share reads the first column, so with
        # other columns a solved spending's essential share could change (reported,
        # session 5) and a screened path would not be the path of the full run.
        ages = tuple(a[index] if a.size == returns.paths else a for a in lives.death_ages)
        column = None if lives.column is None else lives.column[index]
        lives = Lives(ages, lives.columns, column)
    return dataclasses.replace(prepared, returns=picked, lives=lives)


def _retiring(household: Household, plan: Plan) -> Household:
    """Return the household with the plan's retirement ages (solvers and scenarios vary them)."""
    ages = [plan.profile.retirement_age]
    if plan.profile.partner is not None:
        ages.append(plan.profile.partner.retirement_age)
    people = tuple(
        dataclasses.replace(person, retirement_age=age)
        for person, age in zip(household.people, ages, strict=True)
    )
    return dataclasses.replace(household, people=people)


def plan_inputs(
    prepared: Prepared, plan: Plan | None = None, *, annual_spending: float | None = None
) -> KernelInputs:
    """Return the kernel inputs of a plan (default: the prepared one) on the prepared lives.

    The prepared plan's own evaluations share what they build alike (`Prepared.shared`);
    another plan (a solver's retirement age) brings its retirement ages and builds its own.
    """
    if plan is None:
        return kernel_inputs(
            prepared.plan,
            prepared.household,
            prepared.lives,
            annual_spending=annual_spending,
            shared=prepared.shared,
        )
    household = _retiring(prepared.household, plan)
    return kernel_inputs(plan, household, prepared.lives, annual_spending=annual_spending)


def evaluate(
    prepared: Prepared, plan: Plan | None = None, *, annual_spending: float | None = None
) -> KernelOutput:
    """Run the kernel for a plan (default: the prepared one) on the prepared returns and lives."""
    inputs = plan_inputs(prepared, plan, annual_spending=annual_spending)
    return simulate(inputs, prepared.returns)


def hash_inputs(
    prepared: Prepared, plan: Plan | None = None, *, annual_spending: float | None = None
) -> str:
    """Return the inputs hash: plan, assumptions (seed used), version, dataset, resolved dates."""
    return _inputs_digest(
        plan or prepared.plan,
        prepared.household,
        seed=prepared.seed,
        dataset_hash=prepared.dataset_hash,
        annual_spending=annual_spending,
    )


def _inputs_digest(
    plan: Plan,
    household: Household,
    *,
    seed: int | None,
    dataset_hash: str | None,
    annual_spending: float | None = None,
) -> str:
    dumped = plan.model_dump(mode="json")
    dumped["assumptions"]["seed"] = seed if seed is not None else dumped["assumptions"]["seed"]
    payload: dict[str, Any] = {
        "plan": dumped,
        "engine_version": ENGINE_VERSION,
        "dataset_hash": dataset_hash,
        # The regime and law a null `tax` resolves to, and the law files' hash.
        "tax_law": tax_law_info(plan, household.first_year).as_json(),
        # A birth_date plan depends on the run date through the age and the calendar years.
        "resolved": {
            "ages": [person.age for person in household.people],
            "birth_years": [person.birth_year for person in household.people],
            "first_year": household.first_year,
        },
    }
    if annual_spending is not None:
        payload["annual_spending"] = annual_spending
    return inputs_hash(payload)


def expected_inputs_hash(
    plan: Plan | Mapping[str, Any],
    *,
    today: date | None = None,
    historical: HistoricalSeries | None = None,
) -> str:
    """Return the `inputs_hash` a run of this plan will have, without running it.

    Callers cache results by it, so it must be cheap: no return matrices are drawn. A Monte
    Carlo plan needs a fixed seed for its result (and so its hash) to be knowable in advance.
    """
    valid = as_plan(plan)
    household = resolve_household(valid, today or date.today())
    mode = valid.assumptions.mode
    random = mode == "monte_carlo" or household.stochastic
    if random and valid.assumptions.seed is None:
        raise ValueError(
            "a Monte Carlo or stochastic-longevity plan needs a seed for its inputs hash to be "
            "known"
        )
    seed = valid.assumptions.seed if random else None
    dataset_hash = None
    bootstrap = mode == "monte_carlo" and valid.assumptions.return_model == "bootstrap"
    if mode == "historical" or bootstrap:
        dataset_hash = (historical or load_historical()).sha256
    return _inputs_digest(valid, household, seed=seed, dataset_hash=dataset_hash)


def summarise(
    prepared: Prepared,
    output: KernelOutput,
    plan: Plan | None = None,
    *,
    annual_spending: float | None = None,
) -> dict[str, Any]:
    """Build the result JSON for one kernel run."""
    household = prepared.household
    partner = household.partner
    chosen = plan or prepared.plan
    detail = None
    if resolve_regime(chosen) == "us":
        inputs = plan_inputs(prepared, plan, annual_spending=annual_spending)
        detail = detail_rows(
            inputs,
            prepared.returns,
            output,
            first_age=household.first.age,
            partner_age=None if partner is None else partner.age,
            first_year=household.first_year,
        )
    return build_result(
        output,
        first_age=household.first.age,
        partner_age=None if partner is None else partner.age,
        first_year=household.first_year,
        lives=prepared.lives,
        tax_law=tax_law_info(chosen, household.first_year).as_json(),
        detail=detail,
        start_years=prepared.returns.start_years,
        seed=prepared.seed,
        inputs_digest=hash_inputs(prepared, plan, annual_spending=annual_spending),
        engine_version=ENGINE_VERSION,
        dataset_hash=prepared.dataset_hash,
    )


def run_projection(
    plan: Plan | Mapping[str, Any],
    *,
    today: date | None = None,
    historical_path: str | Path | None = None,
    historical: HistoricalSeries | None = None,
    annual_spending: Decimal | float | None = None,
) -> dict[str, Any]:
    """Project a plan and return the result JSON of DESIGN §6."""
    prepared = prepare(plan, today=today, historical_path=historical_path, historical=historical)
    spending = None if annual_spending is None else float(annual_spending)
    output = evaluate(prepared, annual_spending=spending)
    return summarise(prepared, output, annual_spending=spending)
