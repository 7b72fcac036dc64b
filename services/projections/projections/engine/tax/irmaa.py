"""Medicare IRMAA surcharges for every path (DESIGN §6.4).

Each enrollee (a person 65+) pays, on top of the standard Part B premium and their Part D
plan premium, a monthly surcharge set by the household's modified AGI of two years before:
tier k when that MAGI is above the k-th threshold of the filing status, the top tier *at or
above* its threshold. A cliff: one dollar over a threshold costs the whole tier step for the
year. Thresholds and surcharges are the law year's, indexed by the path's inflation (the law
indexes the thresholds by CPI-U; the surcharges follow Medicare costs, which the engine
approximates by the same index). MAGI here is AGI (no tax-exempt interest in the model).
`irmaa_one` is the compiled rule of one path; `irmaa_surcharge` runs it on arrays.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from .federal import Status
from .law import IRMAA_INCLUSIVE, IRMAA_MONTHLY, IRMAA_THRESHOLDS, IrmaaYear

FloatArray = npt.NDArray[np.float64]


@numba.njit(cache=True, error_model="numpy", inline="always")
def irmaa_tier(table: FloatArray, s: int, magi: float, index: float) -> int:
    """Return a path's IRMAA tier (0 = no surcharge .. 5); `table` is IrmaaYear.vector."""
    real = magi / index
    row = IRMAA_THRESHOLDS + 5 * s
    tier = 0
    while tier < 4 and table[row + tier] < real:  # tiers 1-4 start above their threshold
        tier += 1
    top = table[row + 4]
    if (real >= top) if table[IRMAA_INCLUSIVE] > 0.0 else (real > top):
        tier += 1
    return tier


@numba.njit(cache=True, error_model="numpy", inline="always")
def irmaa_one(table: FloatArray, s: int, index: float, magi: float, enrollees: float) -> float:
    """Return a path's yearly IRMAA: 12 × the tier's Part B + Part D surcharge × enrollees."""
    monthly = float(table[IRMAA_MONTHLY + irmaa_tier(table, s, magi, index)])
    return 12.0 * monthly * enrollees * index


@numba.njit(cache=True, error_model="numpy")
def _irmaa_paths(
    table: FloatArray, status: npt.NDArray[np.int64], columns: FloatArray
) -> FloatArray:
    out = np.empty(status.size)
    for p in range(status.size):
        out[p] = irmaa_one(table, status[p], columns[0, p], columns[1, p], columns[2, p])
    return out


def irmaa_surcharge(
    table: IrmaaYear,
    status: Status,
    index: FloatArray,
    *,
    magi_two_years_before: FloatArray,
    enrollees: FloatArray,
) -> FloatArray:
    """Return each path's yearly IRMAA: 12 × the tier's Part B + Part D surcharge × enrollees."""
    values = np.broadcast_arrays(status, index, magi_two_years_before, enrollees)
    codes = np.ascontiguousarray(values[0].ravel(), dtype=np.int64)
    columns = np.stack([np.asarray(v, dtype=np.float64).ravel() for v in values[1:]])
    out: FloatArray = _irmaa_paths(table.vector, codes, columns).reshape(values[0].shape)
    return out
