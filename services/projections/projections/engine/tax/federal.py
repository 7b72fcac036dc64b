"""Federal individual income tax of one year for every path at once (DESIGN §6.4).

Form 1040 as Tax-Calculator computes it for a household without dependents that takes the
standard deduction: taxable Social Security by the provisional-income worksheet, AGI, the
standard deduction with its 65+ additions and the senior deduction, ordinary brackets, the
qualified dividends and capital gains worksheet (0/15/20% stacked on ordinary income), and the
net investment income tax, and the alternative minimum tax (which binds on large gains in
the exemption's phase-out). Inputs are (paths,) float64 arrays in the year's currency.

Indexing: every indexed amount (brackets, deductions, gains brackets) is the law year's times
the path's `index`. Because all of them scale together, the regular tax is homogeneous in
them: tax(income, thresholds × i) = i × tax(income / i, thresholds). The bracket arithmetic
runs in law-year dollars and is scaled back, which costs one division and one product.
Unindexed amounts (Social Security and NIIT thresholds, the senior deduction) stay nominal.

Each rule is a numba-compiled function of one path's scalars (`federal_one` and its parts),
called as is by the compiled `us` year (us_year.py); `federal_tax` runs it over arrays of
paths for everything else (the tests against Tax-Calculator, the bench). One copy of the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from .law import (
    AGED,
    AMT_BRACKET,
    AMT_EXEMPTION,
    AMT_GAINS_RATES,
    AMT_GAINS_TOPS,
    AMT_PHASEOUT_RATE,
    AMT_RATES,
    AMT_START,
    BASE,
    BRACKETS,
    GAINS_RATES,
    GAINS_TOPS,
    JOINT,
    LOSS_LIMIT,
    LOWER,
    NIIT_RATE,
    NIIT_THRESHOLD,
    RATES,
    SENIOR_AMOUNT,
    SENIOR_RATE,
    SENIOR_START,
    SS_FRACTIONS,
    SS_THRESHOLDS,
    STANDARD,
    YearLaw,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Status = IntArray | int
Ages = npt.NDArray[np.int64] | npt.NDArray[np.float64] | int
PARTS = 9  # federal_one's results, in FederalTax's field order


@dataclass(frozen=True)
class FederalTax:
    """Hold one year's federal income tax and its parts, each a (paths,) array."""

    agi: FloatArray
    taxable_social_security: FloatArray
    deduction: FloatArray  # standard (with 65+ additions) + senior deduction
    taxable_income: FloatArray
    ordinary_tax: FloatArray  # regular tax on the ordinary part of taxable income
    gains_tax: FloatArray  # the rest of the regular tax: qualified dividends and LTCG
    amt: FloatArray  # alternative minimum tax: the tentative minimum tax above the regular tax
    niit: FloatArray
    marginal_rate: FloatArray  # the bracket rate of the ordinary part of taxable income

    @property
    def income_tax(self) -> FloatArray:
        """Return the regular income tax (Form 1040 line 16)."""
        return self.ordinary_tax + self.gains_tax

    @property
    def total(self) -> FloatArray:
        """Return the federal income tax the household pays: regular tax, AMT and NIIT."""
        return self.ordinary_tax + self.gains_tax + self.amt + self.niit


@numba.njit(cache=True, error_model="numpy", inline="always")
def ordinary_tax(law: FloatArray, s: int, income: float) -> tuple[float, float]:
    """Return the bracket tax on taxable income in law-year dollars, and its bracket rate."""
    k = 0
    while k < BRACKETS - 1 and income >= law[LOWER + s * BRACKETS + k + 1]:
        k += 1
    lower = law[LOWER + s * BRACKETS + k]
    rate = law[RATES + k]
    return law[BASE + s * BRACKETS + k] + rate * (income - lower), rate


