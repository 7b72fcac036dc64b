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


_state_paths = numba.vectorize(cache=True)(state_one.py_func)


def state_tax(rate: float, agi: FloatArray, taxable_social_security: FloatArray) -> FloatArray:
    """Return each path's state tax (state_one on arrays)."""
    out: FloatArray = _state_paths(rate, agi, taxable_social_security)
    return out
