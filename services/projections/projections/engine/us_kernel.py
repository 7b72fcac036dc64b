"""The kernel's year loop under `tax.regime: us` (DESIGN §6.4; ENGINE.md "Taxes in the kernel").

The same cash flows as the flat kernel (kernel.py), with the year's taxes computed by the US
rules on every path: incomes by kind, pre-tax deferrals, investment income of taxable accounts,
RMDs, Roth conversions, realised gains by average cost, a home sale's gain, and a draw grossed
up so that spending after all taxes is met. The flat regime never comes here. The per-path
tax and draw work of a year is compiled (us_year.py); the spending policy, the outcome and
the returns stay numpy, as in the flat kernel.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .kernel import (
    ANYONE,
    FloatArray,
    KernelInputs,
    KernelOutput,
    policy_period,
    sell_homes,
)
from .returns import ReturnPaths
from .spending import Outcome, Policy
from .strategies import NEEDS, RESEARCH, RMD_BASED, StrategyState, first_withdrawal, next_withdrawal
from .us_inputs import CASH, DEFERRED, FREE, TAXABLE
from .us_taxes import BASE_ROWS
from .us_year import (
    AGI,
    AGI0,
    CONTRIBUTED,
    CONVERTED,
    DIVIDENDS_OUT,
    DRAW_ROWS,
    DUE,
    FEDERAL,
    FIXED,
    INCOME,
    INTEREST_OUT,
    IRMAA,
    PAYROLL,
    REALISED,
    RMD,
    SAVE,
    SOMEONE,
    SPENT,
    STATE,
    STATED,
    STATED_DISCRETIONARY,
    TAX0,
    TAXABLE_INCOME,
    UNFUNDED,
    YEAR_ROWS,
    before_draw,
    draw,
)
from .withdrawals import BRACKET_FILL, liquid_order, scratch

KIND_NAMES = {CASH: "cash", TAXABLE: "taxable", DEFERRED: "tax_deferred", FREE: "tax_free"}


def _plain(values: FloatArray) -> FloatArray:
    """Return a writeable C-contiguous float64 array (a copy only when it is not one already).

    numba compiles one version of a function per argument type, and layout and read-only
    are part of an array's type: the kernel passes the same types on every plan, so the
    version compiled when a worker starts (warm.py) is the only one ever needed.
    """
    return np.require(values, np.float64, ("C", "W"))


def simulate_us(
    inputs: KernelInputs, returns: ReturnPaths, *, record: bool = False
) -> KernelOutput:
    """Run every path through the plan's cash flows with US taxes (inputs.us must be set)."""
    us = inputs.us
    assert us is not None
    n, paths = inputs.years, returns.paths
    if returns.years < n:
        raise ValueError(f"return matrices cover {returns.years} years; the plan needs {n}")
    # Each year's returns are gathered as the year starts (a few strided reads a year, small
    # beside the year's tax work) rather than copied year-major up front as the flat kernel
    # does: the copies' 24 bytes a path-year are what the largest plans cannot spare
    # (settings.compute_worker_memory_mb).
    last_infl = np.zeros(paths)
    fl, strat = inputs.flows, inputs.strategy
    kinds = np.ascontiguousarray(us.kinds, dtype=np.int64)
    liquid_rows = np.flatnonzero(inputs.liquid).astype(np.int64)
    liquid = liquid_order(kinds)
    deferred = np.flatnonzero(kinds == DEFERRED).astype(np.int64)
    taxable = kinds == TAXABLE
    dividend_w = np.where(taxable, inputs.stock_weight * us.dividend_yield, 0.0)
    bond_w = np.where(taxable, inputs.bond_weight, 0.0)
    savings_taxable = kinds[inputs.savings_index] == TAXABLE
    sale_rows = {sale.row for sale in inputs.sales}
    gains = np.zeros((n, paths))
    column = np.zeros(paths, dtype=np.int64) if fl.column is None else fl.column.astype(np.int64)
    per_column = fl.column is not None
    no_contributions = np.zeros((0, 1))
    fill = int(us.fill_top) if us.order == BRACKET_FILL and deferred.size else -1
    law_vectors = [law.vector for law in us.laws]

    bal = np.repeat(inputs.balances.astype(np.float64)[:, None], paths, axis=1)
    basis = np.repeat(us.basis[:, None], paths, axis=1)
    price = np.ones(paths)
    shape = (n + 1, paths)
    portfolio, portfolio_real = np.zeros(shape), np.zeros(shape)
    income_out, spending_out = np.zeros(shape), np.zeros(shape)
    withdrawals_out, taxes_out = np.zeros(shape), np.zeros(shape)
    rmd_out, conversions_out = np.zeros(shape), np.zeros(shape)
    outcome = Outcome(spending_out)
    failed = np.zeros(paths, dtype=np.bool_)
    depletion = np.full(paths, -1, dtype=np.int64)
    state: StrategyState | None = None
    policy = Policy(strat, paths)
    research = strat.name in RESEARCH
    rmd_based = strat.name == RMD_BASED
    last_return = np.zeros(paths)
    ratio = np.ones(paths)  # last year's draw ÷ need: the gross-up's warm start
    magi: list[FloatArray] = []  # AGI of each past row (IRMAA looks two years back)
    iterations = np.zeros(3, dtype=np.int64)  # max, sum, solved path-years
    rec: dict[str, list[FloatArray]] = defaultdict(list)
    zeros = np.zeros(paths)  # read-only: never written in place
    base = np.zeros((BASE_ROWS, paths))
    year = np.zeros((YEAR_ROWS, paths))
    drawn = np.zeros((DRAW_ROWS, paths))
    taken = np.zeros_like(bal)
    segs = scratch(kinds.size)
    weights = np.stack([inputs.stock_weight, inputs.bond_weight, inputs.inflation_weight])
    accounts = (
        kinds,
        liquid,
        liquid_rows,
        deferred,
        inputs.savings_index,
        bool(savings_taxable),
        np.ascontiguousarray(weights, dtype=np.float64),
    )

    port = portfolio[0]
    port[:] = bal[liquid_rows].sum(axis=0)
    portfolio_real[0] = port / price
    for t in range(n):
        bond_t = np.ascontiguousarray(returns.bond[:, t])
        infl_t = np.ascontiguousarray(returns.inflation[:, t])
        if record:
            rec["balances"].append(np.stack([bal[kinds == k].sum(axis=0) for k in KIND_NAMES]))
        if t in sale_rows:
            someone = fl.table[t, ANYONE][column] > 0.0 if per_column else None
            proceeds_before = bal[inputs.proceeds_index].copy()
            sell_homes(inputs, t, bal, someone, gains)
            if kinds[inputs.proceeds_index] == TAXABLE:
                basis[inputs.proceeds_index] += bal[inputs.proceeds_index] - proceeds_before
        converts = bool(us.convert_rows[t] and us.conversion_target >= 0 and deferred.size)
        before_draw(
            _plain(fl.table[t]),
            _plain(us.table[t]),
            _plain(us.rmd_factor[:, t]),
            _plain(fl.contributions[:, t]) if fl.contributing[t] else no_contributions,
            column,
            per_column,
            price,
            bond_t,
            infl_t,
            bal,
            basis,
            kinds,
            dividend_w,
            bond_w,
            deferred,
            law_vectors[t],
            us.irmaa.vector,
            float(us.index0),
            float(us.state_rate),
            gains[t],
            magi[-2] if magi else zeros,
            not magi,
            (converts, int(us.convert_top), int(us.conversion_target)),
            base,
            year,
            record,
        )
        if not magi:
            # Before the plan: the first row's AGI before the draw stands for the two years.
            magi = [year[AGI0].copy(), year[AGI0].copy()]
        income, rmd, tax0, fixed = year[INCOME], year[RMD], year[TAX0], year[FIXED]
        obligations, stated = year[DUE], year[STATED]
        stated_disc = year[STATED_DISCRETIONARY]
        retired = t >= inputs.retirement_index
        acts = retired and strat.name != NEEDS
        if not (retired and research):
            # Income left for spending before any draw: after the taxes owed at a zero draw
            # (an RMD counts toward a rule's draw, as it leaves the portfolio).
            target, target_disc = policy.targets(
                retired=retired,
                total=stated,
                discretionary=stated_disc,
                available=income - tax0 - fixed if acts else zeros,
                obligations=obligations,
                portfolio=port,
                price=price,
                years_left=n - t,
                period=policy_period(inputs, t) if rmd_based else 1.0,
            )
            essential_target = target - target_disc
            must_fund = essential_target
        else:
            if state is None:
                state = first_withdrawal(strat, port, price)
            else:
                next_withdrawal(
                    strat,
                    state,
                    portfolio=port,
                    last_inflation=last_infl,
                    last_return=last_return,
                    years_left=n - t,
                )
            # The rate sets what the portfolio gives to spend; income left after obligations
            # and the tax it already owes is spent too (the flat kernel's rule).
            target = state.withdrawal + np.maximum(income - obligations - tax0 - fixed, 0.0)
            if per_column:
                target = np.where(year[SOMEONE] > 0.0, target, 0.0)
            essential_target, must_fund = stated - stated_disc, target
        # Fresh arrays for what the strategies may keep from one year to the next.
        price_next, last_return = np.empty(paths), np.empty(paths)
        converged = draw(
            int(us.order),
            accounts,
            law_vectors[t],
            base,
            float(us.state_rate),
            year,
            (
                _plain(np.broadcast_to(target, (paths,))),
                _plain(np.broadcast_to(must_fund, (paths,))),
            ),
            converts,
            fill,
            bal,
            basis,
            ratio,
            segs,
            taken,
            drawn,
            record,
            (np.ascontiguousarray(returns.stock[:, t]), bond_t, infl_t),
            (price, price_next, last_return, portfolio[t + 1], portfolio_real[t + 1]),
            (income_out[t], withdrawals_out[t], taxes_out[t], rmd_out[t], conversions_out[t]),
            iterations,
        )
        if not converged:
            raise ArithmeticError("gross-up did not converge")
        agi, spent = drawn[AGI].copy(), drawn[SPENT]
        magi.append(agi)
        short = outcome.record(
            t,
            spent=np.maximum(spent, 0.0, out=spending_out[t]),
            essential_target=essential_target,
            stated_discretionary=stated_disc,
            unfunded=drawn[UNFUNDED],
            price=price,
        )
        newly = short & ~failed
        depletion[newly] = t
        failed |= newly
        if record:
            gathered = np.take(us.detail_table[t], column, axis=1)
            rec["incomes"].append(gathered[0::2] + gathered[1::2] * price)
            by_kind = np.stack([taken[kinds == k].sum(axis=0) for k in KIND_NAMES])
            by_kind[list(KIND_NAMES).index(DEFERRED)] += rmd  # RMDs come from tax_deferred
            rec["withdrawals"].append(by_kind)
            for name, value in (
                ("income", income),
                ("rmd", rmd),
                ("roth_conversion", year[CONVERTED]),
                ("realised_gains", drawn[REALISED] + gains[t]),
                ("dividends", year[DIVIDENDS_OUT]),
                ("interest", year[INTEREST_OUT]),
                ("federal", drawn[FEDERAL]),
                ("state", drawn[STATE]),
                ("payroll", year[PAYROLL]),
                ("irmaa", year[IRMAA]),
                ("spending", np.maximum(spent, 0.0)),
                ("essential_spending", spending_out[t] - outcome.discretionary[t]),
                ("discretionary_spending", outcome.discretionary[t]),
                ("unfunded", np.maximum(-spent, 0.0)),
                ("contributions", year[CONTRIBUTED]),
                ("debt_payments", obligations - year[CONTRIBUTED]),
                ("savings", drawn[SAVE]),
                ("agi", agi),
                ("taxable_income", drawn[TAXABLE_INCOME]),
            ):
                rec[name].append(np.broadcast_to(value, (paths,)).copy())

        # draw() applied the year's returns and wrote the next row's start.
        price = price_next
        port = portfolio[t + 1]
        last_infl = infl_t

    if record:
        rec["balances"].append(np.stack([bal[kinds == k].sum(axis=0) for k in KIND_NAMES]))
    return KernelOutput(
        portfolio=portfolio,
        portfolio_real=portfolio_real,
        income=income_out,
        spending=spending_out,
        withdrawals=withdrawals_out,
        taxes=taxes_out,
        debt=fl.debt_balance.astype(np.float64),
        failed=failed,
        depletion_index=depletion,
        alive=inputs.alive,
        joint_filing=inputs.joint_filing,
        column=fl.column,
        owners=inputs.owners,
        home_sale_gains=gains if sale_rows else None,
        rmd=rmd_out,
        conversions=conversions_out,
        grossup=(int(iterations[0]), int(iterations[1]), int(iterations[2])),
        record={name: np.stack(values) for name, values in rec.items()} if record else None,
        outcome=outcome,
    )