@numba.njit(cache=True, error_model="numpy", inline="always")
def taxable_social_security(law: FloatArray, s: int, other_income: float, benefits: float) -> float:
    """Return the taxable part of Social Security benefits (Pub. 915 worksheet).

    Provisional income is the other income in AGI plus half the benefits; up to 50% of the
    benefits are taxable above the first threshold, up to 85% above the second. The
    thresholds are statutory and not indexed.
    """
    provisional = other_income + 0.5 * benefits
    t1, t2 = float(law[SS_THRESHOLDS + 2 * s]), float(law[SS_THRESHOLDS + 2 * s + 1])
    f1, f2 = float(law[SS_FRACTIONS]), float(law[SS_FRACTIONS + 1])
    if provisional < t2:
        return f1 * min(max(provisional - t1, 0.0), benefits)
    return min(f2 * (provisional - t2) + f1 * min(benefits, t2 - t1), f2 * benefits)


@numba.njit(cache=True, error_model="numpy", inline="always")
def tentative_minimum_tax(
    law: FloatArray, s: int, amti: float, plain: float, preferred: float
) -> float:
    """Return the tentative minimum tax (Form 6251) in law-year dollars.

    For a household on the standard deduction, AMT income is AGI. The exemption shrinks above
    its phase-out start; the rest is taxed at the AMT rates, except qualified dividends and
    gains, which keep their 0/15/20% rates stacked on the regular ordinary income (Part III).
    """
    shrink = float(law[AMT_PHASEOUT_RATE]) * max(amti - float(law[AMT_START + s]), 0.0)
    exemption = max(float(law[AMT_EXEMPTION + s]) - shrink, 0.0)
    base = max(amti - exemption, 0.0)  # line 6
    bracket = float(law[AMT_BRACKET + s])
    rate, addon = float(law[AMT_RATES]), float(law[AMT_RATES + 1])
    everything = rate * base + addon * max(base - bracket, 0.0)  # line 39
    if not preferred > 0.0:
        return everything
    in_gains = min(base, preferred)  # lines 16 and 22
    room0 = max(law[AMT_GAINS_TOPS + 2 * s] - plain, 0.0)  # line 21
    at0 = min(room0, in_gains)  # line 23
    top15 = law[AMT_GAINS_TOPS + 2 * s + 1]
    at15 = min(in_gains - at0, max(top15 - room0 - plain, 0.0))  # line 30
    at20 = in_gains - at0 - at15  # line 33
    rest = base - in_gains
    g0, g15 = float(law[AMT_GAINS_RATES]), float(law[AMT_GAINS_RATES + 1])
    g20 = float(law[AMT_GAINS_RATES + 2])
    split = (
        rate * rest + addon * max(rest - bracket, 0.0) + g0 * at0 + g15 * at15 + g20 * at20
    )  # line 38
    return float(min(everything, split))


@numba.njit(cache=True, error_model="numpy", inline="always")
def people_65(s: int, age_head: float, age_spouse: float) -> float:
    """Return the number of people 65+ on the return (the spouse counts on joint returns)."""
    head = 1.0 if age_head >= 65 else 0.0
    return head + (1.0 if s == JOINT and age_spouse >= 65 else 0.0)


