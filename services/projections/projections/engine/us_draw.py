"""The draw of one `us` year on every path, compiled (numba): policy, gross-up, outcome, returns.

After us_year.py's `before_draw`, one pass over the paths finishes the year on each: the
spending policy's target (spending_rules.py, the flat kernel's rules), the draw that meets
it after its taxes (the withdrawal order's segments, the gross-up, the draw's AGI and
taxes, the accounts it comes from), the outcome (spending, failure, adjustment), then the
year's returns and the kernel's output rows, while the path's accounts are in cache.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from .spending_rules import NEEDS_CODE, record_one, targets_one
from .tax.grossup import advance, finished, start
from .tax.state import state_one
from .us_taxes import agi, bracket_room_call, taxable_income_call, variable
from .us_year import (
    AGI0,
    BEFORE_CONVERSION,
    CONVERTED,
    DUE,
    FEDERAL0,
    FIXED,
    INCOME,
    RMD,
    SOMEONE,
    STATED,
    STATED_DISCRETIONARY,
    TAX0,
    TAXABLE_INCOME0,
    TAXABLE_SS0,
)
from .withdrawals import apply, free_prefix, income_of, segments

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Columns of draw's results, (paths, DRAW_ROWS); all but AGI and SPENT only when recording.
DRAW, CAPPED, FEDERAL, AGI, TAXABLE_SS, REALISED, TAXABLE_INCOME, STATE, ITERATIONS = range(9)
TAXES, SPENT, SAVE, UNFUNDED = 9, 10, 11, 12
DRAW_ROWS = 13


Outcome = tuple[
    int,
    tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray, FloatArray],
    BoolArray,
    IntArray,
]
Accounts = tuple[IntArray, IntArray, IntArray, IntArray, int, bool, FloatArray]
PolicyArgs = tuple[
    tuple[int, bool, bool, int, float],
    bool,
    bool,
    FloatArray,
    FloatArray,
    tuple[FloatArray, FloatArray, FloatArray],
]
Rows5 = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]


@numba.njit(cache=True, error_model="numpy", inline="always")
def draw(
    p: int,
    order: int,
    accounts: Accounts,
    law: FloatArray,
    b: FloatArray,
    state_rate: float,
    year: FloatArray,
    policy: PolicyArgs,
    conversion_year: bool,
    fill: int,
    bal: FloatArray,
    basis: FloatArray,
    ratio: FloatArray,
    segs: FloatArray,
    taken: FloatArray,
    out: FloatArray,
    record: bool,
    carry: Rows5,
    rows: Rows5,
    stats: IntArray,
    outcome: Outcome,
    returns: tuple[float, float, float],
) -> bool:
    """Finish path p's year; fill its `out` and outcome; False if its gross-up is unsolved.

    The spending policy sets the year's target (spending_rules.targets_one; in a research
    mode's retirement, the rule's `withdrawal` plus the income left after obligations and
    the taxes it owes). The need (the target less the year's income after the taxes at a
    zero draw) is saved when negative, else drawn: the draw that meets it after its taxes
    is solved and taken, by the withdrawal order. Then the year's taxes, spending and
    outcome (spending_rules.record_one).
    `policy` is (the year's facts for targets_one, a research mode's retired year, the
    paths have lives columns, the policy's parameters and per-path state, then per path:
    the portfolio at the start of the row, rmd_based's period, the research withdrawal);
    `outcome` is (the row, spending.Outcome.rows, failed, depletion row).
    `accounts` is (kinds, liquid in kind order, liquid in plan order,
    tax_deferred, the savings account, whether it is taxable, the (3, assets) return
    weights); `year` before_draw's results; `fill` bracket_fill's bracket (−1: not
    bracket_fill); `ratio` (in place) last year's draw ÷ need, the gross-up's warm start.

    Then the path's `returns` of the year (stock, bond, inflation) grow every account:
    `carry` is (price, the next row's price, the liquid return, the next row's portfolio,
    its real value), written here. `rows` are the kernel's output rows of the year (income,
    withdrawals, taxes, RMDs, conversions); `stats` (in place) the gross-up's evaluations:
    max, sum, solved path-years.
    """
    kinds, liquid, liquid_rows, deferred, savings, savings_taxable, weights = accounts
    spending_year, research, per_column, params, policy_state, per_path = policy
    acts = spending_year[1] and spending_year[0] != NEEDS_CODE  # a retired year's rule
    portfolio, period, withdrawal = per_path
    t, outcome_rows, failed, depletion = outcome
    stock, bond, inflation = returns
    price, price_next, last_return, port_next, port_real = carry
    income_row, withdrawals_row, taxes_row, rmd_row, conversions_row = rows
    tax0, fixed = year[p, TAX0], year[p, FIXED]
    income, rmd, obligations = year[p, INCOME], year[p, RMD], year[p, DUE]
    stated, stated_disc = year[p, STATED], year[p, STATED_DISCRETIONARY]
    if research:
        # The rate sets what the portfolio gives to spend; income left after obligations
        # and the tax it already owes is spent too (the flat kernel's rule).
        target = withdrawal[p] + max(income - obligations - tax0 - fixed, 0.0)
        if per_column and not year[p, SOMEONE] > 0.0:
            target = 0.0
        essential_target, must_fund = stated - stated_disc, target
    else:
        # Income left for spending before any draw: after the taxes owed at a zero draw
        # (an RMD counts toward a rule's draw, as it leaves the portfolio).
        target, target_disc = targets_one(
            spending_year,
            params,
            policy_state,
            p,
            year[p, SOMEONE] > 0.0,  # 1 on every path without lives columns
            stated,
            stated_disc,
            income - tax0 - fixed if acts else 0.0,
            obligations,
            portfolio[p],
            price[p],
            period[p],
        )
        essential_target = target - target_disc
        must_fund = essential_target
    need = target + obligations - income - rmd + tax0 + fixed
    save = max(-need, 0.0)
    need = max(need, 0.0)
    # What is not spent (an RMD's unspent part included) is saved after tax.
    bal[p, savings] += save
    if savings_taxable:
        basis[p, savings] += save
    amount, capped, realised, iterations = need, False, 0.0, 0
    converged = True
    fed, agi_p, taxable_ss = year[p, FEDERAL0], year[p, AGI0], year[p, TAXABLE_SS0]
    if record:
        out[p, TAXABLE_INCOME] = year[p, TAXABLE_INCOME0]
    if need > 0.0:
        first = -1.0
        if conversion_year:
            # The conversion's tax (what it adds at a zero draw): from cash, then taxable.
            converted = year[p, CONVERTED]
            first = max(tax0 - year[p, BEFORE_CONVERSION], 0.0) if converted > 0.0 else 0.0
        room = 0.0
        if fill >= 0:
            cap = 0.0
            for j_i in range(deferred.size):
                j = deferred[j_i]
                cap += bal[p, j]
            room = bracket_room_call(law, b, p, fill, cap)
        m = segments(segs, order, bal, basis, p, kinds, liquid, room, first)
        if need > free_prefix(segs, m):
            # Paths drawing only untaxed money keep the taxes at a zero draw; the others
            # are solved and evaluated again at their draw, for the parts and the AGI.
            limit = 0.0
            for j_i in range(liquid_rows.size):
                j = liquid_rows[j_i]
                limit += bal[p, j]
            state = start(need, limit, need * ratio[p])
            while True:
                ordinary, gain = income_of(segs, m, state[13])
                state = advance(state, variable(law, b, p, state_rate, ordinary, gain) - tax0)
                if finished(state):
                    break
            amount, delta, iterations, capped = state[4], state[9], state[10], state[11]
            converged = state[12]
            ratio[p] = amount / need if need > 0.0 else 1.0
            ordinary, realised = income_of(segs, m, amount)
            agi_p, taxable_ss = agi(law, b, p, ordinary, realised)
            # The solver's last evaluation is the draw's federal + state tax.
            fed = tax0 + delta - state_one(state_rate, agi_p, taxable_ss)
            if record:  # the detail's taxable income (one path): not needed otherwise
                out[p, TAXABLE_INCOME] = taxable_income_call(law, b, p, ordinary, realised)
        apply(segs, m, amount, bal, basis, p, kinds, taken)
    else:
        # Nothing to draw (about half the path-years): a zero draw's effect on the
        # accounts, without laying out its segments (or solving bracket_fill's room).
        for j in range(kinds.size):
            taken[p, j] = 0.0
            bal[p, j] = max(bal[p, j], 0.0)
    state_due = state_one(state_rate, agi_p, taxable_ss)
    taxes = fed + state_due + fixed
    spent = income + rmd + amount - taxes - obligations - save
    # A capped draw (assets exhausted) leaves part of the target unfunded: discretionary
    # spending first, then essential spending (a failure; research modes: the rule's draw).
    unfunded = max(must_fund - spent, 0.0) if capped else 0.0
    record_one(
        t,
        p,
        spent,
        essential_target,
        stated_disc,
        unfunded,
        price[p],
        outcome_rows,
        failed,
        depletion,
    )
    out[p, AGI], out[p, SPENT] = agi_p, spent
    if record:  # the detail's rows (one path)
        out[p, DRAW], out[p, ITERATIONS] = amount, iterations
        out[p, CAPPED] = 1.0 if capped else 0.0
        out[p, FEDERAL], out[p, TAXABLE_SS] = fed, taxable_ss
        out[p, REALISED], out[p, STATE], out[p, TAXES] = realised, state_due, taxes
        out[p, SAVE], out[p, UNFUNDED] = save, unfunded
    if iterations > 0:
        stats[0] = max(stats[0], iterations)
        stats[1] += iterations
        stats[2] += 1
    income_row[p], withdrawals_row[p], taxes_row[p] = income, rmd + amount, taxes
    rmd_row[p], conversions_row[p] = rmd, year[p, CONVERTED]

    # The year's returns, account by account, in the order the numpy kernel applied them.
    before = 0.0
    for j_i in range(liquid_rows.size):
        j = liquid_rows[j_i]
        before += bal[p, j]
    for j in range(bal.shape[1]):
        bal[p, j] *= 1.0 + (
            weights[0, j] * stock + weights[1, j] * bond + weights[2, j] * inflation
        )
    after = 0.0
    for j_i in range(liquid_rows.size):
        j = liquid_rows[j_i]
        after += bal[p, j]
    port_next[p] = after
    last_return[p] = (after / before if before > 0.0 else 1.0) - 1.0
    price_next[p] = price[p] * (1.0 + inflation)
    port_real[p] = after / price_next[p]

    return converged
