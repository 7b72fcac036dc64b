"""One year of the flat kernel on every path, compiled (numba): flat_kernel.py's one call a year.

The numpy year loop it replaces ran ~40 array operations a year, each a pass over every
path with a temporary of its own and a Python call. Here the year is a few loops over the
paths (issue 17), each simple enough for LLVM to vectorise (SIMD: a loop over one row of
(rows, paths) arrays, with selects, not branches) — the flows, the draw account by account,
the returns — and two per path where the rules branch (the spending policy's target and
the outcome: spending_rules.py). A loop per path and account, path-major, took 6 times the
returns' time (issue 17). Every expression keeps the numpy kernel's order of operations
(no fastmath: vectorising across paths reorders nothing within one), so the results are
the same bits (test_flat_goldens.py, test_compat_v1.py).
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
    TAXABLE_INDEXED,
    TAXABLE_NOMINAL,
)
from .numba_cache import without_refcounts
from .spending_rules import NEEDS_CODE, record_one, targets_one

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Rows of `carry`, (CARRY_ROWS, paths): what a path carries from one year to the next
# besides its balances, updated in place by the year.
PRICE, LAST_RETURN = 0, 1
CARRY_ROWS = 2
# Rows of `scratch`, (SCRATCH_ROWS, paths): what one loop of the year leaves the next.
INCOME, INCOME_TAX, NET_INCOME, STATED, STATED_DISC, OBLIGATIONS_ROW = range(6)
REMAINING, SAVE, ESSENTIAL, TARGET_DISC, GROSS, TAX, BEFORE = range(6, 13)
SCRATCH_ROWS = 13

# run_year's arguments, grouped as flat_kernel.py builds them.
Accounts = tuple[
    FloatArray,  # balances, (assets, paths)
    IntArray,  # the liquid assets, in plan order
    IntArray,  # the withdrawal order
    BoolArray,  # tax-deferred, per asset
    int,  # the savings account
    FloatArray,  # (3, assets): stock, bond and inflation weights
]
PolicyArgs = tuple[
    tuple[int, bool, bool, int, float],  # spending.Policy.year's facts
    bool,  # a research mode's retired year: the rule's withdrawal, not the policy
    FloatArray,  # the policy's parameters (spending_rules.policy_vector)
    FloatArray,  # its per-path state, (STATE_ROWS, paths)
    FloatArray,  # rmd_based's period per path
    FloatArray,  # the research rule's withdrawal per path
]
Rows = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]
Outcome = tuple[
    tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray, FloatArray],
    BoolArray,
    IntArray,
]


@numba.njit(cache=True, error_model="numpy", inline="always")
def maximum(a: float, b: float) -> float:
    """Return np.maximum(a, b): the larger, NaN if either is (Python's max keeps a NaN b)."""
    return a if a >= b or a != a else b


@numba.njit(cache=True, error_model="numpy", inline="always")
def minimum(a: float, b: float) -> float:
    """Return np.minimum(a, b): the smaller, NaN if either is."""
    return a if a <= b or a != a else b


@numba.njit(cache=True, error_model="numpy", inline="always")
def liquid_sum(bal: FloatArray, liquid: IntArray, out: FloatArray, row: int) -> None:
    """Write every path's liquid portfolio in out[row], the accounts added in plan order.

    numpy's sum over axis 0 of a C array adds its rows one after another, starting from
    the first (not from 0.0): the same additions in the same order.
    """
    paths = bal.shape[1]
    if liquid.size == 0:
        for p in range(paths):
            out[row, p] = 0.0
        return
    first = liquid[0]
    for p in range(paths):
        out[row, p] = bal[first, p]
    for k in range(1, liquid.size):
        j = liquid[k]
        for p in range(paths):
            out[row, p] += bal[j, p]


@numba.njit(cache=True, error_model="numpy", inline="always")
def _flows(
    flows: tuple[FloatArray, FloatArray, IntArray, bool],
    tax_rate: float,
    bal: FloatArray,
    price: FloatArray,
    sc: FloatArray,
) -> None:
    """Write every path's income, its tax, the stated expenses and obligations; contribute."""
    flow, contributions, column, _ = flows
    for p in range(sc.shape[1]):
        c, pr = column[p], price[p]
        income = flow[INCOME_NOMINAL, c] + flow[INCOME_INDEXED, c] * pr
        income_tax = tax_rate * (flow[TAXABLE_NOMINAL, c] + flow[TAXABLE_INDEXED, c] * pr)
        sc[INCOME, p] = income
        sc[INCOME_TAX, p] = income_tax
        sc[NET_INCOME, p] = income - income_tax
        sc[STATED, p] = flow[EXPENSE_NOMINAL, c] + flow[EXPENSE_INDEXED, c] * pr
        sc[STATED_DISC, p] = flow[DISCRETIONARY_NOMINAL, c] + flow[DISCRETIONARY_INDEXED, c] * pr
        sc[OBLIGATIONS_ROW, p] = flow[OBLIGATIONS, c]
    for j in range(contributions.shape[0]):
        for p in range(sc.shape[1]):
            bal[j, p] += contributions[j, column[p]]


@numba.njit(cache=True, error_model="numpy", inline="always")
def _need(
    p: int, target: float, target_disc: float, savings: int, bal: FloatArray, sc: FloatArray
) -> None:
    """Save path p's surplus over its target, or owe its need (the policy's years)."""
    need = target + sc[OBLIGATIONS_ROW, p] - sc[NET_INCOME, p]
    save = maximum(-need, 0.0)
    bal[savings, p] += save
    sc[SAVE, p] = save
    sc[REMAINING, p] = maximum(need, 0.0)
    sc[ESSENTIAL, p] = target - target_disc
    sc[TARGET_DISC, p] = target_disc


@numba.njit(cache=True, error_model="numpy", inline="always")
def _targets(
    flows: tuple[FloatArray, FloatArray, IntArray, bool],
    policy: PolicyArgs,
    portfolio: FloatArray,
    t: int,
    bal: FloatArray,
    savings: int,
    price: FloatArray,
    sc: FloatArray,
) -> None:
    """Write every path's draw: the policy's need beyond net income, or the rule's withdrawal.

    A research mode's retired year draws the rule's withdrawal plus the obligations income
    leaves unpaid (nothing where nobody is alive). A year whose policy spends as stated
    (working years, `needs`) takes a loop without the rules (spending_rules.targets_one
    returns the stated amounts then), which vectorises.
    """
    flow, _, column, per_column = flows
    spending_year, research, params, state, period, withdrawal = policy
    paths = sc.shape[1]
    if research:
        for p in range(paths):
            draw = withdrawal[p] + maximum(sc[OBLIGATIONS_ROW, p] - sc[NET_INCOME, p], 0.0)
            if per_column and not flow[ANYONE, column[p]] > 0.0:
                draw = 0.0
            sc[REMAINING, p] = draw
            sc[SAVE, p] = 0.0
            sc[ESSENTIAL, p] = sc[STATED, p] - sc[STATED_DISC, p]
            sc[TARGET_DISC, p] = sc[STATED_DISC, p]
    elif not spending_year[1] or spending_year[0] == NEEDS_CODE:
        for p in range(paths):
            _need(p, sc[STATED, p], sc[STATED_DISC, p], savings, bal, sc)
    else:
        for p in range(paths):
            target, target_disc = targets_one(
                spending_year,
                params,
                state,
                p,
                not per_column or flow[ANYONE, column[p]] > 0.0,
                sc[STATED, p],
                sc[STATED_DISC, p],
                sc[NET_INCOME, p],
                sc[OBLIGATIONS_ROW, p],
                portfolio[t, p],
                price[p],
                period[p],
            )
            _need(p, target, target_disc, savings, bal, sc)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _owed(sc: FloatArray) -> bool:
    """Return whether any path has something left to draw: not (max over paths <= 0).

    numpy's max is NaN if any remainder is; NaN <= 0 is false: a NaN counts as owed.
    """
    owed = False
    for p in range(sc.shape[1]):
        remaining = sc[REMAINING, p]
        owed |= (remaining > 0.0) | (remaining != remaining)
    return owed


@numba.njit(cache=True, error_model="numpy", inline="always")
def _draw(accounts: Accounts, tax_rate: float, sc: FloatArray) -> None:
    """Draw every path's remaining need from the accounts in order, in place.

    Account by account over every path, as the numpy kernel did: it stopped before an
    account only once no path had anything left, so a path already served still goes
    through the next accounts while another path draws (its remaining may be a rounding
    error below zero: the same arithmetic, the same bits). Taking G from a tax-deferred
    account leaves G × (1 − t) to spend.
    """
    bal, _, order, deferred, _, _ = accounts
    keep = 1.0 - tax_rate
    paths = sc.shape[1]
    for p in range(paths):
        sc[GROSS, p] = 0.0
        sc[TAX, p] = 0.0
    for k in range(order.size):
        if not _owed(sc):
            break
        j = order[k]
        if deferred[j]:
            for p in range(paths):
                remaining = sc[REMAINING, p]
                take = minimum(bal[j, p], remaining / keep)
                got = take * keep
                sc[TAX, p] += take - got
                bal[j, p] -= take
                sc[GROSS, p] += take
                sc[REMAINING, p] = remaining - got
        else:
            for p in range(paths):
                remaining = sc[REMAINING, p]
                take = minimum(bal[j, p], remaining)
                bal[j, p] -= take
                sc[GROSS, p] += take
                sc[REMAINING, p] = remaining - take


@numba.njit(cache=True, error_model="numpy", inline="always")
def _record(
    t: int, research: bool, price: FloatArray, rows: Rows, outcome: Outcome, sc: FloatArray
) -> None:
    """Record every path's year: its rows and outcome (spending_rules.record_one).

    The draw's shortfall falls on discretionary spending first: a policy's path fails
    when essential spending, debt payments or taxes go unfunded; a research mode's when
    the rule's draw does.
    """
    _, _, income_row, withdrawals_row, taxes_row = rows
    outcome_rows, failed, depletion = outcome
    for p in range(sc.shape[1]):
        gross, tax = sc[GROSS, p], sc[TAX, p]
        shortfall = maximum(sc[REMAINING, p], 0.0)
        spent = sc[NET_INCOME, p] + gross - tax - sc[OBLIGATIONS_ROW, p] - sc[SAVE, p]
        unfunded = shortfall if research else maximum(shortfall - sc[TARGET_DISC, p], 0.0)
        record_one(
            t,
            p,
            spent,
            sc[ESSENTIAL, p],
            sc[STATED_DISC, p],
            unfunded,
            price[p],
            outcome_rows,
            failed,
            depletion,
        )
        income_row[t, p] = sc[INCOME, p]
        withdrawals_row[t, p] = gross
        taxes_row[t, p] = sc[INCOME_TAX, p] + tax


@numba.njit(cache=True, error_model="numpy", inline="always")
def _grow(
    t: int,
    accounts: Accounts,
    carry: FloatArray,
    returns: tuple[FloatArray, FloatArray, FloatArray],
    rows: Rows,
    sc: FloatArray,
) -> None:
    """Apply the year's returns; write the next row's portfolio, price and liquid return.

    Rebalancing to each asset's allocation every year makes its return the weighted mix.
    """
    bal, liquid, _, _, _, weights = accounts
    portfolio, portfolio_real, _, _, _ = rows
    stock, bond, inflation = returns
    liquid_sum(bal, liquid, sc, BEFORE)
    for j in range(bal.shape[0]):
        w_stock, w_bond, w_inflation = weights[0, j], weights[1, j], weights[2, j]
        for p in range(bal.shape[1]):
            mix = w_stock * stock[t, p] + w_bond * bond[t, p] + w_inflation * inflation[t, p]
            bal[j, p] *= 1.0 + mix
    liquid_sum(bal, liquid, portfolio, t + 1)
    for p in range(bal.shape[1]):
        after, before = portfolio[t + 1, p], sc[BEFORE, p]
        carry[LAST_RETURN, p] = (after / before if before > 0.0 else 1.0) - 1.0
        price_next = carry[PRICE, p] * (1.0 + inflation[t, p])
        carry[PRICE, p] = price_next
        portfolio_real[t + 1, p] = after / price_next


@without_refcounts
def run_year(
    t: int,
    flows: tuple[FloatArray, FloatArray, IntArray, bool],
    tax_rate: float,
    accounts: Accounts,
    policy: PolicyArgs,
    carry: FloatArray,
    returns: tuple[FloatArray, FloatArray, FloatArray],
    rows: Rows,
    outcome: Outcome,
    scratch: FloatArray,
) -> None:
    """Run row t on every path: its flows and draw, the withdrawal, the outcome and returns.

    `flows` is (row t's flow table by column, its contributions by column or (0, 1) when
    none, each path's column, whether the paths have columns of their own); `returns` the
    stock, bond and inflation returns, year-major (years, paths); `rows` the kernel's
    (rows, paths) portfolio, real portfolio, income, withdrawals and taxes, of which the
    year writes row t and the next row's portfolio; `scratch` (SCRATCH_ROWS, paths)
    working space. The loops keep the numpy kernel's order: flows and contributions, the
    policy's draw and savings, the draw, the outcome, the returns.
    """
    bal, _, _, _, savings, _ = accounts
    price = carry[PRICE]
    _flows(flows, tax_rate, bal, price, scratch)
    _targets(flows, policy, rows[0], t, bal, savings, price, scratch)
    _draw(accounts, tax_rate, scratch)
    _record(t, policy[1], price, rows, outcome, scratch)
    _grow(t, accounts, carry, returns, rows, scratch)
