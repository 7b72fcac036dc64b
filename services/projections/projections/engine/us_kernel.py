"""The kernel's year loop under `tax.regime: us` (DESIGN §6.4; ENGINE.md "Taxes in the kernel").

The same cash flows as the flat kernel (kernel.py), with the year's taxes computed by the US
rules on every path: incomes by kind, pre-tax deferrals, investment income of taxable accounts,
RMDs, Roth conversions, realised gains by average cost, a home sale's gain, and a draw grossed
up so that spending after all taxes is met. The flat regime never comes here. The per-path
work of a year is compiled (us_year.py, us_draw.py): taxes, the spending policy and outcome
(spending_rules.py, the flat kernel's rules), the draw and the returns; a research mode's
withdrawal (strategies.py) stays numpy, as in the flat kernel.
"""

from __future__ import annotations

from collections import defaultdict, deque

import numpy as np

from .home_sale import sell_homes
from .kernel import (
    ANYONE,
    BoolArray,
    FloatArray,
    IntArray,
    KernelInputs,
    KernelOutput,
    policy_period,
)
from .resume import YearState, kept_state, restored
from .returns import ReturnPaths
from .spending import Outcome, Policy, paths_of, plain, research_withdrawal
from .strategies import RESEARCH, RMD_BASED, StrategyState
from .us_draw import (
    AGI,
    DRAW_ROWS,
    FEDERAL,
    REALISED,
    SAVE,
    SPENT,
    STATE,
    TAXABLE_INCOME,
)
from .us_inputs import CASH, DEFERRED, FREE, TAXABLE, detail_table
from .us_run import run_year
from .us_taxes import BASE_ROWS
from .us_year import (
    AGI0,
    CONTRIBUTED,
    CONVERTED,
    DIVIDENDS_OUT,
    DUE,
    INCOME,
    INTEREST_OUT,
    IRMAA,
    PAYROLL,
    RMD,
    YEAR_ROWS,
)
from .withdrawals import BRACKET_FILL, liquid_order, scratch

KIND_NAMES = {CASH: "cash", TAXABLE: "taxable", DEFERRED: "tax_deferred", FREE: "tax_free"}


def _total(accounts: FloatArray, rows: IntArray | BoolArray) -> FloatArray:
    """Return the sum of some accounts per path, row after row (as numpy sums C-order rows).

    The accounts are path-major: summed as they lie, numpy would add a path's accounts
    pairwise, whose last bits can differ.
    """
    total: FloatArray = np.ascontiguousarray(accounts[rows]).sum(axis=0)
    return total


