"""The spending policy (DESIGN §6.3): what each path spends in a year, for both tax regimes.

Expenses are essential (the floor) or discretionary. Both kernels (kernel.py, us_kernel.py)
ask `Policy.targets` for the year's spending target and record the outcome with `Outcome`, so
every rule is written once:

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

from .strategies import (
    FLOOR_CEILING,
    GUARDRAILS,
    NEEDS,
    NO_CUT_FINAL_YEARS,
    RMD_BASED,
    RULE_DRAWS,
    VPW,
    StrategyParams,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
# Discretionary spending this far below the stated amount is rounding, not an adjustment.
ADJUSTED_TOLERANCE = 1e-6


def pmt_begin(rate: float, periods: int, present: FloatArray) -> FloatArray:
    """Return the level payment at the start of each of `periods` years that spends `present`.

    numpy-financial's pmt(rate, periods, -present, when="begin"): present × r ÷ ((1 + r) ×
    (1 − (1 + r)^−n)); present ÷ n at r = 0.
    """
    if periods <= 0:
        return present.copy()
    if rate == 0.0:
        return present / periods
    growth = (1.0 + rate) ** -periods
    return present * rate / ((1.0 + rate) * (1.0 - growth))


def _rate(draw: FloatArray, portfolio: FloatArray) -> FloatArray:
    out = np.full_like(draw, np.inf)
    np.divide(draw, portfolio, out=out, where=portfolio > 0.0)
    return out


@dataclass
class Policy:
    """Carry each path's policy state from year to year (one instance per kernel run)."""

    params: StrategyParams
    paths: int
    factor: FloatArray | None = None  # guardrails: discretionary spent ÷ stated
    # guardrails: the rates initial × (1 + upper) and initial × (1 − lower), per path.
    cut_above: FloatArray | None = None
    raise_below: FloatArray | None = None
    first_real: FloatArray | None = None  # floor_ceiling: the first year's draw, today's money

    def targets(
        self,
        *,
        retired: bool,
        total: FloatArray,
        discretionary: FloatArray,
        available: FloatArray,
        obligations: FloatArray,
        portfolio: FloatArray,
        price: FloatArray,
        years_left: int,
        period: FloatArray | float,
    ) -> tuple[FloatArray, FloatArray]:
        """Return the year's spending target and its discretionary part.

        `total` and `discretionary` are the stated expenses; `available` is the income left
        for spending before any draw (after the taxes it owes); `period` the rmd_based
        divisor. The essential target is always total − discretionary of the stated amounts.
        """
        name = self.params.name
        if not retired or name == NEEDS:
            return total, discretionary
        essential = total - discretionary
        if name == GUARDRAILS:
            return self._guardrails(
                essential, discretionary, available, obligations, portfolio, years_left
            )
        draw = self._draw(name, portfolio, price, years_left, period)
        spend = np.maximum(draw + available - obligations, essential)
        return spend, spend - essential

    def _guardrails(
        self,
        essential: FloatArray,
        discretionary: FloatArray,
        available: FloatArray,
        obligations: FloatArray,
        portfolio: FloatArray,
        years_left: int,
    ) -> tuple[FloatArray, FloatArray]:
        p = self.params
        if self.factor is None:
            self.factor = np.ones(self.paths)
            draw = np.maximum(essential + discretionary + obligations - available, 0.0)
            initial = _rate(draw, portfolio)
            self.cut_above = initial * (1.0 + p.upper)
            self.raise_below = initial * (1.0 - p.lower)
            return essential + discretionary, discretionary
        assert self.cut_above is not None and self.raise_below is not None
        draw = essential + self.factor * discretionary
        draw += obligations - available
        np.maximum(draw, 0.0, out=draw)
        # rate > limit, written draw > limit × portfolio: no division (an empty portfolio
        # with a positive draw is above any finite limit, as its infinite rate would be).
        # A path whose portfolio was empty at retirement has an infinite initial rate: its
        # limit × an empty portfolio is NaN, which neither cuts nor raises.
        with np.errstate(invalid="ignore"):
            if years_left > NO_CUT_FINAL_YEARS:
                cut = draw > self.cut_above * portfolio
                np.multiply(self.factor, 1.0 - p.adjustment, out=self.factor, where=cut)
            raise_ = draw < self.raise_below * portfolio
        if raise_.any():
            raised = np.minimum(self.factor * (1.0 + p.adjustment), 1.0)
            np.copyto(self.factor, raised, where=raise_)
        flexed = self.factor * discretionary
        return essential + flexed, flexed

    def _draw(
        self,
        name: str,
        portfolio: FloatArray,
        price: FloatArray,
        years_left: int,
        period: FloatArray | float,
    ) -> FloatArray:
        p = self.params
        if name == VPW:
            return pmt_begin(p.vpw_real_return, years_left, portfolio)
        if name == RMD_BASED:
            return portfolio / period
        assert name == FLOOR_CEILING
        draw = p.rate * portfolio
        if self.first_real is None:
            first = draw if p.initial_withdrawal is None else p.initial_withdrawal * price
            self.first_real = first / price
            return first
        base = self.first_real * price
        return np.clip(draw, p.floor * base, p.ceiling * base)


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

    def __post_init__(self) -> None:
        """Allocate the discretionary spending and the per-path measures."""
        paths = self.spending.shape[1]
        self.discretionary = np.zeros_like(self.spending)
        self.unfunded_real = np.zeros(paths)
        self.years_short = np.zeros(paths)
        self.adjusted = np.zeros(paths, dtype=np.bool_)
        self.deepest_cut = np.zeros(paths)

    @property
    def essential(self) -> FloatArray:
        """Return the essential spending, (rows, paths): spending less its discretionary part."""
        out: FloatArray = self.spending - self.discretionary
        return out

    def record(
        self,
        t: int,
        *,
        spent: FloatArray,
        essential_target: FloatArray,
        stated_discretionary: FloatArray,
        unfunded: FloatArray,
        price: FloatArray,
    ) -> BoolArray:
        """Record row t's outcome; return the paths short of essential spending this year.

        `unfunded` is what the year could not fund of its essential spending, debt payments
        and taxes (zero where nobody is alive).
        """
        essential = np.minimum(spent, essential_target)
        discretionary = np.subtract(spent, essential, out=self.discretionary[t])
        short = unfunded > ADJUSTED_TOLERANCE
        if short.any():
            self.unfunded_real += np.where(short, unfunded / price, 0.0)
            self.years_short += short
        gap = stated_discretionary - discretionary
        cut = gap > ADJUSTED_TOLERANCE
        if cut.any():
            self.adjusted |= cut
            share = np.divide(
                gap, stated_discretionary, out=np.zeros_like(gap), where=stated_discretionary > 0.0
            )
            self.deepest_cut = np.maximum(self.deepest_cut, np.where(cut, share, 0.0))
        return short


__all__ = ["RULE_DRAWS", "Outcome", "Policy", "pmt_begin"]