@numba.njit(cache=True, error_model="numpy", inline="always")
def federal_one(
    law: FloatArray,
    s: int,
    index: float,
    age_head: float,
    age_spouse: float,
    wages: float,
    interest: float,
    ordinary: float,
    qualified_dividends: float,
    capital_gains: float,
    social_security: float,
) -> tuple[float, float, float, float, float, float, float, float, float]:
    """Return one path's federal tax parts, in FederalTax's field order (see federal_tax)."""
    gains = max(capital_gains, -law[LOSS_LIMIT + s])
    other = wages + interest + ordinary + qualified_dividends + gains
    taxable_ss = taxable_social_security(law, s, other, social_security)
    agi = other + taxable_ss

    seniors = people_65(s, age_head, age_spouse)
    deduction = index * (law[STANDARD + s] + law[AGED + s] * seniors)
    if law[SENIOR_AMOUNT] > 0.0:
        excess = max(agi - law[SENIOR_START + s], 0.0)
        each = max(law[SENIOR_AMOUNT] - law[SENIOR_RATE] * excess, 0.0)
        deduction = deduction + seniors * each
    taxable = max(agi - deduction, 0.0)

    # Everything below is in law-year dollars (see the module docstring), scaled back at the end.
    scale = 1.0 / index
    ti = taxable * scale
    preferred_all = (qualified_dividends + max(capital_gains, 0.0)) * scale
    preferred = min(preferred_all, ti)
    plain = ti - preferred  # the ordinary part, taxed first
    regular_plain, rate = ordinary_tax(law, s, plain)
    income_tax = regular_plain
    if preferred > 0.0:
        # Qualified dividends and capital gains tax worksheet: the preferred income sits on
        # top of the ordinary part; the 0% band runs to the first gains top, 15% to the second.
        top0, top15 = law[GAINS_TOPS + 2 * s], law[GAINS_TOPS + 2 * s + 1]
        at0 = max(min(top0, ti) - min(plain, top0), 0.0)
        at15 = min(max(preferred - at0, 0.0), max(min(top15, ti) - plain - at0, 0.0))
        at20 = preferred - at0 - at15
        worksheet = (
            regular_plain
            + law[GAINS_RATES] * at0
            + law[GAINS_RATES + 1] * at15
            + law[GAINS_RATES + 2] * at20
        )
        # Line 45: the smaller of the worksheet and the regular tax on all of taxable income
        # (the worksheet is larger only in the sliver where 15% exceeds a 12% bracket).
        income_tax = min(worksheet, ordinary_tax(law, s, ti)[0])
    # The AMT can bind only where the exemption phases out (a test sweeps the rest).
    amti = agi * scale
    amt = 0.0
    if amti > law[AMT_START + s]:
        tentative = tentative_minimum_tax(law, s, amti, plain, preferred_all)
        amt = max(tentative - income_tax, 0.0) * index
    income_tax = income_tax * index
    plain_tax = min(regular_plain * index, income_tax)

    investment = max(interest + qualified_dividends + gains, 0.0)
    over = max(agi - law[NIIT_THRESHOLD + s], 0.0)
    niit = law[NIIT_RATE] * min(investment, over)
    return (
        agi,
        taxable_ss,
        deduction,
        taxable,
        plain_tax,
        income_tax - plain_tax,
        amt,
        niit,
        rate,
    )


@numba.njit(cache=True, error_model="numpy")
def _federal_paths(law: FloatArray, status: IntArray, columns: FloatArray) -> FloatArray:
    """Run federal_one on every path: `columns` holds index, ages and incomes, a row each."""
    n = status.size
    out = np.empty((PARTS, n))
    for p in range(n):
        c = columns[:, p]
        parts = federal_one(law, status[p], c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8])
        for k in range(PARTS):
            out[k, p] = parts[k]
    return out


def federal_tax(
    law: YearLaw,
    status: Status,
    index: FloatArray,
    *,
    age_head: Ages,
    age_spouse: Ages,
    wages: FloatArray,
    interest: FloatArray,
    ordinary: FloatArray,
    qualified_dividends: FloatArray,
    capital_gains: FloatArray,
    social_security: FloatArray,
) -> FederalTax:
    """Return the year's federal income tax on every path.

    `status` is 0 (single) or 1 (married filing jointly) per path; `index` the path's
    cumulative inflation since the law year. `age_head` is the filer's age (the survivor's
    after a death), `age_spouse` counts only on joint returns. Incomes: `wages` taxable wages
    (after pre-tax deferrals), `interest` interest and non-qualified dividends (ordinary and
    investment income), `ordinary` other ordinary income that is not investment income
    (pensions, annuities, IRA and 401(k) distributions, Roth conversions),
    `qualified_dividends`, `capital_gains` net long-term gains (a net loss offsets ordinary
    income up to the law's limit, without carry-forward), `social_security` gross benefits.
    """
    values = np.broadcast_arrays(
        status,
        index,
        age_head,
        age_spouse,
        wages,
        interest,
        ordinary,
        qualified_dividends,
        capital_gains,
        social_security,
    )
    shape = values[0].shape
    codes = np.ascontiguousarray(values[0].ravel(), dtype=np.int64)
    columns = np.stack([np.asarray(v, dtype=np.float64).ravel() for v in values[1:]])
    parts = _federal_paths(law.vector, codes, columns)
    return FederalTax(*(part.reshape(shape) for part in parts))
