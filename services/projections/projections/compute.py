"""Run the engine in worker processes: one budget per request, a global bound.

docs/ARCHITECTURE.md ("Compute") says how the pieces fit; projections/workers.py holds the
processes that can be killed mid-computation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any, TypeVar

from nestegg_common.errors import ServiceUnavailable, ValidationFailed
from projections.engine import run_projection, solve
from projections.engine.compare import compare_plans
from projections.engine.household import plan_rows
from projections.engine.optimize import NoCandidates, optimize
from projections.engine.plan import Plan
from projections.metrics import RunMetrics
from projections.workers import PoolClosed, WorkerDied, WorkerOutOfMemory, WorkerPool

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
# When every place is taken, places free up as computations end: a few seconds, not the budget.
FULL_RETRY_AFTER_S = 5


class EngineRejected(Exception):
    """The engine refused a plan; carries its message only (picklable across processes)."""


def _project(plan: dict[str, Any], today: date, historical_path: str | None) -> dict[str, Any]:
    try:
        return run_projection(plan, today=today, historical_path=historical_path)
    except ValueError as err:
        raise EngineRejected(str(err)) from None


def _solve(
    plan: dict[str, Any], target: str, success_rate: float, today: date, historical_path: str | None
) -> dict[str, Any]:
    try:
        return solve(
            plan,
            target=target,  # type: ignore[arg-type]  # validated by SolveRequest
            success_rate=success_rate,
            today=today,
            historical_path=historical_path,
        )
    except ValueError as err:
        raise EngineRejected(str(err)) from None


def _compare(
    plans: list[dict[str, Any]], today: date, historical_path: str | None
) -> list[dict[str, Any]]:
    try:
        return compare_plans(plans, today=today, historical_path=historical_path)
    except ValueError as err:
        raise EngineRejected(str(err)) from None


class NothingToDecide(Exception):
    """The plan offers no candidate for the decision; carries the engine's reason."""


def _optimize(
    plan: dict[str, Any],
    decision: str,
    objective: str,
    today: date,
    historical_path: str | None,
) -> dict[str, Any]:
    try:
        return optimize(
            plan,
            decision=decision,  # type: ignore[arg-type]  # validated by OptimizeRequest
            objective=objective,  # type: ignore[arg-type]
            today=today,
            historical_path=historical_path,
        )
    except NoCandidates as err:
        raise NothingToDecide(str(err)) from None
    except ValueError as err:
        raise EngineRejected(str(err)) from None


