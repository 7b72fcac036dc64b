"""Employee payroll tax on wages for every path (DESIGN §6.4): OASDI, Medicare, additional Medicare.

Payroll wages are Medicare wages: before pre-tax 401(k) deferrals, which lower income-tax wages
only. OASDI applies to each person's wages up to the wage base (indexed by the path's
inflation after the law year; the law indexes it by average wages); Medicare to all wages;
the additional Medicare tax to the household's wages above its threshold (statutory, not
indexed). Only the employee's share is the household's cost; the employer's share (equal
rates) is not. `payroll_one` is the compiled rule of one path; `payroll_tax` runs it on arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from .federal import Status
from .law import (
    ADDITIONAL_MEDICARE_RATE,
    ADDITIONAL_MEDICARE_THRESHOLD,
    MEDICARE_RATE,
    SS_PAYROLL_RATE,
    SS_WAGE_BASE,
    YearLaw,
)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PayrollTax:
    """Hold one year's employee payroll taxes, each a (paths,) array."""

    social_security: FloatArray
    medicare: FloatArray
    additional_medicare: FloatArray

    @property
    def total(self) -> FloatArray:
        """Return the household's payroll tax."""
        return self.social_security + self.medicare + self.additional_medicare


@numba.njit(cache=True, error_model="numpy", inline="always")
def payroll_one(
    law: FloatArray, s: int, index: float, wages_head: float, wages_spouse: float
) -> tuple[float, float, float]:
    """Return one path's OASDI, Medicare and additional Medicare tax (law: YearLaw.vector)."""
    base = law[SS_WAGE_BASE] * index
    social = law[SS_PAYROLL_RATE] * (min(wages_head, base) + min(wages_spouse, base))
    wages = wages_head + wages_spouse
    medicare = law[MEDICARE_RATE] * wages
    over = max(wages - law[ADDITIONAL_MEDICARE_THRESHOLD + s], 0.0)
    return social, medicare, law[ADDITIONAL_MEDICARE_RATE] * over


@numba.njit(cache=True, error_model="numpy")
def _payroll_paths(
    law: FloatArray, status: npt.NDArray[np.int64], columns: FloatArray
) -> FloatArray:
    out = np.empty((3, status.size))
    for p in range(status.size):
        out[0, p], out[1, p], out[2, p] = payroll_one(
            law, status[p], columns[0, p], columns[1, p], columns[2, p]
        )
    return out


def payroll_tax(
    law: YearLaw,
    status: Status,
    index: FloatArray,
    *,
    wages_head: FloatArray,
    wages_spouse: FloatArray,
) -> PayrollTax:
    """Return each path's employee payroll tax on the two people's Medicare wages."""
    values = np.broadcast_arrays(status, index, wages_head, wages_spouse)
    shape = values[0].shape
    codes = np.ascontiguousarray(values[0].ravel(), dtype=np.int64)
    columns = np.stack([np.asarray(v, dtype=np.float64).ravel() for v in values[1:]])
    social, medicare, additional = _payroll_paths(law.vector, codes, columns)
    return PayrollTax(social.reshape(shape), medicare.reshape(shape), additional.reshape(shape))
