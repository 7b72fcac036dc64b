"""One year of the `us` kernel on every path, compiled (numba): us_kernel.py's one call a year.

`run_year` runs us_year.py's `before_draw` on every path, then us_draw.py's `draw`
(docs/ENGINE.md "Compiled us kernel").
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .numba_cache import without_refcounts
from .us_draw import Accounts, Outcome, PolicyArgs, Rows5, draw
from .us_year import before_draw

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# run_year's arguments beside the row's returns: before_draw's (after the path), then
# draw's without those it shares with before_draw (law, tax base, balances, bases, state
# rate, the year's rows, record).
BeforeArgs = tuple[
    FloatArray,  # flow
    FloatArray,  # tx
    FloatArray,  # rmd_factor
    FloatArray,  # contributions
    IntArray,  # column
    bool,  # per_column
    FloatArray,  # price
    FloatArray,  # bal
    FloatArray,  # basis
    IntArray,  # kinds
    FloatArray,  # dividend_w
    FloatArray,  # bond_w
    IntArray,  # deferred
    FloatArray,  # law
    FloatArray,  # irmaa
    float,  # index0
    float,  # state_rate
    FloatArray,  # home_gains
    FloatArray,  # magi_before
    bool,  # first_year
    tuple[bool, int, int],  # conversion
    FloatArray,  # b
    FloatArray,  # year
    bool,  # record
]
DrawArgs = tuple[
    int,  # order
    Accounts,  # accounts
    PolicyArgs,  # policy
    bool,  # conversion_year
    int,  # fill
    FloatArray,  # ratio
    FloatArray,  # segs
    FloatArray,  # taken
    FloatArray,  # drawn
    Rows5,  # carry
    Rows5,  # rows
    IntArray,  # stats
    Outcome,  # outcome
]


@without_refcounts
def run_year(
    before: BeforeArgs,
    after: DrawArgs,
    returns: tuple[FloatArray, FloatArray, FloatArray],
) -> bool:
    """Run a row: before_draw on every path, then draw; False if any gross-up is unsolved.

    Two loops over the paths, not one: with both bodies in one loop the kernel took twice
    the CPU time (session 6; the loop's code, every tax rule inlined, no longer fits the
    instruction cache once per path). `before` and `after` are the two functions'
    arguments after the path (the same on every path); `returns` the row's stock, bond and
    inflation returns of every path (gathered as columns: read from the (paths, years)
    matrices inside the loops, the same reads made the kernel 10 % slower).
    """
    (
        flow,
        tx,
        rmd_factor,
        contributions,
        column,
        per_column,
        price,
        bal,
        basis,
        kinds,
        dividend_w,
        bond_w,
        deferred,
        law,
        irmaa,
        index0,
        state_rate,
        home_gains,
        magi_before,
        first_year,
        conversion,
        b,
        year,
        record,
    ) = before
    (
        order,
        accounts,
        policy,
        conversion_year,
        fill,
        ratio,
        segs,
        taken,
        drawn,
        carry,
        rows,
        stats,
        outcome,
    ) = after
    stock, bond, inflation = returns
    converged = True
    for p in range(stock.size):
        bond_p, inflation_p = bond[p], inflation[p]
        before_draw(
            p,
            flow,
            tx,
            rmd_factor,
            contributions,
            column,
            per_column,
            price,
            bal,
            basis,
            kinds,
            dividend_w,
            bond_w,
            deferred,
            law,
            irmaa,
            index0,
            state_rate,
            home_gains,
            magi_before,
            first_year,
            conversion,
            b,
            year,
            record,
            (bond_p, inflation_p),
        )
    for p in range(stock.size):
        bond_p, inflation_p = bond[p], inflation[p]
        solved = draw(
            p,
            order,
            accounts,
            law,
            b,
            state_rate,
            year,
            policy,
            conversion_year,
            fill,
            bal,
            basis,
            ratio,
            segs,
            taken,
            drawn,
            record,
            carry,
            rows,
            stats,
            outcome,
            (stock[p], bond_p, inflation_p),
        )
        if not solved:
            converged = False
    return converged
