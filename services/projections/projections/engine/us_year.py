"""One year of the `us` kernel on every path, compiled (numba): the year before its draw.

us_kernel.py runs the year loop; each year it calls `before_draw` (the year's incomes, the
taxable accounts' investment income, RMDs, contributions, the Roth conversion that fills its
bracket, payroll tax, IRMAA and the taxes at a zero draw), then us_draw.py's `draw` (the
spending policy, the draw grossed up for its taxes, the outcome and the year's returns).
Both are loops over paths calling the one-path rules (tax/*.py, us_taxes.py,
withdrawals.py, spending_rules.py); docs/ENGINE.md "Compiled us kernel" says why.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from .kernel import (
    ANYONE,
    DISCRETIONARY_INDEXED,
    DISCRETIONARY_NOMINAL,
    EXPENSE_INDEXED,
    EXPENSE_NOMINAL,
    INCOME_INDEXED,
    INCOME_NOMINAL,
    OBLIGATIONS,
)
from .tax.irmaa import irmaa_one
from .tax.payroll import payroll_one
from .tax.state import state_one
from .us_inputs import (
    AGE_HEAD,
    AGE_SPOUSE,
    CASH,
    DEFER0,
    DEFER1,
    ENROLLEES,
    JOINT,
    ORDINARY_IDX,
    ORDINARY_NOM,
    SOCIAL_SECURITY,
    TAXABLE,
    WAGE0_IDX,
    WAGE0_NOM,
    WAGE1_IDX,
    WAGE1_NOM,
)
from .us_taxes import (
    AGE_HEAD as B_AGE_HEAD,
)
from .us_taxes import (
    AGE_SPOUSE as B_AGE_SPOUSE,
)
from .us_taxes import (
    DIVIDENDS,
    GAINS,
    INDEX,
    INTEREST,
    ORDINARY,
    STATUS,
    WAGES,
    bracket_room_call,
    federal,
    total,
    variable_call,
)
from .us_taxes import SOCIAL_SECURITY as B_SOCIAL_SECURITY
from .withdrawals import take_in_turn

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Columns of before_draw's results, (paths, YEAR_ROWS); DIVIDENDS_OUT … IRMAA only when recording.
(
    INCOME,
    STATED,
    STATED_DISCRETIONARY,
    DUE,  # obligations: debt payments and contributions
    TAX0,
    FIXED,
    RMD,
    CONVERTED,
    BEFORE_CONVERSION,
    DIVIDENDS_OUT,
    INTEREST_OUT,
    CONTRIBUTED,
    PAYROLL,
    IRMAA,
    AGI0,
    TAXABLE_SS0,
    TAXABLE_INCOME0,
    FEDERAL0,
    SOMEONE,
) = range(19)
YEAR_ROWS = 19


@numba.njit(cache=True, error_model="numpy", inline="always")
def before_draw(
    p: int,
    flow: FloatArray,
    tx: FloatArray,
    rmd_factor: FloatArray,
    contributions: FloatArray,
    column: IntArray,
    per_column: bool,
    price: FloatArray,
    bal: FloatArray,
    basis: FloatArray,
    kinds: IntArray,
    dividend_w: FloatArray,
    bond_w: FloatArray,
    deferred: IntArray,
    law: FloatArray,
    irmaa: FloatArray,
    index0: float,
    state_rate: float,
    home_gains: FloatArray,
    magi_before: FloatArray,
    first_year: bool,
    conversion: tuple[bool, int, int],
    b: FloatArray,
    out: FloatArray,
    record: bool,
    returns: tuple[float, float],
) -> None:
    """Fill path p's `b` (us_taxes' base) and `out` (the rows above); move its money in place.

    `flow`, `tx`, `rmd_factor` and `contributions` are the year's tables by column (flows.py),
    `column` each path's column; `returns` the path's bond return and inflation of the
    year; `conversion` is (this row converts, its bracket, the tax_free account it goes
    to). `magi_before` is the AGI of two rows before (IRMAA). The rows only the detail
    reads are written when `record` (one path) is set.
    """
    convert, convert_top, target = conversion
    bond_t, infl_t = returns
    assets = kinds.size
    c = column[p]
    someone = flow[ANYONE, c] > 0.0 if per_column else True
    if not someone:
        # Nobody is alive (for good): nothing flows, no tax, no RMD; the path's results are
        # zeros (what the rules below give it) and its accounts are left to the draw's
        # returns. About half the bench couple's path-years.
        for k in range(out.shape[1]):
            out[p, k] = 0.0
        return
    pr = price[p]
    income = flow[INCOME_NOMINAL, c] + flow[INCOME_INDEXED, c] * pr
    index = index0 * pr
    wages0 = tx[WAGE0_NOM, c] + tx[WAGE0_IDX, c] * pr
    wages1 = tx[WAGE1_NOM, c] + tx[WAGE1_IDX, c] * pr
    # Pre-tax deferrals lower income-tax wages (never below zero), not payroll wages.
    deferred_pay = min(tx[DEFER0, c], wages0) + min(tx[DEFER1, c], wages1)

    # Taxable accounts' income of the year, on the start-of-year balance: the stock
    # share's dividend yield (qualified) and the bond share's return (interest; none
    # when negative); cash earns inflation as interest. Reinvested, it adds to the basis.
    dividends, interest, cash = 0.0, 0.0, 0.0
    for j in range(assets):
        if kinds[j] == TAXABLE:
            acc_dividends = bal[p, j] * dividend_w[j]
            acc_interest = bal[p, j] * bond_w[j] * max(bond_t, 0.0)
            if not someone:
                acc_dividends, acc_interest = 0.0, 0.0
            basis[p, j] += acc_dividends + acc_interest
            dividends += acc_dividends
            interest += acc_interest
        elif kinds[j] == CASH:
            cash += bal[p, j]
    interest += cash * max(infl_t, 0.0) if someone else 0.0

    # RMDs: last year-end's balance (before this year's contributions) ÷ the period.
    rmd = 0.0
    for j_i in range(deferred.size):
        j = deferred[j_i]
        due = bal[p, j] * rmd_factor[j, c]
        bal[p, j] -= due
        rmd += due
    contributed = 0.0
    if contributions.shape[0]:
        for j in range(assets):
            added = contributions[j, c]
            bal[p, j] += added
            if kinds[j] == TAXABLE:
                basis[p, j] += added
            contributed += added
    b[p, STATUS] = tx[JOINT, c]
    b[p, INDEX] = index
    b[p, B_AGE_HEAD] = tx[AGE_HEAD, c]
    b[p, B_AGE_SPOUSE] = tx[AGE_SPOUSE, c]
    b[p, WAGES] = wages0 + wages1 - deferred_pay
    b[p, INTEREST] = interest
    b[p, ORDINARY] = tx[ORDINARY_NOM, c] + tx[ORDINARY_IDX, c] * pr + rmd
    b[p, DIVIDENDS] = dividends
    b[p, GAINS] = home_gains[p]
    b[p, B_SOCIAL_SECURITY] = tx[SOCIAL_SECURITY, c] * pr

    # Roth conversions fill the chosen bracket with the income known before the draw.
    converted, before = 0.0, 0.0
    if convert and someone:
        before = variable_call(law, b, p, state_rate)
        cap = 0.0
        for j_i in range(deferred.size):
            j = deferred[j_i]
            cap += bal[p, j]
        converted = bracket_room_call(law, b, p, convert_top, cap if someone else 0.0)
        take_in_turn(bal, p, deferred, converted)
        bal[p, target] += converted
        b[p, ORDINARY] += converted

    payroll, surcharge = 0.0, 0.0
    fed = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    if someone:
        # Where nobody is alive (half the bench couple's path-years) nothing is earned and
        # no one is enrolled: every tax is 0 (the rules give exactly 0; not run for speed).
        s = int(b[p, STATUS])
        social, medicare, additional = payroll_one(law, s, index, wages0, wages1)
        payroll = social + medicare + additional
        fed = federal(law, b, p)
        magi = fed[0] if first_year else magi_before[p]
        surcharge = irmaa_one(irmaa, s, index, magi, tx[ENROLLEES, c])
    fixed = payroll + surcharge
    out[p, INCOME] = income
    out[p, STATED] = flow[EXPENSE_NOMINAL, c] + flow[EXPENSE_INDEXED, c] * pr
    out[p, STATED_DISCRETIONARY] = (
        flow[DISCRETIONARY_NOMINAL, c] + flow[DISCRETIONARY_INDEXED, c] * pr
    )
    out[p, DUE] = flow[OBLIGATIONS, c]
    out[p, TAX0] = total(fed) + state_one(state_rate, fed[0], fed[1])
    out[p, FIXED] = fixed
    out[p, RMD] = rmd
    out[p, CONVERTED] = converted
    out[p, BEFORE_CONVERSION] = before
    out[p, AGI0] = fed[0]
    out[p, TAXABLE_SS0] = fed[1]
    out[p, TAXABLE_INCOME0] = fed[3]
    out[p, FEDERAL0] = total(fed)
    out[p, SOMEONE] = 1.0 if someone else 0.0
    if record:  # the detail's rows (one path): ~10% of the kernel's time on 10,000
        out[p, DIVIDENDS_OUT] = dividends
        out[p, INTEREST_OUT] = interest
        out[p, CONTRIBUTED] = contributed
        out[p, PAYROLL] = payroll
        out[p, IRMAA] = surcharge
