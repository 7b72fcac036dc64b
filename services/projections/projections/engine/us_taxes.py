"""One year's US taxes on every path as a function of the year's draw (DESIGN §6.4).

`YearBase` holds the incomes known before the draw (wages after deferrals, Social Security,
pensions and other ordinary income, RMDs, Roth conversions, dividends, interest, a home sale's
gain) and the taxes that do not depend on the draw (payroll, IRMAA). The draw adds ordinary
income (tax_deferred) and realised gains (taxable); `variable` returns the federal and state
tax with them. The gross-up (tax/grossup.py) and the bracket room solve on these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from .tax.federal import Ages, FederalTax, by_status, federal_tax, taxable_social_security
from .tax.grossup import solve_grossup
from .tax.law import YearLaw
from .tax.state import state_tax

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class YearBase:
    """Hold one year's incomes before the draw and the taxes the draw does not change."""

    law: YearLaw
    status: IntArray | int  # an int when every path files alike (faster bracket lookups)
    index: FloatArray
    age_head: Ages  # an int when every path shares it
    age_spouse: Ages
    wages: FloatArray  # taxable wages: after pre-tax deferrals
    interest: FloatArray
    ordinary: FloatArray  # pensions, annuities, rental, other, RMDs, conversions
    dividends: FloatArray  # qualified
    gains: FloatArray  # long-term (a home sale's, beyond §121)
    social_security: FloatArray
    state_rate: float

    def subset(self, rows: npt.NDArray[np.intp]) -> YearBase:
        """Return the same year on a subset of the paths."""

        def pick(value: Ages) -> Ages:
            if isinstance(value, int):
                return value
            picked: FloatArray = np.asarray(value, dtype=np.float64)[rows]
            return picked

        status = self.status if isinstance(self.status, int) else self.status[rows]
        return replace(
            self,
            status=status,
            index=self.index[rows],
            age_head=pick(self.age_head),
            age_spouse=pick(self.age_spouse),
            wages=self.wages[rows],
            interest=self.interest[rows],
            ordinary=self.ordinary[rows],
            dividends=self.dividends[rows],
            gains=self.gains[rows],
            social_security=self.social_security[rows],
        )

    def federal(
        self, ordinary: FloatArray | float = 0.0, gains: FloatArray | float = 0.0
    ) -> FederalTax:
        """Return the federal income tax with a draw's extra ordinary income and gains."""
        return federal_tax(
            self.law,
            self.status,
            self.index,
            age_head=self.age_head,
            age_spouse=self.age_spouse,
            wages=self.wages,
            interest=self.interest,
            ordinary=self.ordinary + ordinary,
            qualified_dividends=self.dividends,
            capital_gains=self.gains + gains,
            social_security=self.social_security,
        )

    def variable(
        self, ordinary: FloatArray | float = 0.0, gains: FloatArray | float = 0.0
    ) -> FloatArray:
        """Return the federal plus state tax with a draw's extra income."""
        fed = self.federal(ordinary, gains)
        total: FloatArray = fed.total + state_tax(
            self.state_rate, fed.agi, fed.taxable_social_security
        )
        return total

    def agi(
        self, ordinary: FloatArray | float = 0.0, gains: FloatArray | float = 0.0
    ) -> tuple[FloatArray, FloatArray]:
        """Return AGI and taxable Social Security with a draw's extra income (no brackets)."""
        loss_limit = by_status(self.law.capital_loss_limit, self.status)
        net_gains = np.maximum(self.gains + gains, -loss_limit)
        other = self.wages + self.interest + self.ordinary + ordinary + self.dividends + net_gains
        taxable_ss = taxable_social_security(self.law, self.status, other, self.social_security)
        agi: FloatArray = other + taxable_ss
        return agi, taxable_ss

    def ordinary_taxable(self, ordinary: FloatArray | float = 0.0) -> FloatArray:
        """Return the ordinary part of taxable income (what the brackets apply to)."""
        fed = self.federal(ordinary)
        preferred = self.dividends + np.maximum(self.gains, 0.0)
        plain: FloatArray = fed.taxable_income - np.minimum(preferred, fed.taxable_income)
        return plain

    def bracket_top(self, bracket: int) -> FloatArray:
        """Return the top of an ordinary bracket in the year's money (inf for the last)."""
        lower = self.law.ordinary_lower
        if bracket + 1 >= lower.shape[1]:
            return np.full_like(self.index, np.inf)
        top: FloatArray = by_status(lower[:, bracket + 1], self.status) * self.index
        return top


def bracket_room(base: YearBase, bracket: int, cap: FloatArray) -> FloatArray:
    """Return the extra ordinary income (at most `cap`) that fills a bracket to its top.

    Ordinary taxable income rises at least dollar for dollar with ordinary income once the
    deduction is used (more where it makes Social Security taxable), and is flat before: a
    continuous, non-decreasing, piecewise-linear function, solved like the gross-up.
    """
    top = base.bracket_top(bracket)
    room = np.zeros_like(cap)
    finite = np.isfinite(top)
    room[~finite] = cap[~finite]
    rows = np.flatnonzero(finite & (cap > 0.0))
    if rows.size == 0:
        return room
    sub = base.subset(rows)
    now = sub.ordinary_taxable()
    gap = top[rows] - now

    def not_ordinary(extra: FloatArray) -> FloatArray:
        # solve_grossup solves x − (g(x) − g(0)) = need; with g = x − plain(x) that is
        # plain(x) − plain(0) = need.
        result: FloatArray = extra - sub.ordinary_taxable(extra)
        return result

    positive = gap > 0.0
    solved = solve_grossup(np.where(positive, gap, 0.0), not_ordinary, cap=cap[rows])
    room[rows] = np.where(positive, np.minimum(solved.draw, cap[rows]), 0.0)
    return room
