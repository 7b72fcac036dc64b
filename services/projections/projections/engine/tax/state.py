"""A flat state income tax (DESIGN §6.4): `tax.state_rate` × (AGI − Social Security in AGI).

`state_one` is the compiled rule of one path; `state_tax` runs it on arrays.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@numba.njit(cache=True, error_model="numpy", inline="always")
def state_one(rate: float, agi: float, taxable_social_security: float) -> float:
    """Return the state tax: most states exempt Social Security, so it leaves the base."""
    return rate * max(agi - taxable_social_security, 0.0)


@numba.njit(cache=True, error_model="numpy")
def _state_paths(rate: float, agi: FloatArray, taxable_ss: FloatArray) -> FloatArray:
    out = np.empty(agi.size)
    for p in range(agi.size):
        out[p] = state_one(rate, agi[p], taxable_ss[p])
    return out


def state_tax(rate: float, agi: FloatArray, taxable_social_security: FloatArray) -> FloatArray:
    """Return each path's state tax (state_one on arrays)."""
    a, b = np.broadcast_arrays(np.asarray(agi, dtype=np.float64), taxable_social_security)
    flat = _state_paths(rate, a.ravel(), np.asarray(b, dtype=np.float64).ravel())
    out: FloatArray = flat.reshape(a.shape)
    return out
