"""One year's US taxes on one path as a function of the year's draw (DESIGN §6.4).

A path's *base* (a row of the (paths, BASE_ROWS) array the `us` year fills) holds the
incomes known before the draw: wages after deferrals, Social Security, pensions and other
ordinary income, RMDs, Roth conversions, dividends, interest, a home sale's gain; with the
filing status, the inflation index and the ages. The draw adds ordinary income (tax_deferred)
and realised gains (taxable); `variable` returns the federal and state tax with them. The
gross-up (tax/grossup.py) and `bracket_room` solve on these functions. All are compiled
(numba) and take one path's row: the `us` year (us_year.py) loops over the paths.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from .tax.federal import federal_one, taxable_social_security
from .tax.grossup import advance, finished, start
from .tax.law import BRACKETS, LOSS_LIMIT, LOWER
from .tax.state import state_one

FloatArray = npt.NDArray[np.float64]

# Columns of a year's base, (paths, BASE_ROWS).
STATUS, INDEX, AGE_HEAD, AGE_SPOUSE, WAGES, INTEREST = 0, 1, 2, 3, 4, 5
ORDINARY, DIVIDENDS, GAINS, SOCIAL_SECURITY = 6, 7, 8, 9  # ORDINARY: pensions … conversions
BASE_ROWS = 10


@numba.njit(cache=True, error_model="numpy", inline="always")
def federal(
    law: FloatArray, b: FloatArray, p: int, ordinary: float = 0.0, gains: float = 0.0
) -> tuple[float, float, float, float, float, float, float, float, float]:
    """Return path p's federal tax parts (tax/federal.py) with a draw's extra income."""
    return federal_one(
        law,
        int(b[p, STATUS]),
        b[p, INDEX],
        b[p, AGE_HEAD],
        b[p, AGE_SPOUSE],
        b[p, WAGES],
        b[p, INTEREST],
        b[p, ORDINARY] + ordinary,
        b[p, DIVIDENDS],
        b[p, GAINS] + gains,
        b[p, SOCIAL_SECURITY],
    )


@numba.njit(cache=True, error_model="numpy", inline="always")
def total(parts: tuple[float, float, float, float, float, float, float, float, float]) -> float:
    """Return the federal tax the household pays: regular tax, AMT and NIIT (FederalTax.total)."""
    return parts[4] + parts[5] + parts[6] + parts[7]


@numba.njit(cache=True, error_model="numpy", inline="always")
def variable(
    law: FloatArray,
    b: FloatArray,
    p: int,
    state_rate: float,
    ordinary: float = 0.0,
    gains: float = 0.0,
) -> float:
    """Return path p's federal plus state tax with a draw's extra income."""
    fed = federal(law, b, p, ordinary, gains)
    return total(fed) + state_one(state_rate, fed[0], fed[1])


@numba.njit(cache=True, error_model="numpy", inline="always")
def agi(
    law: FloatArray, b: FloatArray, p: int, ordinary: float = 0.0, gains: float = 0.0
) -> tuple[float, float]:
    """Return AGI and taxable Social Security with a draw's extra income (no brackets)."""
    s = int(b[p, STATUS])
    net_gains = max(b[p, GAINS] + gains, -law[LOSS_LIMIT + s])
    other = b[p, WAGES] + b[p, INTEREST] + b[p, ORDINARY] + ordinary + b[p, DIVIDENDS] + net_gains
    taxable_ss = taxable_social_security(law, s, other, b[p, SOCIAL_SECURITY])
    return other + taxable_ss, taxable_ss


@numba.njit(cache=True, error_model="numpy", inline="always")
def ordinary_taxable(law: FloatArray, b: FloatArray, p: int, ordinary: float = 0.0) -> float:
    """Return the ordinary part of taxable income (what the brackets apply to)."""
    taxable = federal(law, b, p, ordinary)[3]
    preferred = float(b[p, DIVIDENDS]) + max(float(b[p, GAINS]), 0.0)
    return taxable - min(preferred, taxable)


@numba.njit(cache=True, error_model="numpy", inline="always")
def bracket_top(law: FloatArray, b: FloatArray, p: int, bracket: int) -> float:
    """Return the top of an ordinary bracket in the year's money (inf for the last)."""
    if bracket + 1 >= BRACKETS:
        return np.inf
    s = int(b[p, STATUS])
    return float(law[LOWER + s * BRACKETS + bracket + 1]) * float(b[p, INDEX])


@numba.njit(cache=True, error_model="numpy", inline="always")
def bracket_room(law: FloatArray, b: FloatArray, p: int, bracket: int, cap: float) -> float:
    """Return the extra ordinary income (at most `cap`) that fills a bracket to its top.

    Ordinary taxable income rises at least dollar for dollar with ordinary income once the
    deduction is used (more where it makes Social Security taxable), and is flat before: a
    continuous, non-decreasing, piecewise-linear function, solved like the gross-up.
    """
    top = bracket_top(law, b, p, bracket)
    if not np.isfinite(top):
        return cap
    if not cap > 0.0:
        return 0.0
    now = ordinary_taxable(law, b, p)
    gap = top - now
    if not gap > 0.0:
        return 0.0
    # The gross-up's method solves x − (g(x) − g(0)) = need; with g = x − plain(x) that is
    # plain(x) − plain(0) = need.
    state = start(gap, cap, gap)
    while True:
        trial = state[13]
        state = advance(state, trial - ordinary_taxable(law, b, p, trial) + now)
        if finished(state):
            break
    return min(state[4], cap)


# Called, not inlined, where they are rare (a conversion year, bracket_fill, the detail's
# taxable income): each inlined copy of the federal rules makes the year's loop over the
# paths larger, and a loop larger than the instruction cache runs slower (us_run.run_year).
@numba.njit(cache=True, error_model="numpy")
def bracket_room_call(law: FloatArray, b: FloatArray, p: int, bracket: int, cap: float) -> float:
    """Return bracket_room (called, not inlined)."""
    return bracket_room(law, b, p, bracket, cap)


@numba.njit(cache=True, error_model="numpy")
def variable_call(law: FloatArray, b: FloatArray, p: int, state_rate: float) -> float:
    """Return variable at a zero draw (called, not inlined)."""
    return variable(law, b, p, state_rate)


@numba.njit(cache=True, error_model="numpy")
def taxable_income_call(
    law: FloatArray, b: FloatArray, p: int, ordinary: float, gains: float
) -> float:
    """Return the federal taxable income with a draw's income (called, not inlined)."""
    return federal(law, b, p, ordinary, gains)[3]
