"""The kernel's year loop under the flat tax regime (engine 1's rule): one compiled call a year.

Each year every path's flows, spending policy, draw, outcome and returns are computed by
flat_year.run_year (compiled: a few loops over the paths, most vectorised). What stays
here, in numpy, is what a year does on every path at once and rarely: a home sale
(home_sale.py), a research mode's withdrawal rule (strategies.py), the policy's facts of
the year and the states kept for other plans (resume.py), as in the `us` kernel.
"""

from __future__ import annotations

import numpy as np

from .flat_year import CARRY_ROWS, LAST_RETURN, PRICE, SCRATCH_ROWS, run_year
from .home_sale import sell_homes
from .kernel import ANYONE, BoolArray, KernelInputs, KernelOutput, policy_period
from .resume import YearState, kept_state, restored
from .returns import ReturnPaths
from .spending import Outcome, Policy, paths_of, plain, research_withdrawal
from .strategies import RESEARCH, RMD_BASED, StrategyState


def simulate_flat(
    inputs: KernelInputs,
    returns: ReturnPaths,
    *,
    resume: YearState | None = None,
    keep: frozenset[int] = frozenset(),
) -> KernelOutput:
    """Run every path through the plan's cash flows, taxed at the flat rate (kernel.simulate)."""
    n, paths = inputs.years, returns.paths
    if returns.years < n:
        raise ValueError(f"return matrices cover {returns.years} years; the plan needs {n}")
    fl, strat = inputs.flows, inputs.strategy
    liquid_rows = np.flatnonzero(inputs.liquid).astype(np.int64)
    sale_rows = {sale.row for sale in inputs.sales}
    gains = np.zeros((n, paths)) if sale_rows else None
    per_column = fl.column is not None
    column = np.zeros(paths, dtype=np.int64) if fl.column is None else fl.column.astype(np.int64)
    no_contributions = np.zeros((0, 1))

    bal = np.repeat(inputs.balances.astype(np.float64)[:, None], paths, axis=1)
    # The price index and last year's liquid return, updated in place by each year.
    carry = np.empty((CARRY_ROWS, paths))
    carry[PRICE], carry[LAST_RETURN] = 1.0, 0.0
    price, last_return = carry[PRICE], carry[LAST_RETURN]
    shape = (n + 1, paths)
    portfolio, portfolio_real = np.zeros(shape), np.zeros(shape)
    income_out, withdrawals_out, taxes_out = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    outcome = Outcome(np.zeros(shape))
    state: StrategyState | None = None
    policy = Policy(strat, paths)
    research = strat.name in RESEARCH
    rmd_based = strat.name == RMD_BASED
    ones, zeros = np.ones(paths), np.zeros(paths)  # never written
    kept: dict[int, YearState] = {}
    weights = np.stack([inputs.stock_weight, inputs.bond_weight, inputs.inflation_weight])
    accounts = (
        bal,
        liquid_rows,
        np.asarray(inputs.withdrawal_order, dtype=np.int64),
        np.require(inputs.tax_deferred, np.bool_, ("C", "W")),
        int(inputs.savings_index),
        plain(weights),
    )
    # Year-major copies: a year reads one contiguous row of each (read in place from the
    # (paths, years) matrices, a path-year each a cache line of its own, the kernel took
    # twice the time: issue 17).
    stock, bond, inflation = (
        plain(np.ascontiguousarray(m[:, :n].T))
        for m in (returns.stock, returns.bond, returns.inflation)
    )
    rows = (portfolio, portfolio_real, income_out, withdrawals_out, taxes_out)
    outcomes = (outcome.rows, outcome.failed, outcome.depletion)
    scratch = np.empty((SCRATCH_ROWS, paths))
    first = 0 if resume is None else resume.row
    if resume is not None:
        bal[:], price[:], last_return[:] = resume.balances, resume.price, resume.last_return
        state = restored(resume, policy, outcome)
    # Later rows' portfolios are written by the year before (run_year: after its returns).
    portfolio[first] = bal[liquid_rows].sum(axis=0)
    portfolio_real[first] = portfolio[first] / price

    for t in range(first, n + 1):
        port = portfolio[t]
        if t in keep:
            kept[t] = kept_state(
                t,
                balances=bal,
                price=price,
                last_return=last_return,
                policy=policy,
                outcome=outcome,
                withdrawal=state,
                portfolio=(port, portfolio_real[t]),
            )
        if t == n:
            break  # the last row: what is left
        if t in sale_rows and gains is not None:
            someone: BoolArray | None = None
            if per_column:
                someone = fl.table[t, ANYONE][column] > 0.0
            sell_homes(inputs, t, bal, someone, gains)
        retired = t >= inputs.retirement_index
        withdrawal = zeros
        spending_year: tuple[int, bool, bool, int, float]
        if retired and research:
            state, withdrawal = research_withdrawal(
                strat,
                state,
                t,
                portfolio=port,
                price=price,
                inflation=returns.inflation,
                last_return=last_return,
                years_left=n - t,
            )
            spending_year = (policy.code, retired, False, n - t, 0.0)  # unread: the rule acts
        else:
            spending_year = policy.year(retired=retired, years_left=n - t)
        period = paths_of(policy_period(inputs, t), paths) if rmd_based else ones
        run_year(
            t,
            (
                plain(fl.table[t]),
                plain(fl.contributions[:, t]) if fl.contributing[t] else no_contributions,
                column,
                per_column,
            ),
            float(inputs.income_tax_rate),
            accounts,
            (spending_year, retired and research, policy.vector, policy.state, period, withdrawal),
            carry,
            (stock, bond, inflation),
            rows,
            outcomes,
            scratch,
        )

    return KernelOutput.of(
        inputs,
        outcome,
        portfolio=portfolio,
        portfolio_real=portfolio_real,
        income=income_out,
        withdrawals=withdrawals_out,
        taxes=taxes_out,
        home_sale_gains=gains,
        first_row=first,
        kept=kept,
    )