class Engine:
    """The engine's worker pool, the per-request budget and the global bound on computations.

    A request's computations share one budget (`budget_s`, from the request's start to its
    end) and, from its first computation on, one of `max_pending` places, running or waiting
    for a worker: a full engine answers 503 at once rather than queueing without end.
    """

    def __init__(
        self,
        workers: WorkerPool,
        *,
        budget_s: float,
        max_pending: int,
        max_path_years: int,
        historical_path: str | None,
        metrics: RunMetrics | None = None,
    ) -> None:
        self._workers, self._metrics = workers, metrics or RunMetrics()
        self.budget_s, self._max_pending = budget_s, max_pending
        self._max_path_years = max_path_years
        self.historical_path = historical_path
        self.admitted = 0

    @asynccontextmanager
    async def budget(self) -> AsyncIterator[Computation]:
        """Run the block within the budget; past it the block is cancelled (its worker killed)."""
        computation = Computation(self)
        deadline = asyncio.timeout(self.budget_s)
        try:
            async with deadline:
                yield computation
        except TimeoutError as err:
            if not deadline.expired():
                raise
            self._metrics.over_budget.inc()
            raise ServiceUnavailable(
                f"The computation needed more than its budget of {self.budget_s:g} s; "
                "try fewer paths, or retry when the service is less busy."
            ) from err
        finally:
            if computation.admitted:
                self.admitted -= 1
                self._metrics.admitted.dec()

    def admit(self) -> None:
        """Take one of the places; 503 with Retry-After when every one is taken."""
        if self.admitted >= self._max_pending:
            self._metrics.refused.inc()
            raise ServiceUnavailable(
                "The projection engine is busy with other computations; retry in a moment.",
                retry_after_s=FULL_RETRY_AFTER_S,
            )
        self.admitted += 1
        self._metrics.admitted.inc()

    def check_size(self, plan: dict[str, Any], today: date) -> None:
        """Refuse a plan whose paths × years exceed the bound (memory is per cell).

        Monte Carlo runs `paths` paths. Under stochastic longevity every mode draws `paths`
        lifespans: deterministic crosses its one return path with them, historical each start
        year with ceil(paths / start years) of them (so at most one more per start year, fewer
        than 200, than counted here). Otherwise deterministic is one path and historical one
        per start year of the data (< 200): nothing to bound.
        """
        assumptions = plan["assumptions"]
        stochastic = assumptions.get("longevity") == "stochastic"
        if assumptions.get("mode") != "monte_carlo" and not stochastic:
            return
        try:
            # The engine's own count: to the last death, or to 120 under stochastic longevity.
            years = max(1, plan_rows(Plan.model_validate(plan), today))
        except ValueError as err:  # a birth date after the run date, say
            raise ValidationFailed(f"This plan cannot be projected: {err}") from err
        paths = assumptions["paths"]
        if paths * years > self._max_path_years:
            most = max(1, self._max_path_years // years)
            raise ValidationFailed(
                f"{paths} paths over {years} years is more than one computation may hold "
                f"({self._max_path_years} path-years); use at most {most} paths.",
                errors=[
                    {
                        "field": "assumptions.paths",
                        "message": f"at most {most} paths for a plan of {years} years",
                        "type": "less_than_equal",
                    }
                ],
            )

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run an engine function in a worker; its failures become problems."""
        try:
            return await self._workers.run(function, *args)
        except EngineRejected as err:
            raise ValidationFailed(f"The engine could not run this plan: {err}") from err
        except WorkerOutOfMemory as err:
            raise ValidationFailed(
                "This plan needs more memory than one computation may use; use fewer paths.",
                errors=[
                    {"field": "assumptions.paths", "message": "too many", "type": "value_error"}
                ],
            ) from err
        except (WorkerDied, PoolClosed) as err:
            _LOGGER.error("engine worker lost", extra={"error": str(err)})
            raise ServiceUnavailable("The computation was interrupted; retry it.") from err

    def worker_pids(self, *, busy: bool = False) -> list[int]:
        """Return the process ids of the engine's workers, or of the busy ones (diagnostics)."""
        return self._workers.pids(busy=busy)

    async def close(self) -> None:
        """Stop the workers."""
        await self._workers.close()


class Computation:
    """One request's engine calls: a shared budget, and one place once it first computes."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.admitted = False

    def _admit(self, plan: dict[str, Any], today: date) -> None:
        self._engine.check_size(plan, today)
        if not self.admitted:
            self._engine.admit()
            self.admitted = True

    async def project(self, plan: dict[str, Any], *, today: date) -> dict[str, Any]:
        """Return the engine result of a plan."""
        self._admit(plan, today)
        return await self._engine.run(_project, plan, today, self._engine.historical_path)

    async def solve(
        self, plan: dict[str, Any], *, target: str, success_rate: float, today: date
    ) -> dict[str, Any]:
        """Return the engine's solve answer for a plan."""
        self._admit(plan, today)
        return await self._engine.run(
            _solve, plan, target, success_rate, today, self._engine.historical_path
        )

    async def compare(self, plans: list[dict[str, Any]], *, today: date) -> list[dict[str, Any]]:
        """Return several plans' compared figures (engine.compare.FIGURES), from one job."""
        for plan in plans:  # each plan is held alone (its output is dropped before the next)
            self._admit(plan, today)
        return await self._engine.run(_compare, plans, today, self._engine.historical_path)

    async def optimize(
        self, plan: dict[str, Any], *, decision: str, objective: str, today: date
    ) -> dict[str, Any]:
        """Return the engine's ranking of a decision's candidates for a plan."""
        self._admit(plan, today)
        return await self._engine.run(
            _optimize, plan, decision, objective, today, self._engine.historical_path
        )