def simulate_us(
    inputs: KernelInputs,
    returns: ReturnPaths,
    *,
    record: bool = False,
    resume: YearState | None = None,
    keep: frozenset[int] = frozenset(),
) -> KernelOutput:
    """Run every path through the plan's cash flows with US taxes (inputs.us must be set).

    `resume` and `keep` as kernel.simulate's; a resumed run records nothing.
    """
    us = inputs.us
    assert us is not None
    n, paths = inputs.years, returns.paths
    if returns.years < n:
        raise ValueError(f"return matrices cover {returns.years} years; the plan needs {n}")
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

    # What the compiled year works on is path-major, (paths, accounts or rows): a path's
    # accounts, tax base and rows lie side by side, a few cache lines a path rather than one
    # per account and row (session 6: 13 % less CPU time). Here they are seen through their
    # transposes, (accounts or rows, paths), as the numpy code reads them.
    by_path = np.repeat(inputs.balances.astype(np.float64)[None, :], paths, axis=0)
    basis_by_path = np.repeat(us.basis[None, :], paths, axis=0)
    bal, basis = by_path.T, basis_by_path.T
    price = np.ones(paths)
    shape = (n + 1, paths)
    portfolio, portfolio_real = np.zeros(shape), np.zeros(shape)
    income_out, withdrawals_out, taxes_out = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    rmd_out, conversions_out = np.zeros(shape), np.zeros(shape)
    outcome = Outcome(np.zeros(shape))
    spending_out = outcome.spending
    state: StrategyState | None = None
    policy = Policy(strat, paths)
    research = strat.name in RESEARCH
    rmd_based = strat.name == RMD_BASED
    ones = np.ones(paths)  # never written: rmd_based's period when the policy is another
    last_return = np.zeros(paths)
    ratio = np.ones(paths)  # last year's draw ÷ need: the gross-up's warm start
    # AGI of the last two rows (IRMAA looks two years back). Two, not every row: arrays kept
    # for the whole plan grew the heap a row at a time, and the allocator gave it back to
    # the system after each plan, so a compare's next plan faulted it in again (session 7).
    magi: deque[FloatArray] = deque(maxlen=2)
    iterations = np.zeros(3, dtype=np.int64)  # max, sum, solved path-years
    rec: dict[str, list[FloatArray]] = defaultdict(list)
    details = detail_table(us.incomes, n, fl.table.shape[2]) if record else np.zeros((n, 0, 0))
    zeros = np.zeros(paths)  # read-only: never written in place
    base = np.zeros((paths, BASE_ROWS))
    year_by_path, drawn_by_path = np.zeros((paths, YEAR_ROWS)), np.zeros((paths, DRAW_ROWS))
    taken_by_path = np.zeros_like(by_path)
    year, drawn, taken = year_by_path.T, drawn_by_path.T, taken_by_path.T
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

    first = 0 if resume is None else resume.row
    port = portfolio[first]
    if resume is None:
        port[:] = _total(bal, liquid_rows)
        portfolio_real[0] = port / price
    else:
        assert resume.us is not None and not record
        by_path[:], basis_by_path[:], ratio[:] = resume.balances, resume.us[0], resume.us[1]
        magi.extend(agi.copy() for agi in resume.us[2])
        iterations[:] = resume.us[3]
        price, last_return = resume.price.copy(), resume.last_return.copy()
        state = restored(resume, policy, outcome)
        port[:], portfolio_real[first] = resume.portfolio
    kept: dict[int, YearState] = {}
    matrices = (returns.stock, returns.bond, returns.inflation)
    for t in range(first, n + 1):
        if t in keep:
            kept[t] = kept_state(
                t,
                balances=by_path,
                price=price,
                last_return=last_return,
                policy=policy,
                outcome=outcome,
                withdrawal=state,
                portfolio=(port, portfolio_real[t]),
                us=(basis_by_path, ratio, tuple(magi), iterations),
            )
        if t == n:
            break  # the last row: what is left
        if record:
            rec["balances"].append(np.stack([_total(bal, kinds == k) for k in KIND_NAMES]))
        if t in sale_rows:
            someone = fl.table[t, ANYONE][column] > 0.0 if per_column else None
            proceeds_before = bal[inputs.proceeds_index].copy()
            sell_homes(inputs, t, bal, someone, gains)
            if kinds[inputs.proceeds_index] == TAXABLE:
                basis[inputs.proceeds_index] += bal[inputs.proceeds_index] - proceeds_before
        converts = bool(us.convert_rows[t] and us.conversion_target >= 0 and deferred.size)
        retired = t >= inputs.retirement_index
        withdrawal = zeros
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
        period = paths_of(policy_period(inputs, t), paths) if rmd_based else ones
        # Fresh arrays for what the strategies may keep from one year to the next.
        price_next, last_return = np.empty(paths), np.empty(paths)
        before = (
            plain(fl.table[t]),
            plain(us.table[t]),
            plain(us.rmd_factor[t]),
            plain(fl.contributions[:, t]) if fl.contributing[t] else no_contributions,
            column,
            per_column,
            price,
            by_path,
            basis_by_path,
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
            year_by_path,
            record,
        )
        after = (
            int(us.order),
            accounts,
            (
                policy.year(retired=retired, years_left=n - t),
                retired and research,
                per_column,
                policy.vector,
                policy.state,
                (port, period, withdrawal),
            ),
            converts,
            fill,
            ratio,
            segs,
            taken_by_path,
            drawn_by_path,
            (price, price_next, last_return, portfolio[t + 1], portfolio_real[t + 1]),
            (income_out[t], withdrawals_out[t], taxes_out[t], rmd_out[t], conversions_out[t]),
            iterations,
            (t, outcome.rows, outcome.failed, outcome.depletion),
        )
        # Each year's returns are gathered as the year starts (run_year says why), not
        # copied year-major up front as the flat kernel does: the copies' 24 bytes a
        # path-year are what the largest plans cannot spare (compute_worker_memory_mb).
        stock_t, bond_t, inflation_t = (np.ascontiguousarray(m[:, t]) for m in matrices)
        converged = run_year(before, after, (stock_t, bond_t, inflation_t))
        if not magi:
            # Before the plan: the first row's AGI before the draw stands for the two years.
            magi.extend((year[AGI0].copy(), year[AGI0].copy()))
        income, rmd, obligations = year[INCOME], year[RMD], year[DUE]
        if not converged:
            raise ArithmeticError("gross-up did not converge")
        agi, spent = drawn[AGI].copy(), drawn[SPENT]
        magi.append(agi)
        if record:
            gathered = np.take(details[t], column, axis=1)
            rec["incomes"].append(gathered[0::2] + gathered[1::2] * price)
            by_kind = np.stack([_total(taken, kinds == k) for k in KIND_NAMES])
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

    if record:
        rec["balances"].append(np.stack([_total(bal, kinds == k) for k in KIND_NAMES]))
    return KernelOutput.of(
        inputs,
        outcome,
        portfolio=portfolio,
        portfolio_real=portfolio_real,
        income=income_out,
        withdrawals=withdrawals_out,
        taxes=taxes_out,
        home_sale_gains=gains if sale_rows else None,
        rmd=rmd_out,
        conversions=conversions_out,
        grossup=(int(iterations[0]), int(iterations[1]), int(iterations[2])),
        record={name: np.stack(values) for name, values in rec.items()} if record else None,
        first_row=first,
        kept=kept,
    )
