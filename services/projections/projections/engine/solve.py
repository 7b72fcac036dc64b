"""Solve for the earliest retirement age or the highest spending that reaches a success rate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .age_search import lowest_passing_age
from .api import Prepared, evaluate, hash_inputs, on_paths, prepare, summarise
from .kernel import BoolArray, IntArray, KernelOutput
from .plan import Plan
from .returns import HistoricalSeries
from .strategies import FIXED_PERCENTAGE, FIXED_REAL, NEEDS, RMD_BASED, VPW
from .version import ENGINE_VERSION

Target = Literal["retirement_age", "annual_spending"]
SPENDING_STEP = 100
# The spending search's range, [0, $1,000,000,000] a year: beyond it the question is not a
# retirement plan, and a target still reached there is refused rather than answered with
# wherever a search happened to stop.
MAX_SPENDING_STEPS = 10_000_000
# Strategies under which spending more can never save a path (each year's draw grows with the
# spending, so every balance shrinks): success falls monotonically and bisection is exact.
MONOTONE_IN_SPENDING = frozenset({NEEDS, FIXED_REAL})
# Retiring a year later under `needs` swaps a year of draws for a year of pay: success rises.
# Under the rate strategies the first withdrawal is a share of the portfolio at retirement, so
# retiring later into a crash can lower it; the answer has no passing age in the
# LOOKBELOW_AGES ages below it.
MONOTONE_IN_AGE = frozenset({NEEDS})
LOOKBELOW_AGES = 3
# Elsewhere (guardrails: a higher first withdrawal moves every later cut) success may fall
# short and then reach the target again a few hundred dollars higher; the answer is the highest
# passing step with no passing step in the LOOKAHEAD_STEPS steps above it (docs/ENGINE.md).
LOOKAHEAD_STEPS = 5
# From this many paths the success rate is smooth enough in spending for regula falsi to beat
# bisection (measured on the bench plans: 10 evaluations instead of 14 at 10,000 paths); below
# it (historical windows) success is a coarse staircase and bisection does better.
INTERPOLATE_FROM_PATHS = 1_000
# From this many paths a value is first run on the paths likely to fail it (`_Search`); below
# it a run costs little more than the kernel's fixed per-year overhead, so screening cannot pay.
SCREEN_FROM_PATHS = 1_000
# A screen on more than this share of the paths costs about a full run: all paths are run.
SCREEN_MAX_SHARE = 0.5
# Up to this many path-years (10,000 paths × 100 years) the answer's run is kept for the result
# (≈ 60 bytes a path-year, 60 MB here); beyond, it is computed again (settings.py: a worker's
# memory is sized for one run of up to 6 million path-years).
REUSE_MAX_PATH_YEARS = 1_000_000


def _with_retirement_age(plan: Plan, age: int) -> Plan:
    """Return the plan with another retirement age."""
    return plan.model_copy(
        update={"profile": plan.profile.model_copy(update={"retirement_age": age})}
    )


def _narrow(
    rate: Callable[[int], float],
    target: float,
    lo: int,
    hi: int,
    resolution: int,
    *,
    interpolate: bool,
) -> int:
    """Return a passing step at most `resolution` below a failing one, from lo (passes) and hi.

    Regula falsi, Illinois variant (Dowell & Jarratt 1971), on the success rate: it reads how
    far each end is from the target, so a smooth Monte Carlo curve is bracketed in a few
    evaluations where bisection needs log2(width). A step that fails to halve the bracket is
    followed by a bisection step, so it never needs more than about twice bisection's count.
    Without `interpolate` (few paths: success is a coarse staircase) it bisects throughout.
    """
    f_lo, f_hi = rate(lo) - target, rate(hi) - target
    side, stalls, mark = 0, 0, hi - lo
    while hi - lo > resolution:
        if stalls >= 2 or not interpolate:  # two steps without halving it: bisect once
            x, stalls = (lo + hi) // 2, 0
        else:
            x = lo + int(f_lo / (f_lo - f_hi) * (hi - lo))
        x = min(max(x, lo + 1), hi - 1)
        f = rate(x) - target
        if f >= 0.0:
            lo, f_lo = x, f
            if side == 1:
                f_hi /= 2.0  # Illinois: the end that keeps being retained counts for less
            side = 1
        else:
            hi, f_hi = x, f
            if side == -1:
                f_lo /= 2.0
            side = -1
        if 2 * (hi - lo) <= mark:
            mark, stalls = hi - lo, 0
        else:
            stalls += 1
    return lo


def _highest_passing(
    rate: Callable[[int], float],
    target: float,
    start: int,
    lookahead: int,
    *,
    interpolate: bool = True,
) -> int | None:
    """Return the highest passing step with no passing step in the `lookahead` steps above it.

    Doubling from `start` finds a failing step; regula falsi narrows [passing, failing] to
    `lookahead` steps (to one step where success is monotone: exact); every step of the
    window above the best so far is then tried, moving up whenever one passes.
    """
    if rate(0) < target:
        return None
    lo, hi = 0, min(max(1, start), MAX_SPENDING_STEPS)
    while rate(hi) >= target:
        if hi == MAX_SPENDING_STEPS:
            raise ValueError(
                "success_rate: annual spending of "
                f"{MAX_SPENDING_STEPS * SPENDING_STEP:,} a year still reaches it; the solver "
                "searches no higher"
            )
        lo, hi = hi, min(hi * 2, MAX_SPENDING_STEPS)
    best = _narrow(rate, target, lo, hi, lookahead, interpolate=interpolate)
    step = best + 1
    while step <= best + lookahead:
        if rate(step) >= target:
            best = step
        step += 1
    return best


def _spending_guess(prepared: Prepared, nothing: KernelOutput) -> int:
    """Return where the doubling starts: 4 % of the median real portfolio at retirement.

    `nothing` is the run at zero retirement spending; before retirement the spending does
    not matter, so its portfolio at the retirement row is every candidate's.
    """
    row = prepared.household.retirement_index
    at_retirement = float(np.median(nothing.portfolio_real[row]))
    return max(1, int(0.04 * at_retirement) // SPENDING_STEP)


@dataclass
class _Search:
    """Memoise a search's success rates, screen values on few paths, keep the best run.

    Screening: a value is first run only on the failing paths of the nearest value already
    shown to fail on its failing side (higher spending, a lower age). The failures found there
    are failures of the whole run (each path's outcome is its own, api.on_paths), so
    (paths − those failures) / paths bounds the success rate from above: below the target,
    the value fails — proven, at a fraction of a run. Above it, the value passes *tentatively*:
    the search goes on as if it passed, and `verify` runs the answer on every path; a value
    that then fails is known to fail and the search is run again (the memo keeps every rate
    and bound). Every answer is a full run's, so the contract (docs/ENGINE.md) holds exactly;
    where success is monotone (needs, fixed_real), the failing paths of a higher spending
    contain a lower one's, the bound is the rate itself and the first answer passes.

    Without `tentative` (the age search under the rate strategies, where the failing paths of
    one age are not quite those of the next) a screen only proves failures: only values
    below a failing age are screened (`_screen`), and one whose bound reaches the target is
    run on every path at once, so no answer is ever refuted and the search never runs again.

    The answer's run is reused for the result instead of being computed again — when `keep`:
    holding a second run's arrays beside the one being computed costs memory, so large runs
    (over REUSE_MAX_PATH_YEARS) are computed again instead and peak memory stays a run's.
    """

    target: float
    better: Callable[[int, int], bool]  # a is a more ambitious answer than b
    run: Callable[[int, IntArray | None], KernelOutput]  # a value on some paths (None: all)
    keep: bool
    paths: int
    screen: bool
    tentative: bool = True  # screened values above the target pass until verified
    rates: dict[int, float] = field(default_factory=dict)  # from runs on every path
    bounds: dict[int, float] = field(default_factory=dict)  # screened: upper bounds
    failing: dict[int, BoolArray] = field(default_factory=dict)  # values shown to fail
    best: tuple[int, KernelOutput] | None = None

    @property
    def evaluations(self) -> int:
        """Return the number of values tried (on every path or screened)."""
        return len(self.rates.keys() | self.bounds.keys())

    def rate(self, value: int) -> float:
        if value in self.rates:
            return self.rates[value]
        if value in self.bounds:
            return self.bounds[value]
        index = self._screen(value)
        if index is None:
            self.note(value, self.run(value, None))
            return self.rates[value]
        failed = index[self.run(value, index).failed]
        bound = float(self.paths - failed.size) / self.paths
        if bound >= self.target and not self.tentative:
            self.note(value, self.run(value, None))
            return self.rates[value]
        self.bounds[value] = bound
        if bound < self.target:
            self.failing[value] = np.zeros(self.paths, dtype=np.bool_)
            self.failing[value][failed] = True
        return bound

    def verify(self, value: int) -> bool:
        """Say whether a value passes on every path (running it there if it was screened)."""
        if value not in self.rates:
            self.note(value, self.run(value, None))
        return self.rates[value] >= self.target

    def note(self, value: int, output: KernelOutput) -> None:
        self.rates[value] = output.success_rate
        self.bounds.pop(value, None)
        if output.success_rate < self.target:
            self.failing[value] = output.failed.copy()
        elif self.keep and (self.best is None or self.better(value, self.best[0])):
            self.best = (value, output)

    def _screen(self, value: int) -> IntArray | None:
        """Return the paths to screen a value on, or None to run it on every path."""
        # Values shown to fail on the side a better answer lies (higher spending, lower age).
        beyond = [v for v in self.failing if self.better(v, value)]
        sides = [beyond]
        if not self.tentative:
            # Proofs only: screened where failing is near certain — a less ambitious value
            # (a higher age) already fails —, on the failing paths of the nearest failing
            # values on both sides (a screen that proves nothing costs a screen and a run).
            within = [v for v in self.failing if self.better(value, v)]
            sides = [beyond, within] if within else []
        nearest = [min(side, key=lambda v: abs(v - value)) for side in sides if side]
        if not self.screen or not nearest:
            return None
        index = np.flatnonzero(np.logical_or.reduce([self.failing[v] for v in nearest]))
        return index if index.size <= SCREEN_MAX_SHARE * self.paths else None


def _verified(search: _Search, find: Callable[[], int | None]) -> int | None:
    """Return the search's answer once a run on every path confirms it (see _Search)."""
    while True:
        found = find()
        if found is None or search.verify(found):
            return found


def _on(prepared: Prepared, index: IntArray | None) -> Prepared:
    return prepared if index is None else on_paths(prepared, index)


def _small(prepared: Prepared) -> bool:
    """Say whether a second run's arrays may be held during the search (see _Search)."""
    return prepared.returns.paths * prepared.household.rows <= REUSE_MAX_PATH_YEARS


def _solve_age(prepared: Prepared, success_rate: float) -> tuple[_Search, int | None]:
    """Return the search and the earliest retirement age that reaches the rate."""
    base = prepared.plan
    monotone = base.assumptions.withdrawal_strategy in MONOTONE_IN_AGE
    search = _Search(
        success_rate,
        better=lambda a, b: a < b,
        run=lambda age, index: evaluate(_on(prepared, index), _with_retirement_age(base, age)),
        keep=_small(prepared),
        paths=prepared.returns.paths,
        # Under the rate strategies the paths failing at one age are not quite those failing
        # at the next (the first withdrawal moves with the portfolio at retirement): screened
        # passes then often failed on every path and the search ran again (session 5: 13 to
        # 17 kernel runs instead of 9), so there screens only prove failures (`tentative`).
        screen=prepared.returns.paths >= SCREEN_FROM_PATHS,
        tentative=monotone,
    )
    first = prepared.household.first
    lookbelow = 0 if monotone else LOOKBELOW_AGES
    return search, _verified(
        search,
        lambda: lowest_passing_age(
            first.age,
            first.life_expectancy,
            search.rate,
            success_rate,
            lookbelow,
            first.retirement_age,
        ),
    )


def _solve_spending(prepared: Prepared, success_rate: float) -> tuple[_Search, int | None]:
    """Return the search and the highest spending, in steps of 100, that reaches the rate."""
    strategy = prepared.plan.assumptions.withdrawal_strategy
    if strategy == FIXED_PERCENTAGE:
        raise ValueError("fixed_percentage never runs out, so it has no highest spending")
    if strategy in (VPW, RMD_BASED):
        raise ValueError(
            f"{strategy} sets every year's draw from the portfolio, so there is no spending "
            "to solve for"
        )
    if success_rate == 0.0:
        raise ValueError(
            "success_rate: must be above 0 to solve for annual_spending (every spending "
            "reaches 0 %, so none is the highest)"
        )
    search = _Search(
        success_rate,
        better=lambda a, b: a > b,
        run=lambda steps, index: evaluate(
            _on(prepared, index), annual_spending=float(steps * SPENDING_STEP)
        ),
        keep=_small(prepared),
        paths=prepared.returns.paths,
        screen=prepared.returns.paths >= SCREEN_FROM_PATHS,
    )
    nothing = evaluate(prepared, annual_spending=0.0)
    search.note(0, nothing)
    guess = _spending_guess(prepared, nothing)
    del nothing  # a run's arrays: not held through the search (see _Search)
    lookahead = 1 if strategy in MONOTONE_IN_SPENDING else LOOKAHEAD_STEPS
    interpolate = prepared.returns.paths >= INTERPOLATE_FROM_PATHS
    steps = _verified(
        search,
        lambda: _highest_passing(
            search.rate, success_rate, guess, lookahead, interpolate=interpolate
        ),
    )
    return search, steps


def solve(
    plan: Plan | Mapping[str, Any],
    *,
    target: Target,
    success_rate: float,
    today: date | None = None,
    historical_path: str | Path | None = None,
    historical: HistoricalSeries | None = None,
) -> dict[str, Any]:
    """Search over the one kernel, on the same return matrices, to reach a success rate."""
    if not 0.0 <= success_rate <= 1.0:
        raise ValueError("success_rate: must be between 0 and 1")
    prepared = prepare(plan, today=today, historical_path=historical_path, historical=historical)
    if target == "retirement_age":
        search, found = _solve_age(prepared, success_rate)
        value = found
    elif target == "annual_spending":
        search, found = _solve_spending(prepared, success_rate)
        value = None if found is None else found * SPENDING_STEP
    else:
        raise ValueError(f"unknown solve target {target!r}")

    result = None
    if found is not None:
        # The answer is the best passing value tried, so its run is at hand.
        best = search.best
        output = best[1] if best and best[0] == found else search.run(found, None)
        chosen = prepared.plan
        spending = None
        if target == "retirement_age":
            chosen = _with_retirement_age(chosen, found)
        else:
            spending = float(found * SPENDING_STEP)
        result = summarise(prepared, output, chosen, annual_spending=spending)
    return {
        "target": target,
        "success_rate": success_rate,
        "value": value,
        "achieved_success_rate": None if found is None else search.rates[found],
        "evaluations": search.evaluations,
        "paths": prepared.returns.paths,
        "seed": prepared.seed,
        "inputs_hash": hash_inputs(prepared),
        "engine_version": ENGINE_VERSION,
        "dataset_hash": prepared.dataset_hash,
        "result": result,
    }
