"""The spending policy and the outcome of one path-year, compiled (numba): each rule once.

spending.py (module docstring: the rules) runs these over arrays for the flat kernel; the
`us` kernel's compiled year (us_draw.py) calls them path by path inside its own pass. The
arithmetic is the numpy kernel's, operation for operation, so both give its numbers bit for
bit (test_compat_v1.py, test_us_goldens.py).

A policy's per-path state lives in a (STATE_ROWS, paths) array; its parameters in a vector
(`policy_vector`); a year's shared facts in a tuple (spending.Policy.year).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from .strategies import (
    FIXED_PERCENTAGE,
    FIXED_REAL,
    FLOOR_CEILING,
    GUARDRAILS,
    NEEDS,
    NO_CUT_FINAL_YEARS,
    RMD_BASED,
    VPW,
    StrategyParams,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# StrategyParams.name as compiled code sees it.
CODES = {
    NEEDS: 0,
    GUARDRAILS: 1,
    VPW: 2,
    FLOOR_CEILING: 3,
    RMD_BASED: 4,
    FIXED_REAL: 5,
    FIXED_PERCENTAGE: 6,
}
NEEDS_CODE, GUARDRAILS_CODE, VPW_CODE, FLOOR_CEILING_CODE = 0, 1, 2, 3
# The policy's state per path: guardrails' factor (discretionary spent ÷ stated) and its
# rates initial × (1 + upper), initial × (1 − lower); floor_ceiling's first draw in today's money.
FACTOR, CUT_ABOVE, RAISE_BELOW, FIRST_REAL = 0, 1, 2, 3
STATE_ROWS = 4
# policy_vector's entries; INITIAL is NaN when there is no initial withdrawal.
UPPER, LOWER, ADJUSTMENT, RATE, FLOOR, CEILING, INITIAL, VPW_RETURN = range(8)
# Discretionary spending this far below the stated amount is rounding, not an adjustment.
ADJUSTED_TOLERANCE = 1e-6


def policy_vector(params: StrategyParams) -> FloatArray:
    """Return the parameters compiled code reads, in the order of UPPER … VPW_RETURN."""
    initial = math.nan if params.initial_withdrawal is None else params.initial_withdrawal
    return np.array(
        [
            params.upper,
            params.lower,
            params.adjustment,
            params.rate,
            params.floor,
            params.ceiling,
            initial,
            params.vpw_real_return,
        ]
    )


def pmt_growth(rate: float, periods: int) -> float:
    """Return (1 + rate)^−periods, pmt_begin's discount (the same for every path of a year)."""
    return (1.0 + rate) ** -periods if periods > 0 else 0.0


@numba.njit(cache=True, error_model="numpy", inline="always")
def pmt_begin(rate: float, periods: int, growth: float, present: float) -> float:
    """Return the level payment at the start of each of `periods` years that spends `present`.

    numpy-financial's pmt(rate, periods, -present, when="begin"): present × r ÷ ((1 + r) ×
    (1 − (1 + r)^−n)); present ÷ n at r = 0. `growth` is pmt_growth(rate, periods).
    """
    if periods <= 0:
        return present
    if rate == 0.0:
        return present / periods
    return present * rate / ((1.0 + rate) * (1.0 - growth))


@numba.njit(cache=True, error_model="numpy", inline="always")
def guardrails_one(
    first: bool,
    years_left: int,
    params: FloatArray,
    state: FloatArray,
    p: int,
    essential: float,
    discretionary: float,
    available: float,
    obligations: float,
    portfolio: float,
) -> tuple[float, float]:
    """Return guardrails' target and its discretionary part; update the path's factor."""
    if first:
        state[FACTOR, p] = 1.0
        draw = max(essential + discretionary + obligations - available, 0.0)
        initial = draw / portfolio if portfolio > 0.0 else np.inf
        state[CUT_ABOVE, p] = initial * (1.0 + params[UPPER])
        state[RAISE_BELOW, p] = initial * (1.0 - params[LOWER])
        return essential + discretionary, discretionary
    factor = state[FACTOR, p]
    draw = essential + factor * discretionary
    draw += obligations - available
    draw = max(draw, 0.0)
    # rate > limit, written draw > limit × portfolio: no division (an empty portfolio with
    # a positive draw is above any finite limit, as its infinite rate would be). A path
    # whose portfolio was empty at retirement has an infinite initial rate: its limit × an
    # empty portfolio is NaN, which neither cuts nor raises.
    if years_left > NO_CUT_FINAL_YEARS and draw > state[CUT_ABOVE, p] * portfolio:
        factor *= 1.0 - params[ADJUSTMENT]
    if draw < state[RAISE_BELOW, p] * portfolio:
        factor = min(factor * (1.0 + params[ADJUSTMENT]), 1.0)
    state[FACTOR, p] = factor
    flexed = factor * discretionary
    return essential + flexed, flexed


