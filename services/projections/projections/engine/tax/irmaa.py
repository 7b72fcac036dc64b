"""Medicare IRMAA surcharges for every path (DESIGN §6.4).

Each enrollee (a person 65+) pays, on top of the standard Part B premium and their Part D
plan premium, a monthly surcharge set by the household's modified AGI of two years before:
tier k when that MAGI is above the k-th threshold of the filing status, the top tier *at or
above* its threshold. A cliff: one dollar over a threshold costs the whole tier step for the
year. Thresholds and surcharges are the law year's, indexed by the path's inflation (the law
indexes the thresholds by CPI-U; the surcharges follow Medicare costs, which the engine
approximates by the same index). MAGI here is AGI (no tax-exempt interest in the model).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .federal import Status
from .law import JOINT, IrmaaYear

FloatArray = npt.NDArray[np.float64]


# Joint thresholds are searched in one sorted array with single's, shifted past any income.
_JOINT_SHIFT = 1e12


def irmaa_tier(
    table: IrmaaYear, status: Status, magi: FloatArray, index: FloatArray
) -> npt.NDArray[np.intp]:
    """Return each path's IRMAA tier (0 = no surcharge .. 5)."""
    real = magi / index
    lower = table.thresholds[:, :-1]  # tiers 1-4 start above these
    if np.ndim(status) == 0:
        s = int(status)
        above = np.searchsorted(lower[s], real, side="left")
        top = table.thresholds[s, -1]
    else:
        joint = np.asarray(status) == JOINT
        keys = lower.copy()
        keys[1] += _JOINT_SHIFT
        shifted = np.where(joint, real + _JOINT_SHIFT, real)
        above = np.searchsorted(keys.ravel(), shifted, side="left") - joint * lower.shape[1]
        top = np.where(joint, table.thresholds[1, -1], table.thresholds[0, -1])
    at_top = real >= top if table.top_inclusive else real > top
    tier: npt.NDArray[np.intp] = above + at_top
    return tier


def irmaa_surcharge(
    table: IrmaaYear,
    status: Status,
    index: FloatArray,
    *,
    magi_two_years_before: FloatArray,
    enrollees: FloatArray,
) -> FloatArray:
    """Return each path's yearly IRMAA: 12 × the tier's Part B + Part D surcharge × enrollees."""
    tier = irmaa_tier(table, status, magi_two_years_before, index)
    return 12.0 * table.monthly[tier] * enrollees * index
