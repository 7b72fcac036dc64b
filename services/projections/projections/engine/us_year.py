"""One year of the `us` kernel on every path, compiled (numba): the taxes and the draw.

us_kernel.py runs the year loop; each year it calls `before_draw` (the year's incomes, the
taxable accounts' investment income, RMDs, contributions, the Roth conversion that fills its
bracket, payroll tax, IRMAA and the taxes at a zero draw), applies the spending policy
(spending.py, numpy, shared with the flat kernel), then calls `draw` (the withdrawal order's
segments, the gross-up of the draw that meets the need after its taxes, the draw's AGI and
taxes, the accounts it comes from, then the year's returns and the kernel's output rows, in
the same pass over each path). Both are loops over paths calling the one-path rules
(tax/*.py, us_taxes.py, withdrawals.py); docs/ENGINE.md "Compiled us kernel" says why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

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
from .tax.grossup import advance, finished, start
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
    agi,
    bracket_room,
    federal,
    total,
    variable,
)
from .us_taxes import SOCIAL_SECURITY as B_SOCIAL_SECURITY
from .withdrawals import apply, free_prefix, income_of, segments, take_in_turn

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Rows of before_draw's results, (YEAR_ROWS, paths); DIVIDENDS_OUT … IRMAA only when recording.
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
# Rows of draw's results, (DRAW_ROWS, paths); all but AGI, SPENT, UNFUNDED only when recording.
DRAW, CAPPED, FEDERAL, AGI, TAXABLE_SS, REALISED, TAXABLE_INCOME, STATE, ITERATIONS = range(9)
TAXES, SPENT, SAVE, UNFUNDED = 9, 10, 11, 12
DRAW_ROWS = 13


Loop = TypeVar("Loop", bound=Callable[..., Any])


def without_refcounts(loop: Loop) -> Loop:
    """Compile a loop over paths without reference counts (numba's `_nrt`, not in its stubs)."""
    options: dict[str, Any] = {"cache": True, "error_model": "numpy", "_nrt": False}
    return cast(Loop, numba.njit(**options)(loop))


# without_refcounts: no reference counting of the arrays these loops touch. With it numba
# increments and decrements (atomically) the count of every array an inlined rule or an
# array's iterator takes, per path: 12% of the kernel's CPU time (perf, session 5). They
# allocate nothing, so they need no reference counts; numba refuses to compile (TypingError)
# any code here that would allocate (an array created or returned).
@without_refcounts
def before_draw(
    flow: FloatArray,
    tx: FloatArray,
    rmd_factor: FloatArray,
    contributions: FloatArray,
    column: IntArray,
    per_column: bool,
    price: FloatArray,
    bond_t: FloatArray,
    infl_t: FloatArray,
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
) -> None:
    """Fill `b` (us_taxes' base) and `out` (the rows above) for the year; move money in place.

    `flow`, `tx`, `rmd_factor` and `contributions` are the year's tables by column (flows.py),
    `column` each path's column; `conversion` is (this row converts, its bracket, the
    tax_free account it goes to). `magi_before` is the AGI of two rows before (IRMAA).
    The rows only the detail reads are written when `record` (one path) is set.
    """
    convert, convert_top, target = conversion
    assets = kinds.size
    for p in range(price.size):
        c = column[p]
        someone = flow[ANYONE, c] > 0.0 if per_column else True
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
                acc_dividends = bal[j, p] * dividend_w[j]
                acc_interest = bal[j, p] * bond_w[j] * max(bond_t[p], 0.0)
                if not someone:
                    acc_dividends, acc_interest = 0.0, 0.0
                basis[j, p] += acc_dividends + acc_interest
                dividends += acc_dividends
                interest += acc_interest
            elif kinds[j] == CASH:
                cash += bal[j, p]
        interest += cash * max(infl_t[p], 0.0) if someone else 0.0

        # RMDs: last year-end's balance (before this year's contributions) ÷ the period.
        rmd = 0.0
        for j_i in range(deferred.size):
            j = deferred[j_i]
            due = bal[j, p] * rmd_factor[j, c]
            bal[j, p] -= due
            rmd += due
        contributed = 0.0
        if contributions.shape[0]:
            for j in range(assets):
                added = contributions[j, c]
                bal[j, p] += added
                if kinds[j] == TAXABLE:
                    basis[j, p] += added
                contributed += added
        b[STATUS, p] = tx[JOINT, c]
        b[INDEX, p] = index
        b[B_AGE_HEAD, p] = tx[AGE_HEAD, c]
        b[B_AGE_SPOUSE, p] = tx[AGE_SPOUSE, c]
        b[WAGES, p] = wages0 + wages1 - deferred_pay
        b[INTEREST, p] = interest
        b[ORDINARY, p] = tx[ORDINARY_NOM, c] + tx[ORDINARY_IDX, c] * pr + rmd
        b[DIVIDENDS, p] = dividends
        b[GAINS, p] = home_gains[p]
        b[B_SOCIAL_SECURITY, p] = tx[SOCIAL_SECURITY, c] * pr

        # Roth conversions fill the chosen bracket with the income known before the draw.
        converted, before = 0.0, 0.0
        if convert:
            before = variable(law, b, p, state_rate)
            cap = 0.0
            for j_i in range(deferred.size):
                j = deferred[j_i]
                cap += bal[j, p]
            converted = bracket_room(law, b, p, convert_top, cap if someone else 0.0)
            take_in_turn(bal, p, deferred, converted)
            bal[target, p] += converted
            b[ORDINARY, p] += converted

        s = int(b[STATUS, p])
        social, medicare, additional = payroll_one(law, s, index, wages0, wages1)
        payroll = social + medicare + additional
        fed = federal(law, b, p)
        magi = fed[0] if first_year else magi_before[p]
        surcharge = irmaa_one(irmaa, s, index, magi, tx[ENROLLEES, c])
        fixed = payroll + surcharge
        out[INCOME, p] = income
        out[STATED, p] = flow[EXPENSE_NOMINAL, c] + flow[EXPENSE_INDEXED, c] * pr
        out[STATED_DISCRETIONARY, p] = (
            flow[DISCRETIONARY_NOMINAL, c] + flow[DISCRETIONARY_INDEXED, c] * pr
        )
        out[DUE, p] = flow[OBLIGATIONS, c]
        out[TAX0, p] = total(fed) + state_one(state_rate, fed[0], fed[1])
        out[FIXED, p] = fixed
        out[RMD, p] = rmd
        out[CONVERTED, p] = converted
        out[BEFORE_CONVERSION, p] = before
        out[AGI0, p] = fed[0]
        out[TAXABLE_SS0, p] = fed[1]
        out[TAXABLE_INCOME0, p] = fed[3]
        out[FEDERAL0, p] = total(fed)
        out[SOMEONE, p] = 1.0 if someone else 0.0
        if record:  # the detail's rows (one path): ~10% of the kernel's time on 10,000
            out[DIVIDENDS_OUT, p] = dividends
            out[INTEREST_OUT, p] = interest
            out[CONTRIBUTED, p] = contributed
            out[PAYROLL, p] = payroll
            out[IRMAA, p] = surcharge


@without_refcounts
def draw(
    order: int,
    accounts: tuple[IntArray, IntArray, IntArray, IntArray, int, bool, FloatArray],
    law: FloatArray,
    b: FloatArray,
    state_rate: float,
    year: FloatArray,
    policy: tuple[FloatArray, FloatArray],
    conversion_year: bool,
    fill: int,
    bal: FloatArray,
    basis: FloatArray,
    ratio: FloatArray,
    segs: FloatArray,
    taken: FloatArray,
    out: FloatArray,
    record: bool,
    returns: tuple[FloatArray, FloatArray, FloatArray],
    carry: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray],
    rows: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray],
    stats: IntArray,
) -> bool:
    """Finish the year on every path after the spending policy; fill `out`; False if unsolved.

    The need (the policy's `target` less the year's income after the taxes at a zero draw)
    is saved when negative, else drawn: the draw that meets it after its taxes is solved
    and taken, by the withdrawal order. Then the year's taxes and spending.
    `accounts` is (kinds, liquid in kind order, liquid in plan order,
    tax_deferred, the savings account, whether it is taxable, the (3, assets) return
    weights); `year` before_draw's results; `policy` (target, the part that must be
    funded); `fill` bracket_fill's bracket (−1: not bracket_fill); `ratio` (in place) last
    year's draw ÷ need, the gross-up's warm start.

    Then, in the same pass over the path (its accounts still in cache), the year's
    `returns` (stock, bond, inflation) grow every account: `carry` is (price, the next
    row's price, the liquid return, the next row's portfolio, its real value), written
    here. `rows` are the kernel's output rows of the year (income, withdrawals, taxes,
    RMDs, conversions); `stats` (in place) the gross-up's evaluations: max, sum, solved
    path-years.
    """
    kinds, liquid, liquid_rows, deferred, savings, savings_taxable, weights = accounts
    target, must_fund = policy
    stock, bond, inflation = returns
    price, price_next, last_return, port_next, port_real = carry
    income_row, withdrawals_row, taxes_row, rmd_row, conversions_row = rows
    converged = True
    for p in range(target.size):
        tax0, fixed = year[TAX0, p], year[FIXED, p]
        income, rmd, obligations = year[INCOME, p], year[RMD, p], year[DUE, p]
        need = target[p] + obligations - income - rmd + tax0 + fixed
        save = max(-need, 0.0)
        need = max(need, 0.0)
        # What is not spent (an RMD's unspent part included) is saved after tax.
        bal[savings, p] += save
        if savings_taxable:
            basis[savings, p] += save
        amount, capped, realised, iterations = need, False, 0.0, 0
        fed, agi_p, taxable_ss = year[FEDERAL0, p], year[AGI0, p], year[TAXABLE_SS0, p]
        if record:
            out[TAXABLE_INCOME, p] = year[TAXABLE_INCOME0, p]
        if need > 0.0:
            first = -1.0
            if conversion_year:
                # The conversion's tax (what it adds at a zero draw): from cash, then taxable.
                converted = year[CONVERTED, p]
                first = max(tax0 - year[BEFORE_CONVERSION, p], 0.0) if converted > 0.0 else 0.0
            room = 0.0
            if fill >= 0:
                cap = 0.0
                for j_i in range(deferred.size):
                    j = deferred[j_i]
                    cap += bal[j, p]
                room = bracket_room(law, b, p, fill, cap)
            m = segments(segs, order, bal, basis, p, kinds, liquid, room, first)
            if need > free_prefix(segs, m):
                # Paths drawing only untaxed money keep the taxes at a zero draw; the others
                # are solved and evaluated again at their draw, for the parts and the AGI.
                limit = 0.0
                for j_i in range(liquid_rows.size):
                    j = liquid_rows[j_i]
                    limit += bal[j, p]
                state = start(need, limit, need * ratio[p])
                while True:
                    ordinary, gain = income_of(segs, m, state[13])
                    state = advance(state, variable(law, b, p, state_rate, ordinary, gain) - tax0)
                    if finished(state):
                        break
                amount, delta, iterations, capped = state[4], state[9], state[10], state[11]
                converged = converged and state[12]
                ratio[p] = amount / need if need > 0.0 else 1.0
                ordinary, realised = income_of(segs, m, amount)
                agi_p, taxable_ss = agi(law, b, p, ordinary, realised)
                # The solver's last evaluation is the draw's federal + state tax.
                fed = tax0 + delta - state_one(state_rate, agi_p, taxable_ss)
                if record:  # the detail's taxable income (one path): not needed otherwise
                    out[TAXABLE_INCOME, p] = federal(law, b, p, ordinary, realised)[3]
            apply(segs, m, amount, bal, basis, p, kinds, taken)
        else:
            # Nothing to draw (about half the path-years): a zero draw's effect on the
            # accounts, without laying out its segments (or solving bracket_fill's room).
            for j in range(kinds.size):
                taken[j, p] = 0.0
                bal[j, p] = max(bal[j, p], 0.0)
        state_due = state_one(state_rate, agi_p, taxable_ss)
        taxes = fed + state_due + fixed
        spent = income + rmd + amount - taxes - obligations - save
        # A capped draw (assets exhausted) leaves part of the target unfunded: discretionary
        # spending first, then essential spending (a failure; research modes: the rule's draw).
        out[UNFUNDED, p] = max(must_fund[p] - spent, 0.0) if capped else 0.0
        out[AGI, p], out[SPENT, p] = agi_p, spent
        if record:  # the detail's rows (one path)
            out[DRAW, p], out[ITERATIONS, p] = amount, iterations
            out[CAPPED, p] = 1.0 if capped else 0.0
            out[FEDERAL, p], out[TAXABLE_SS, p] = fed, taxable_ss
            out[REALISED, p], out[STATE, p], out[TAXES, p] = realised, state_due, taxes
            out[SAVE, p] = save
        if iterations > 0:
            stats[0] = max(stats[0], iterations)
            stats[1] += iterations
            stats[2] += 1
        income_row[p], withdrawals_row[p], taxes_row[p] = income, rmd + amount, taxes
        rmd_row[p], conversions_row[p] = rmd, year[CONVERTED, p]

        # The year's returns, account by account, in the order the numpy kernel applied them.
        before = 0.0
        for j_i in range(liquid_rows.size):
            j = liquid_rows[j_i]
            before += bal[j, p]
        for j in range(bal.shape[0]):
            bal[j, p] *= 1.0 + (
                weights[0, j] * stock[p] + weights[1, j] * bond[p] + weights[2, j] * inflation[p]
            )
        after = 0.0
        for j_i in range(liquid_rows.size):
            j = liquid_rows[j_i]
            after += bal[j, p]
        port_next[p] = after
        last_return[p] = (after / before if before > 0.0 else 1.0) - 1.0
        price_next[p] = price[p] * (1.0 + inflation[p])
        port_real[p] = after / price_next[p]

    return converged