@numba.njit(cache=True, error_model="numpy", inline="always")
def targets_one(
    year: tuple[int, bool, bool, int, float],
    params: FloatArray,
    state: FloatArray,
    p: int,
    someone: bool,
    total: float,
    discretionary: float,
    available: float,
    obligations: float,
    portfolio: float,
    price: float,
    period: float,
) -> tuple[float, float]:
    """Return a path's spending target for the year and its discretionary part.

    `year` is (policy code, retired, first retired year, years left, pmt_growth of them);
    `someone` whether anyone on the path is alive; `total` and `discretionary` the stated
    expenses; `available` the income left for spending before any draw (after the taxes it
    owes); `period` rmd_based's divisor.
    """
    code, retired, first, years_left, growth = year
    if not someone:
        # Nobody is alive: nothing is spent, a rule's draw from the portfolio included (the
        # accounts keep earning: the estate). Engine 2.3.1; before, vpw, floor_ceiling and
        # rmd_based drew on after both had died.
        return 0.0, 0.0
    if not retired or code == NEEDS_CODE:
        return total, discretionary
    essential = total - discretionary
    if code == GUARDRAILS_CODE:
        return guardrails_one(
            first,
            years_left,
            params,
            state,
            p,
            essential,
            discretionary,
            available,
            obligations,
            portfolio,
        )
    # The rule draws from the portfolio; spending is that draw plus the income available.
    if code == VPW_CODE:
        draw = pmt_begin(params[VPW_RETURN], years_left, growth, portfolio)
    elif code == FLOOR_CEILING_CODE:
        draw = params[RATE] * portfolio
        if first:
            if not math.isnan(params[INITIAL]):
                draw = params[INITIAL] * price
            state[FIRST_REAL, p] = draw / price
        else:
            base = state[FIRST_REAL, p] * price
            draw = min(max(draw, params[FLOOR] * base), params[CEILING] * base)
    else:  # rmd_based
        draw = portfolio / period
    spend = max(draw + available - obligations, essential)
    return spend, spend - essential


@numba.njit(cache=True, error_model="numpy", inline="always")
def record_one(
    t: int,
    p: int,
    spent: float,
    essential_target: float,
    stated_discretionary: float,
    unfunded: float,
    price: float,
    outcome: tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray, FloatArray],
    failed: BoolArray,
    depletion: IntArray,
) -> None:
    """Record a path's row t: spending (never below 0) and its split, failure, adjustment.

    `outcome` is spending.Outcome's (spending, discretionary, unfunded_real, years_short,
    adjusted, deepest_cut); `unfunded` what the year could not fund of its essential
    spending, debt payments and taxes (zero where nobody is alive). A path short of
    essential spending fails in the first such row (`depletion`).
    """
    spending, discretionary_rows, unfunded_real, years_short, adjusted, deepest_cut = outcome
    spent = max(spent, 0.0)
    spending[t, p] = spent
    discretionary = spent - min(spent, essential_target)
    discretionary_rows[t, p] = discretionary
    if unfunded > ADJUSTED_TOLERANCE:
        unfunded_real[p] += unfunded / price
        years_short[p] += 1.0
        if not failed[p]:
            failed[p] = True
            depletion[p] = t
    gap = stated_discretionary - discretionary
    if gap > ADJUSTED_TOLERANCE:
        adjusted[p] = True
        share = gap / stated_discretionary if stated_discretionary > 0.0 else 0.0
        deepest_cut[p] = max(deepest_cut[p], share)
