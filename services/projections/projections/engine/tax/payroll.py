"""Employee payroll tax on wages for every path (DESIGN §6.4): OASDI, Medicare, additional Medicare.

Payroll wages are Medicare wages: before pre-tax 401(k) deferrals, which lower income-tax wages
only. OASDI applies to each person's wages up to the wage base (indexed by the path's
inflation after the law year; the law indexes it by average wages); Medicare to all wages;
the additional Medicare tax to the household's wages above its threshold (statutory, not
indexed). Only the employee's share is the household's cost; the employer's share (equal
rates) is not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .federal import Status, by_status
from .law import YearLaw

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


def payroll_tax(
    law: YearLaw,
    status: Status,
    index: FloatArray,
    *,
    wages_head: FloatArray,
    wages_spouse: FloatArray,
) -> PayrollTax:
    """Return each path's employee payroll tax on the two people's Medicare wages."""
    base = law.ss_wage_base * index
    social = law.ss_payroll_rate * (np.minimum(wages_head, base) + np.minimum(wages_spouse, base))
    wages = wages_head + wages_spouse
    medicare = law.medicare_rate * wages
    over = np.maximum(wages - by_status(law.additional_medicare_threshold, status), 0.0)
    return PayrollTax(
        social_security=social,
        medicare=medicare,
        additional_medicare=law.additional_medicare_rate * over,
    )
