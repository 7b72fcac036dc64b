"""A flat state income tax (DESIGN §6.4): `tax.state_rate` × (AGI − Social Security in AGI)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def state_tax(rate: float, agi: FloatArray, taxable_social_security: FloatArray) -> FloatArray:
    """Return the state tax: most states exempt Social Security, so it leaves the base."""
    return rate * np.maximum(agi - taxable_social_security, 0.0)
