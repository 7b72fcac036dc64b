"""Where a year's draw comes from under `us` (DESIGN §6.4 `withdrawal_order`), and what it realises.

A draw is laid out as *segments*, each a slice of one account (or, proportional, of every
liquid account pro rata): how much it can give, the share of each of its dollars that is
ordinary income (tax_deferred) and realised gain (taxable, by average cost: 1 − basis /
value). A draw G fills the segments in order, so the income it creates is a continuous,
piecewise-linear function of G, which is what the gross-up needs.

- `conventional`: cash → taxable → tax_deferred → tax_free, each kind in the plan's order.
- `proportional`: one segment, every liquid account pro rata to its balance.
- `bracket_fill`: tax_deferred up to `room` (the ordinary income that takes the year's
  ordinary taxable income to the top of `fill_bracket`), then cash, taxable, the rest of
  tax_deferred, tax_free.

Compiled (numba) for one path at a time: the `us` year (us_year.py) loops over the paths. A
path's segments live in a `Segments` scratch array, (SEGMENT_ROWS, slots): the capacity, the
ordinary and gain shares per dollar, and the account (PRO_RATA: every liquid account, by
the shares in the scratch's last columns); working rows follow.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from .us_inputs import CASH, DEFERRED, FREE, TAXABLE

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

KIND_ORDER = (CASH, TAXABLE, DEFERRED, FREE)
CONVENTIONAL, PROPORTIONAL, BRACKET_FILL = 0, 1, 2  # UsInputs.order
CAP, ORDINARY, GAIN, ACCOUNT = 0, 1, 2, 3  # rows of a path's segments
REST, REST_BASIS, FILLED = 4, 5, 6  # working rows, one column an account (no allocation a path)
SEGMENT_ROWS = 7
PRO_RATA = -1.0


def scratch(assets: int) -> FloatArray:
    """Return a path's segment scratch: 3 slots an account, then the pro-rata shares."""
    return np.zeros((SEGMENT_ROWS, 3 * assets + 1 + assets))


def liquid_order(kinds: IntArray) -> IntArray:
    """Return the liquid accounts in the order of their kinds (KIND_ORDER), plan order within."""
    return np.array([j for k in KIND_ORDER for j in np.flatnonzero(kinds == k)], dtype=np.int64)


@numba.njit(cache=True, error_model="numpy", inline="always")
def gain_fraction(balance: float, basis: float) -> float:
    """Return the realised gain per dollar sold at average cost: 1 − basis / value."""
    return 1.0 - (basis / balance if balance > 0.0 else 0.0)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _single(segs: FloatArray, m: int, j: int, kind: int, cap: float, basis: float) -> int:
    segs[CAP, m] = cap
    segs[ORDINARY, m] = 1.0 if kind == DEFERRED else 0.0
    segs[GAIN, m] = gain_fraction(cap, basis) if kind == TAXABLE else 0.0
    segs[ACCOUNT, m] = j
    return m + 1


