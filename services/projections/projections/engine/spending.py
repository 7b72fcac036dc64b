"""The spending policy (DESIGN §6.3): what each path spends in a year, for both tax regimes.

Expenses are essential (the floor) or discretionary. Every rule is written once, compiled, in
spending_rules.py: both kernels' compiled years (flat_year.py, us_draw.py) call it path by
path on the `Policy` state and `Outcome` arrays kept here. The rules:

- `needs`: every stated expense is spent;
- `guardrails`: Guyton & Klinger (2006) on the discretionary part only — a factor per path,
  cut by `adjustment` when the current withdrawal rate is above initial × (1 + upper) (not in
  the last 15 years), raised by it below initial × (1 − lower), never above 1 (the stated
  amount); essential spending is never cut by the rule;
- `vpw`, `floor_ceiling`, `rmd_based`: the rule sets the portfolio draw; spending is that draw
  plus the income available after obligations and the taxes it owes, never below the
  essential floor (a path whose assets cannot fund the floor fails).

`fixed_real` and `fixed_percentage` are research modes with engine 1's arithmetic
(strategies.py); the kernels keep their own branch for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .resume import Carried
from .spending_rules import (
    CODES,
    STATE_ROWS,
    pmt_growth,
    policy_vector,
)
from .strategies import (
    RULE_DRAWS,
    StrategyParams,
    StrategyState,
    first_withdrawal,
    next_withdrawal,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Values = FloatArray | float


def plain(values: FloatArray) -> FloatArray:
    """Return a writeable C-contiguous float64 array (a copy only when it is not one already).

    numba compiles one version of a function per argument type, and layout and read-only
    are part of an array's type: the kernels pass the same types on every plan, so the
    version compiled when a worker starts (warm.py) is the only one ever needed.
    """
    return np.require(values, np.float64, ("C", "W"))


def paths_of(values: Values, paths: int) -> FloatArray:
    """Return one value per path as a plain array (a number or a (paths,) array)."""
    return plain(np.broadcast_to(values, (paths,)))


def research_withdrawal(
    params: StrategyParams,
    state: StrategyState | None,
    t: int,
    *,
    portfolio: FloatArray,
    price: FloatArray,
    inflation: FloatArray,
    last_return: FloatArray,
    years_left: int,
) -> tuple[StrategyState, FloatArray]:
    """Return a research mode's state and every path's withdrawal in retired row t.

    Both kernels' rule (strategies.py, engine 1's arithmetic): the first retired row sets
    the withdrawal, each later one advances it by the last row's inflation (`inflation`:
    the (paths, years) matrix) and return.
    """
    if state is None:
        state = first_withdrawal(params, portfolio, price)
    else:
        next_withdrawal(
            params,
            state,
            portfolio=portfolio,
            last_inflation=inflation[:, t - 1],
            last_return=last_return,
            years_left=years_left,
        )
    return state, paths_of(state.withdrawal, portfolio.size)


class Policy:
    """Carry each path's policy state from year to year (one instance per kernel run)."""

    def __init__(self, params: StrategyParams, paths: int) -> None:
        """Start every path's state; the policy's first retired year sets it."""
        self.params = params
        self.code = CODES[params.name]
        self.vector = policy_vector(params)
        self.state = np.zeros((STATE_ROWS, paths))
        self.started = False

    def year(self, *, retired: bool, years_left: int) -> tuple[int, bool, bool, int, float]:
        """Return the year's facts shared by every path (spending_rules.targets_one's `year`).

        Call once a year, before the year's targets: the first retired year starts the state.
        """
        first = retired and not self.started
        self.started = self.started or retired
        growth = pmt_growth(self.params.vpw_real_return, years_left)
        return (self.code, retired, first, years_left, growth)

    def saved(self) -> tuple[FloatArray, bool]:
        """Return a copy of the per-path state and whether it has started (resume.YearState)."""
        return self.state.copy(), self.started

    def restore(self, saved: tuple[FloatArray, bool]) -> None:
        """Go on from a saved state (a copy: the state is changed in place)."""
        self.state[:] = saved[0]
        self.started = saved[1]


@dataclass
class Outcome:
    """Accumulate each path's failure and adjustment measures (DESIGN §6.6 `shortfall`)."""

    # The kernel's spending per row and path, (rows, paths): the essential part is spending
    # less the discretionary part, so only the latter is stored (a run's memory is per
    # path-year, and workers are bounded: settings.compute_worker_memory_mb).
    spending: FloatArray
    discretionary: FloatArray = field(init=False)
    unfunded_real: FloatArray = field(init=False)
    years_short: FloatArray = field(init=False)
    adjusted: BoolArray = field(init=False)
    deepest_cut: FloatArray = field(init=False)
    failed: BoolArray = field(init=False)
    depletion: IntArray = field(init=False)  # row of the first failure, -1 if none

    def __post_init__(self) -> None:
        """Allocate the discretionary spending and the per-path measures."""
        paths = self.spending.shape[1]
        self.discretionary = np.zeros_like(self.spending)
        self.unfunded_real = np.zeros(paths)
        self.years_short = np.zeros(paths)
        self.adjusted = np.zeros(paths, dtype=np.bool_)
        self.deepest_cut = np.zeros(paths)
        self.failed = np.zeros(paths, dtype=np.bool_)
        self.depletion = np.full(paths, -1, dtype=np.int64)

    @property
    def essential(self) -> FloatArray:
        """Return the essential spending, (rows, paths): spending less its discretionary part."""
        out: FloatArray = self.spending - self.discretionary
        return out

    @property
    def rows(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray, FloatArray]:
        """Return what spending_rules.record_one writes, in its order."""
        return (
            self.spending,
            self.discretionary,
            self.unfunded_real,
            self.years_short,
            self.adjusted,
            self.deepest_cut,
        )

    @property
    def measures(self) -> Carried:
        """Return the per-path measures carried from row to row (resume.Carried's order)."""
        return (
            self.unfunded_real,
            self.years_short,
            self.adjusted,
            self.deepest_cut,
            self.failed,
            self.depletion,
        )

    def carried(self) -> Carried:
        """Return copies of the per-path measures (resume.YearState)."""
        unfunded, short, adjusted, cut, failed, depletion = self.measures
        return (
            unfunded.copy(),
            short.copy(),
            adjusted.copy(),
            cut.copy(),
            failed.copy(),
            depletion.copy(),
        )

    def restore(self, carried: Carried) -> None:
        """Go on from carried measures (copied in: a kept state may be resumed again)."""
        for row, value in zip(self.measures, carried, strict=True):
            row[:] = value


__all__ = ["RULE_DRAWS", "Outcome", "Policy"]
