"""One year of the flat kernel on every path, compiled (numba): flat_kernel.py's one call a year.

The numpy year loop it replaces ran ~40 array operations a year, each a pass over every
path with a temporary of its own; here a year is three passes over the paths (issue 17):
the year's flows and the spending policy's draw (`_before_draw`), the draw from the
accounts in the withdrawal order (`_draw`, one pass an account), then the outcome and the
year's returns (`_after_draw`). Every expression keeps the numpy kernel's order of
operations (no fastmath, no reassociation), so the results are the same bits
(test_flat_goldens.py, test_compat_v1.py). docs/ENGINE.md "Compiled flat kernel".
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
from .spending_rules import record_one, targets_one

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Rows of `carry`, (CARRY_ROWS, paths): what a path carries from one year to the next
# besides its balances, updated in place by the year.
PRICE, LAST_RETURN = 0, 1
CARRY_ROWS = 2
# Columns of `scratch`, (paths, SCRATCH_ROWS): what one pass leaves the next within a year.
REMAINING, GROSS, TAX, NET_INCOME, SAVE, ESSENTIAL, TARGET_DISC, STATED_DISC = range(8)
INCOME_TAX, INCOME = 8, 9
SCRATCH_ROWS = 10

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
def liquid_sum(bal: FloatArray, liquid: IntArray, p: int) -> float:
    """Return path p's liquid portfolio, the accounts added in plan order.

    numpy's sum over axis 0 of a C array adds its rows one after another, starting from
    the first (not from 0.0): the same additions in the same order.
    """
    if liquid.size == 0:
        return 0.0
    total: float = bal[liquid[0], p]
    for k in range(1, liquid.size):
        total += bal[liquid[k], p]
    return total


@numba.njit(cache=True, error_model="numpy", inline="always")
def maximum(a: float, b: float) -> float:
    """Return np.maximum(a, b): the larger, NaN if either is (Python's max keeps a NaN b)."""
    return a if a >= b or a != a else b


@numba.njit(cache=True, error_model="numpy", inline="always")
def minimum(a: float, b: float) -> float:
    """Return np.minimum(a, b): the smaller, NaN if either is."""
    return a if a <= b or a != a else b


@numba.njit(cache=True, error_model="numpy", inline="always")
def _before_draw(
    p: int,
    flow: FloatArray,
    contributions: FloatArray,
    column: IntArray,
    per_column: bool,
    tax_rate: float,
    accounts: Accounts,
    policy: PolicyArgs,
    portfolio: float,
    price: float,
    scratch: FloatArray,
) -> float:
    """Compute path p's income, taxes, contributions and draw; return the draw.

    A policy's need beyond the year's net income is drawn, a surplus saved; a research
    mode's retired year draws the rule's withdrawal plus the obligations income leaves
    unpaid (nothing where nobody is alive).
    """
    bal, _, _, _, savings, _ = accounts
    spending_year, research, params, state, period, withdrawal = policy
    c = column[p]
    income = flow[INCOME_NOMINAL, c] + flow[INCOME_INDEXED, c] * price
    income_tax = tax_rate * (flow[TAXABLE_NOMINAL, c] + flow[TAXABLE_INDEXED, c] * price)
    net_income = income - income_tax
    for j in range(contributions.shape[0]):
        bal[j, p] += contributions[j, c]
    stated = flow[EXPENSE_NOMINAL, c] + flow[EXPENSE_INDEXED, c] * price
    stated_disc = flow[DISCRETIONARY_NOMINAL, c] + flow[DISCRETIONARY_INDEXED, c] * price
    obligations = flow[OBLIGATIONS, c]
    if not research:
        target, target_disc = targets_one(
            spending_year,
            params,
            state,
            p,
            stated,
            stated_disc,
            net_income,
            obligations,
            portfolio,
            price,
            period[p],
        )
        need = target + obligations - net_income
        save = maximum(-need, 0.0)
        bal[savings, p] += save
        draw = maximum(need, 0.0)
        essential = target - target_disc
    else:
        draw = withdrawal[p] + maximum(obligations - net_income, 0.0)
        if per_column and not flow[ANYONE, c] > 0.0:
            draw = 0.0
        save = 0.0
        essential, target_disc = stated - stated_disc, stated_disc
    scratch[p, REMAINING] = draw
    scratch[p, GROSS] = 0.0
    scratch[p, TAX] = 0.0
    scratch[p, NET_INCOME] = net_income
    scratch[p, SAVE] = save
    scratch[p, ESSENTIAL] = essential
    scratch[p, TARGET_DISC] = target_disc
    scratch[p, STATED_DISC] = stated_disc
    scratch[p, INCOME_TAX] = income_tax
    scratch[p, INCOME] = income
    return draw


@numba.njit(cache=True, error_model="numpy", inline="always")
def _largest(largest: float, value: float) -> float:
    """Return the larger, NaN winning: numpy's max over the paths, one path at a time."""
    return value if value > largest or value != value else largest


@numba.njit(cache=True, error_model="numpy", inline="always")
def _draw(accounts: Accounts, tax_rate: float, largest: float, scratch: FloatArray) -> None:
    """Draw each path's remaining need from the accounts in order, in place.

    Account by account over every path, as the numpy kernel did: it stopped before an
    account only once no path had anything left (`largest`, the max over the paths), so a
    path already served still goes through the next accounts while another path draws
    (its remaining may be a rounding error below zero: the same arithmetic, the same bits).
    Taking G from a tax-deferred account leaves G × (1 − t) to spend.
    """
    bal, _, order, deferred, _, _ = accounts
    keep = 1.0 - tax_rate
    paths = scratch.shape[0]
    for k in range(order.size):
        if largest <= 0.0:
            break
        j = order[k]
        grossed = deferred[j]
        largest = -np.inf
        for p in range(paths):
            remaining = scratch[p, REMAINING]
            if grossed:
                take = minimum(bal[j, p], remaining / keep)
                got = take * keep
                scratch[p, TAX] += take - got
            else:
                take = minimum(bal[j, p], remaining)
                got = take
            bal[j, p] -= take
            scratch[p, GROSS] += take
            remaining -= got
            scratch[p, REMAINING] = remaining
            largest = _largest(largest, remaining) if p else remaining


@numba.njit(cache=True, error_model="numpy", inline="always")
def _after_draw(
    t: int,
    p: int,
    flow: FloatArray,
    c: int,
    accounts: Accounts,
    research: bool,
    carry: FloatArray,
    returns: tuple[float, float, float],
    rows: Rows,
    outcome: Outcome,
    scratch: FloatArray,
) -> None:
    """Record path p's year (spending_rules.record_one), then grow its accounts a year.

    The draw's shortfall falls on discretionary spending first: a policy's path fails
    when essential spending, debt payments or taxes go unfunded; a research mode's when
    the rule's draw does.
    """
    bal, liquid, _, _, _, weights = accounts
    portfolio, portfolio_real, income_row, withdrawals_row, taxes_row = rows
    outcome_rows, failed, depletion = outcome
    stock, bond, inflation = returns
    price = carry[PRICE, p]
    gross, tax = scratch[p, GROSS], scratch[p, TAX]
    shortfall = maximum(scratch[p, REMAINING], 0.0)
    obligations = flow[OBLIGATIONS, c]
    spent = scratch[p, NET_INCOME] + gross - tax - obligations - scratch[p, SAVE]
    unfunded = shortfall if research else maximum(shortfall - scratch[p, TARGET_DISC], 0.0)
    record_one(
        t,
        p,
        spent,
        scratch[p, ESSENTIAL],
        scratch[p, STATED_DISC],
        unfunded,
        price,
        outcome_rows,
        failed,
        depletion,
    )
    income_row[t, p] = scratch[p, INCOME]
    withdrawals_row[t, p] = gross
    taxes_row[t, p] = scratch[p, INCOME_TAX] + tax

    # Rebalancing to each asset's allocation every year makes its return the weighted mix.
    before = liquid_sum(bal, liquid, p)
    for j in range(bal.shape[0]):
        mix = weights[0, j] * stock + weights[1, j] * bond + weights[2, j] * inflation
        bal[j, p] *= 1.0 + mix
    after = liquid_sum(bal, liquid, p)
    carry[LAST_RETURN, p] = (after / before if before > 0.0 else 1.0) - 1.0
    price_next = price * (1.0 + inflation)
    carry[PRICE, p] = price_next
    portfolio[t + 1, p] = after
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
    stock, bond and inflation returns, year-major (years, paths); `rows` the kernel's (rows, paths)
    portfolio, real portfolio, income, withdrawals and taxes, of which the year writes row
    t and the next row's portfolio; `scratch` (paths, SCRATCH_ROWS) working space. Three
    passes, not one: the draw stops before an account only when no path needs it (_draw).
    """
    flow, contributions, column, per_column = flows
    research = policy[1]
    stock, bond, inflation = returns
    portfolio = rows[0]
    largest = 0.0
    for p in range(scratch.shape[0]):
        draw = _before_draw(
            p,
            flow,
            contributions,
            column,
            per_column,
            tax_rate,
            accounts,
            policy,
            portfolio[t, p],
            carry[PRICE, p],
            scratch,
        )
        largest = _largest(largest, draw) if p else draw
    _draw(accounts, tax_rate, largest, scratch)
    for p in range(scratch.shape[0]):
        _after_draw(
            t,
            p,
            flow,
            column[p],
            accounts,
            research,
            carry,
            (stock[t, p], bond[t, p], inflation[t, p]),
            rows,
            outcome,
            scratch,
        )
