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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .law import JOINT, YearLaw

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Status = IntArray | int
Ages = npt.NDArray[np.int64] | npt.NDArray[np.float64] | int


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


def by_status(pair: FloatArray, status: Status) -> FloatArray:
    """Return a per-status parameter (first axis of length 2) for each path."""
    if np.ndim(status) == 0:
        picked: FloatArray = pair[int(status)]
        return picked
    chosen: FloatArray = np.where(np.asarray(status) == JOINT, pair[1], pair[0])
    return chosen


# Joint brackets are looked up in one sorted array with single's, shifted past any income.
_JOINT_SHIFT = 1e12


def ordinary_tax(law: YearLaw, status: Status, income: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the bracket tax on taxable income in law-year dollars, and its bracket rate."""
    lower, base, rates = law.ordinary_lower, law.ordinary_base, law.ordinary_rates
    if np.ndim(status) == 0:
        s = int(status)
        k = np.searchsorted(lower[s], income, side="right") - 1
        return base[s][k] + rates[k] * (income - lower[s][k]), rates[k]
    # One search for both statuses: joint paths look up income + shift among joint bottoms
    # + shift (exact to far below a cent for any income under a billion).
    keys = lower.copy()
    keys[1] += _JOINT_SHIFT
    shifted = np.where(np.asarray(status) == JOINT, income + _JOINT_SHIFT, income)
    k = np.searchsorted(keys.ravel(), shifted, side="right") - 1
    flat_rates = np.tile(rates, 2)
    tax = base.ravel()[k] + flat_rates[k] * (income - lower.ravel()[k])
    return tax, flat_rates[k]


def taxable_social_security(
    law: YearLaw, status: Status, other_income: FloatArray, benefits: FloatArray
) -> FloatArray:
    """Return the taxable part of Social Security benefits (Pub. 915 worksheet).

    Provisional income is the other income in AGI plus half the benefits; up to 50% of the
    benefits are taxable above the first threshold, up to 85% above the second. The
    thresholds are statutory and not indexed.
    """
    provisional = other_income + 0.5 * benefits
    t1 = by_status(law.ss_thresholds[:, 0], status)
    t2 = by_status(law.ss_thresholds[:, 1], status)
    f1, f2 = float(law.ss_fractions[0]), float(law.ss_fractions[1])
    first = f1 * np.minimum(np.maximum(provisional - t1, 0.0), benefits)
    second = np.minimum(f2 * (provisional - t2) + f1 * np.minimum(benefits, t2 - t1), f2 * benefits)
    return np.where(provisional < t2, first, second)


def tentative_minimum_tax(
    law: YearLaw, status: Status, amti: FloatArray, plain: FloatArray, preferred: FloatArray
) -> FloatArray:
    """Return the tentative minimum tax (Form 6251) in law-year dollars.

    For a household on the standard deduction, AMT income is AGI. The exemption shrinks above
    its phase-out start; the rest is taxed at the AMT rates, except qualified dividends and
    gains, which keep their 0/15/20% rates stacked on the regular ordinary income (Part III).
    """
    start = by_status(law.amt_phaseout_start, status)
    shrink = law.amt_phaseout_rate * np.maximum(amti - start, 0.0)
    exemption = np.maximum(by_status(law.amt_exemption, status) - shrink, 0.0)
    base = np.maximum(amti - exemption, 0.0)  # line 6
    bracket = by_status(law.amt_bracket, status)
    rate, addon = float(law.amt_rates[0]), float(law.amt_rates[1])

    def at_amt_rates(x: FloatArray) -> FloatArray:
        return rate * x + addon * np.maximum(x - bracket, 0.0)

    everything = at_amt_rates(base)  # line 39
    in_gains = np.minimum(base, preferred)  # lines 16 and 22
    room0 = np.maximum(by_status(law.amt_gains_tops[:, 0], status) - plain, 0.0)  # line 21
    at0 = np.minimum(room0, in_gains)  # line 23
    top15 = by_status(law.amt_gains_tops[:, 1], status)
    at15 = np.minimum(in_gains - at0, np.maximum(top15 - room0 - plain, 0.0))  # line 30
    at20 = in_gains - at0 - at15  # line 33
    g0, g15, g20 = (float(r) for r in law.amt_gains_rates)
    split = at_amt_rates(base - in_gains) + g0 * at0 + g15 * at15 + g20 * at20  # line 38
    return np.where(preferred > 0.0, np.minimum(everything, split), everything)


def people_65(status: Status, age_head: Ages, age_spouse: Ages) -> FloatArray:
    """Return the number of people 65+ on the return (the spouse counts on joint returns)."""
    head = np.asarray(age_head) >= 65
    spouse = (np.asarray(status) == JOINT) & (np.asarray(age_spouse) >= 65)
    count: FloatArray = head.astype(np.float64) + spouse
    return count


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
    gains = np.maximum(capital_gains, -by_status(law.capital_loss_limit, status))
    other = wages + interest + ordinary + qualified_dividends + gains
    taxable_ss = taxable_social_security(law, status, other, social_security)
    agi = other + taxable_ss

    seniors = people_65(status, age_head, age_spouse)
    deduction = index * (by_status(law.standard, status) + by_status(law.aged, status) * seniors)
    if law.senior_amount > 0.0:
        excess = np.maximum(agi - by_status(law.senior_start, status), 0.0)
        each = np.maximum(law.senior_amount - law.senior_rate * excess, 0.0)
        deduction = deduction + seniors * each
    taxable = np.maximum(agi - deduction, 0.0)

    # Everything below is in law-year dollars (see the module docstring), scaled back at the end.
    scale = 1.0 / index
    ti = taxable * scale
    preferred_all = (qualified_dividends + np.maximum(capital_gains, 0.0)) * scale
    preferred = np.minimum(preferred_all, ti)
    plain = ti - preferred  # the ordinary part, taxed first
    regular_plain, rate = ordinary_tax(law, status, plain)
    any_preferred = bool((preferred > 0.0).any())
    regular_all = ordinary_tax(law, status, ti)[0] if any_preferred else regular_plain
    # Qualified dividends and capital gains tax worksheet: the preferred income sits on top
    # of the ordinary part; the 0% band runs to the first gains top, 15% to the second.
    top0 = by_status(law.gains_tops[:, 0], status)
    top15 = by_status(law.gains_tops[:, 1], status)
    at0 = np.minimum(top0, ti) - np.minimum(plain, top0)
    at0 = np.maximum(at0, 0.0)
    at15 = np.minimum(
        np.maximum(preferred - at0, 0.0), np.maximum(np.minimum(top15, ti) - plain - at0, 0.0)
    )
    at20 = preferred - at0 - at15
    r0, r15, r20 = (float(r) for r in law.gains_rates)
    worksheet = regular_plain + r0 * at0 + r15 * at15 + r20 * at20
    # Line 45: the smaller of the worksheet and the regular tax on all of taxable income
    # (the worksheet is larger only in the sliver where 15% exceeds a 12% bracket).
    income_tax = np.where(preferred > 0.0, np.minimum(worksheet, regular_all), regular_all)
    # The AMT can bind only where the exemption phases out (a test sweeps the rest), so most
    # years skip it.
    amti = agi * scale
    high = np.flatnonzero(amti > by_status(law.amt_phaseout_start, status))
    amt = np.zeros_like(agi)
    if high.size:
        # Only those paths: in a projection a few rich paths would otherwise cost every path.
        sub_status = status if np.ndim(status) == 0 else np.asarray(status)[high]
        tentative = tentative_minimum_tax(
            law, sub_status, amti[high], plain[high], preferred_all[high]
        )
        scale_high = np.broadcast_to(index, agi.shape)[high]
        amt[high] = np.maximum(tentative - income_tax[high], 0.0) * scale_high
    income_tax = income_tax * index
    plain_tax = np.minimum(regular_plain * index, income_tax)

    investment = np.maximum(interest + qualified_dividends + gains, 0.0)
    over = np.maximum(agi - by_status(law.niit_threshold, status), 0.0)
    niit = law.niit_rate * np.minimum(investment, over)
    return FederalTax(
        agi=agi,
        taxable_social_security=taxable_ss,
        deduction=deduction,
        taxable_income=taxable,
        ordinary_tax=plain_tax,
        gains_tax=income_tax - plain_tax,
        amt=amt,
        niit=niit,
        marginal_rate=rate,
    )