@numba.njit(cache=True, error_model="numpy", inline="always")
def segments(
    segs: FloatArray,
    order: int,
    bal: FloatArray,
    basis: FloatArray,
    p: int,
    kinds: IntArray,
    liquid: IntArray,
    room: float,
    first: float,
) -> int:
    """Lay out path p's draw (balances `bal`, bases `basis`) in `segs`; return the count.

    `first` (a Roth conversion's tax; negative in a year without conversions) is taken from
    cash, then taxable, before the order applies to what is left (DESIGN §6.4: conversion
    tax is paid from cash/taxable). In a conversion year every cash and taxable account
    opens with its slice of it, empty or not: an empty taxable slice (a gain share of 1)
    ends the untaxed prefix, as it always has.
    `room` is bracket_fill's tax_deferred slice (ignored by the other orders).
    """
    # The rows are read in place (segs[REST, j], not a view of a row): a view a path would
    # cost reference counting in the loop.
    m = 0
    for j in range(kinds.size):
        segs[REST, j], segs[REST_BASIS, j], segs[FILLED, j] = bal[p, j], basis[p, j], 0.0
    if first >= 0.0:
        left = first
        for j_i in range(liquid.size):
            j = liquid[j_i]
            kind = kinds[j]
            if kind != CASH and kind != TAXABLE:
                continue
            value = bal[p, j]
            cap = min(value, left)
            left -= cap
            share = basis[p, j] / value if value > 0.0 else 1.0
            m = _single(segs, m, j, kind, cap, cap * share)
            kept = 1.0 - (cap / value if value > 0.0 else 0.0)
            segs[REST, j] -= cap
            segs[REST_BASIS, j] *= kept
    if order == PROPORTIONAL:
        total = 0.0
        for j_i in range(liquid.size):
            j = liquid[j_i]
            total += segs[REST, j]
        safe = total if total > 0.0 else 1.0
        deferred, gain = 0.0, 0.0
        for j in range(kinds.size):  # the plan's order, as the sums run
            if kinds[j] == DEFERRED:
                deferred += segs[REST, j]
            elif kinds[j] == TAXABLE:
                gain += segs[REST, j] - segs[REST_BASIS, j]
        segs[CAP, m], segs[ORDINARY, m], segs[GAIN, m] = total, deferred / safe, gain / safe
        segs[ACCOUNT, m] = PRO_RATA
        shares = segs.shape[1] - kinds.size
        for j_i in range(liquid.size):
            j = liquid[j_i]
            segs[CAP, shares + j] = segs[REST, j] / safe
        return m + 1
    if order == BRACKET_FILL:
        left = room
        for j_i in range(liquid.size):
            j = liquid[j_i]
            if kinds[j] == DEFERRED:
                filled = min(segs[REST, j], left)
                segs[FILLED, j] = filled
                left -= filled
                segs[CAP, m], segs[ORDINARY, m], segs[GAIN, m] = filled, 1.0, 0.0
                segs[ACCOUNT, m] = j
                m += 1
    for j_i in range(liquid.size):
        j = liquid[j_i]
        cap = segs[REST, j] - segs[FILLED, j]
        m = _single(segs, m, j, kinds[j], cap, segs[REST_BASIS, j])
    return m


@numba.njit(cache=True, error_model="numpy", inline="always")
def income_of(segs: FloatArray, m: int, draw: float) -> tuple[float, float]:
    """Return the ordinary income and realised gain a draw creates, filling segments in order."""
    left, ordinary, gain = draw, 0.0, 0.0
    for k in range(m):
        take = min(left, segs[CAP, k])
        ordinary += take * segs[ORDINARY, k]
        gain += take * segs[GAIN, k]
        left = left - take
    return ordinary, gain


@numba.njit(cache=True, error_model="numpy", inline="always")
def free_prefix(segs: FloatArray, m: int) -> float:
    """Return how much the path can draw before any dollar is taxed (cash, untaxed gains)."""
    total = 0.0
    for k in range(m):
        if segs[ORDINARY, k] != 0.0 or segs[GAIN, k] != 0.0:
            break
        total += segs[CAP, k]
    return total


@numba.njit(cache=True, error_model="numpy", inline="always")
def apply(
    segs: FloatArray,
    m: int,
    draw: float,
    bal: FloatArray,
    basis: FloatArray,
    p: int,
    kinds: IntArray,
    taken: FloatArray,
) -> None:
    """Take a draw from path p's accounts, in place (balances, bases); `taken` gets each take."""
    for j in range(kinds.size):
        taken[p, j] = 0.0
    shares = segs.shape[1] - kinds.size
    left = draw
    for k in range(m):
        take = min(left, segs[CAP, k])
        if segs[ACCOUNT, k] == PRO_RATA:
            for j in range(kinds.size):
                if kinds[j] >= 0:
                    taken[p, j] += take * segs[CAP, shares + j]
        else:
            taken[p, int(segs[ACCOUNT, k])] += take
        left = left - take
    for j in range(kinds.size):
        value = bal[p, j]
        if kinds[j] == TAXABLE and value > 0.0:
            # Average cost: the basis leaves in proportion to the value sold.
            basis[p, j] -= basis[p, j] * min(taken[p, j] / value, 1.0)
        bal[p, j] = max(value - taken[p, j], 0.0)


@numba.njit(cache=True, error_model="numpy", inline="always")
def take_in_turn(bal: FloatArray, p: int, rows: IntArray, amount: float) -> None:
    """Take an amount from path p's accounts in turn, in place (a Roth conversion)."""
    left = amount
    for j_i in range(rows.size):
        j = rows[j_i]
        take = min(left, bal[p, j])
        bal[p, j] -= take
        left = left - take
