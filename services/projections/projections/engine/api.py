"""Run a projection: validate the plan, build returns, run the kernel, summarise."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from .inputs import Timeline, kernel_inputs, resolve_timeline
from .kernel import KernelOutput, simulate
from .plan import Plan
from .result import build_result, inputs_hash
from .returns import (
    HistoricalSeries,
    ReturnPaths,
    deterministic_returns,
    draw_seed,
    historical_returns,
    load_shiller_csv,
    monte_carlo_returns,
)
from .version import ENGINE_VERSION

HISTORICAL_ENV = "NESTEGG_HISTORICAL_DATA"
# Robert Shiller's monthly series, shipped in the package (data/README.md: source, PDDL licence).
SHIPPED_HISTORICAL_DATA = Path(__file__).resolve().parent / "data" / "shiller_monthly.csv"


@dataclass(frozen=True)
class Prepared:
    """Hold what every evaluation of one plan shares: timeline, returns, seed, dataset."""

    plan: Plan
    timeline: Timeline
    returns: ReturnPaths
    seed: int | None
    dataset_hash: str | None


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


def prepare(
    plan: Plan | Mapping[str, Any],
    *,
    today: date | None = None,
    historical_path: str | Path | None = None,
    historical: HistoricalSeries | None = None,
) -> Prepared:
    """Validate the plan and build the return matrices its mode calls for."""
    valid = as_plan(plan)
    timeline = resolve_timeline(valid, today or date.today())
    assume = valid.assumptions
    if assume.mode == "historical":
        series = historical or load_historical(historical_path)
        returns = historical_returns(
            series,
            timeline.years,
            first_year=assume.historical.first_year,
            last_year=assume.historical.last_year,
        )
        return Prepared(valid, timeline, returns, None, series.sha256)
    if assume.mode == "deterministic":
        returns = deterministic_returns(
            timeline.years,
            stock=assume.stock_return,
            bond=assume.bond_return,
            inflation=assume.inflation,
        )
        return Prepared(valid, timeline, returns, None, None)
    seed = draw_seed() if assume.seed is None else assume.seed
    returns = monte_carlo_returns(
        assume.paths,
        timeline.years,
        seed=seed,
        stock=(assume.stock_return, assume.stock_vol),
        bond=(assume.bond_return, assume.bond_vol),
        inflation=(assume.inflation, assume.inflation_vol),
        stock_bond_corr=assume.stock_bond_corr,
    )
    return Prepared(valid, timeline, returns, seed, None)


def evaluate(
    prepared: Prepared, plan: Plan | None = None, *, annual_spending: float | None = None
) -> KernelOutput:
    """Run the kernel for a plan (default: the prepared one) on the prepared returns."""
    chosen = plan or prepared.plan
    timeline = prepared.timeline
    if plan is not None:
        timeline = Timeline(
            timeline.current_age,
            plan.profile.retirement_age,
            timeline.life_expectancy,
            timeline.first_year,
        )
    return simulate(
        kernel_inputs(chosen, timeline, annual_spending=annual_spending), prepared.returns
    )


def hash_inputs(
    prepared: Prepared, plan: Plan | None = None, *, annual_spending: float | None = None
) -> str:
    """Return the inputs hash: plan, assumptions (seed used), version, dataset, resolved dates."""
    return _inputs_digest(
        plan or prepared.plan,
        prepared.timeline,
        seed=prepared.seed,
        dataset_hash=prepared.dataset_hash,
        annual_spending=annual_spending,
    )


def _inputs_digest(
    plan: Plan,
    timeline: Timeline,
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
        # A birth_date plan depends on the run date through the age and the calendar years.
        "resolved": {"current_age": timeline.current_age, "first_year": timeline.first_year},
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
    timeline = resolve_timeline(valid, today or date.today())
    mode = valid.assumptions.mode
    if mode == "monte_carlo" and valid.assumptions.seed is None:
        raise ValueError("a Monte Carlo plan needs a seed for its inputs hash to be known")
    seed = valid.assumptions.seed if mode == "monte_carlo" else None
    dataset_hash = None
    if mode == "historical":
        dataset_hash = (historical or load_historical()).sha256
    return _inputs_digest(valid, timeline, seed=seed, dataset_hash=dataset_hash)


def summarise(
    prepared: Prepared,
    output: KernelOutput,
    plan: Plan | None = None,
    *,
    annual_spending: float | None = None,
) -> dict[str, Any]:
    """Build the result JSON for one kernel run."""
    return build_result(
        output,
        first_age=prepared.timeline.current_age,
        first_year=prepared.timeline.first_year,
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
