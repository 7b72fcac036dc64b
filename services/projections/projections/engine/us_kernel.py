"""The kernel's year loop under `tax.regime: us` (DESIGN §6.4; ENGINE.md "Taxes in the kernel").

The same cash flows as the flat kernel (kernel.py), with the year's taxes computed by the US
rules on every path: incomes by kind, pre-tax deferrals, investment income of taxable accounts,
RMDs, Roth conversions, realised gains by average cost, a home sale's gain, and a draw grossed
up so that spending after all taxes is met. The flat regime never comes here.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import numpy as np

from .kernel import (
    ANYONE,
    DISCRETIONARY_INDEXED,
    DISCRETIONARY_NOMINAL,
    BoolArray,
    FloatArray,
    KernelInputs,
    KernelOutput,
    policy_period,
    sell_homes,
)
from .returns import ReturnPaths
from .spending import Outcome, Policy
from .strategies import NEEDS, RESEARCH, RMD_BASED, StrategyState, first_withdrawal, next_withdrawal
from .tax.federal import Ages
from .tax.grossup import solve_grossup
from .tax.irmaa import irmaa_surcharge
from .tax.payroll import payroll_tax
from .tax.state import state_tax
from .us_inputs import (
    AGE_HEAD,
    AGE_SPOUSE,
    CASH,
    DEFER0,
    DEFER1,
    DEFERRED,
    ENROLLEES,
    FREE,
    JOINT,
    ORDERS,
    ORDINARY_IDX,
    ORDINARY_NOM,
    SOCIAL_SECURITY,
    TAXABLE,
    WAGE0_IDX,
    WAGE0_NOM,
    WAGE1_IDX,
    WAGE1_NOM,
)
from .us_taxes import YearBase, bracket_room
from .withdrawals import (
    apply,
    draw_taxes,
    free_prefix,
    income_of,
    segments,
    take_in_turn,
)

KIND_NAMES = {CASH: "cash", TAXABLE: "taxable", DEFERRED: "tax_deferred", FREE: "tax_free"}


def _ages(value: FloatArray | np.float64) -> Ages:
    """Return ages per path, or one int when every path shares them (fixed lives)."""
    if np.ndim(value) == 0:
        return int(value)
    per_path: FloatArray = np.asarray(value, dtype=np.float64)
    return per_path


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
    order = ORDERS[us.order]
    kinds = us.kinds
    liquid_rows = np.flatnonzero(inputs.liquid)
    taxable_rows = np.flatnonzero(kinds == TAXABLE)
    cash_rows = np.flatnonzero(kinds == CASH)
    deferred_rows = [int(j) for j in np.flatnonzero(kinds == DEFERRED)]
    dividend_w = (inputs.stock_weight[taxable_rows] * us.dividend_yield)[:, None]
    bond_w = inputs.bond_weight[taxable_rows][:, None]
    sw, bw, iw = (
        w[:, None] for w in (inputs.stock_weight, inputs.bond_weight, inputs.inflation_weight)
    )
    savings_taxable = kinds[inputs.savings_index] == TAXABLE
    proceeds_taxable = kinds[inputs.proceeds_index] == TAXABLE
    sale_rows = {sale.row for sale in inputs.sales}
    gains = np.zeros((n, paths))

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
    iterations = [0, 0, 0]  # max, sum, solved path-years
    rec: dict[str, list[FloatArray]] = defaultdict(list)
    someone: BoolArray | None = None
    zeros = np.zeros(paths)  # read-only: never written in place

    for t in range(n):
        stock_t = np.ascontiguousarray(returns.stock[:, t])
        bond_t = np.ascontiguousarray(returns.bond[:, t])
        infl_t = np.ascontiguousarray(returns.inflation[:, t])
        port = bal[liquid_rows].sum(axis=0)
        portfolio[t] = port
        portfolio_real[t] = port / price
        if fl.column is None:
            flow = fl.table[t, :, 0]
            tx = us.table[t, :, 0]
            rmd_factor = us.rmd_factor[:, t, 0][:, None]
        else:
            flow = np.take(fl.table[t], fl.column, axis=1)
            tx = np.take(us.table[t], fl.column, axis=1)
            rmd_factor = np.take(us.rmd_factor[:, t], fl.column, axis=1)
            someone = flow[ANYONE] > 0.0
        inc_nom, inc_idx, _, _, exp_nom, exp_idx, obligations = flow[:ANYONE]
        if record:
            rec["balances"].append(np.stack([bal[kinds == k].sum(axis=0) for k in KIND_NAMES]))
        if t in sale_rows:
            before = bal[inputs.proceeds_index].copy()
            sell_homes(inputs, t, bal, someone, gains)
            if proceeds_taxable:
                basis[inputs.proceeds_index] += bal[inputs.proceeds_index] - before
        income = inc_nom + inc_idx * price
        index = us.index0 * price
        law = us.laws[t]
        wages0 = tx[WAGE0_NOM] + tx[WAGE0_IDX] * price
        wages1 = tx[WAGE1_NOM] + tx[WAGE1_IDX] * price
        # Pre-tax deferrals lower income-tax wages (never below zero), not payroll wages.
        deferred_pay = np.minimum(tx[DEFER0], wages0) + np.minimum(tx[DEFER1], wages1)

        # Taxable accounts' income of the year, on the start-of-year balance: the stock
        # share's dividend yield (qualified) and the bond share's return (interest; none when
        # negative); cash earns inflation as interest. Reinvested, it adds to the basis.
        held = bal[taxable_rows]
        acc_dividends = held * dividend_w
        acc_interest = held * bond_w * np.maximum(bond_t, 0.0)
        cash_interest = bal[cash_rows].sum(axis=0) * np.maximum(infl_t, 0.0)
        if someone is not None:
            acc_dividends = np.where(someone, acc_dividends, 0.0)
            acc_interest = np.where(someone, acc_interest, 0.0)
            cash_interest = np.where(someone, cash_interest, 0.0)
        basis[taxable_rows] += acc_dividends + acc_interest
        dividends = acc_dividends.sum(axis=0)
        interest = acc_interest.sum(axis=0) + cash_interest

        # RMDs: last year-end's balance (before this year's contributions) ÷ the period.
        rmd = np.zeros(paths)
        for j in deferred_rows:
            due = bal[j] * rmd_factor[j]
            bal[j] -= due
            rmd += due
        if fl.contributing[t]:
            if fl.column is None:
                added = fl.contributions[:, t, 0, None]
            else:
                added = np.take(fl.contributions[:, t], fl.column, axis=1)
            bal += added
            basis[taxable_rows] += added[taxable_rows]
            contributed = np.broadcast_to(added.sum(axis=0), (paths,))
        else:
            contributed = np.zeros(paths)
        joint = tx[JOINT]
        # One filing status for every path (always so with fixed lives) takes the fast path.
        uniform = np.ndim(joint) == 0 or bool(joint.min() == joint.max())
        status = int(np.max(joint)) if uniform else joint.astype(np.intp)
        base = YearBase(
            law=law,
            status=status,
            index=index,
            age_head=_ages(tx[AGE_HEAD]),
            age_spouse=_ages(tx[AGE_SPOUSE]),
            wages=wages0 + wages1 - deferred_pay + zeros,
            interest=interest,
            ordinary=tx[ORDINARY_NOM] + tx[ORDINARY_IDX] * price + rmd,
            dividends=dividends,
            gains=gains[t],
            social_security=tx[SOCIAL_SECURITY] * price,
            state_rate=us.state_rate,
        )

        # Roth conversions fill the chosen bracket with the income known before the draw.
        converted = np.zeros(paths)
        before_conversion: FloatArray | None = None
        if us.convert_rows[t] and us.conversion_target >= 0 and deferred_rows:
            before_conversion = base.variable()
            cap = bal[deferred_rows].sum(axis=0)
            if someone is not None:
                cap = np.where(someone, cap, 0.0)
            converted = bracket_room(base, us.convert_top, cap)
            take_in_turn(bal, deferred_rows, converted)
            bal[us.conversion_target] += converted
            base = dataclasses.replace(base, ordinary=base.ordinary + converted)

        # Retired and pre-Medicare rows skip the rules that cannot apply on any path.
        payroll = zeros
        if np.any(tx[WAGE0_NOM] + tx[WAGE0_IDX] + tx[WAGE1_NOM] + tx[WAGE1_IDX]):
            payroll = payroll_tax(
                law, base.status, index, wages_head=wages0 + zeros, wages_spouse=wages1
            ).total
        at_zero = base.federal()
        if not magi:
            # Before the plan: the first row's AGI before the draw stands for the two years.
            magi = [at_zero.agi, at_zero.agi]
        irmaa = zeros
        if np.any(tx[ENROLLEES]):
            irmaa = irmaa_surcharge(
                us.irmaa,
                base.status,
                index,
                magi_two_years_before=magi[-2],
                enrollees=np.broadcast_to(tx[ENROLLEES], (paths,)),
            )
        fixed = payroll + irmaa
        tax0 = at_zero.total + state_tax(
            us.state_rate, at_zero.agi, at_zero.taxable_social_security
        )

        stated = exp_nom + exp_idx * price
        stated_disc = flow[DISCRETIONARY_NOMINAL] + flow[DISCRETIONARY_INDEXED] * price
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
            if someone is not None:
                target = np.where(someone, target, 0.0)
            essential_target, must_fund = stated - stated_disc, target
        need = target + obligations - income - rmd + tax0 + fixed
        save = np.maximum(-need, 0.0)
        need = np.maximum(need, 0.0)
        # What is not spent (an RMD's unspent part included) is saved after tax.
        bal[inputs.savings_index] += save
        if savings_taxable:
            basis[inputs.savings_index] += save

        # The conversion's tax (the tax it adds at a zero draw) comes from cash, then taxable.
        first = None
        if before_conversion is not None:
            first = np.where(converted > 0.0, np.maximum(tax0 - before_conversion, 0.0), 0.0)
        room = None
        if order == "bracket_fill" and deferred_rows:
            room = bracket_room(base, us.fill_top, bal[deferred_rows].sum(axis=0))
        segs = segments(order, bal, basis, kinds, room, first)
        draw = need.copy()
        capped = np.zeros(paths, dtype=np.bool_)
        solve = np.flatnonzero(need > free_prefix(segs))
        if solve.size:
            sub = base.subset(solve)
            sub_room = None if room is None else room[solve]
            sub_first = None if first is None else first[solve]
            sub_segs = segments(order, bal[:, solve], basis[:, solve], kinds, sub_room, sub_first)

            tax_at, restrict = draw_taxes(sub, sub_segs)
            cap = bal[liquid_rows][:, solve].sum(axis=0)
            solved = solve_grossup(
                need[solve],
                tax_at,
                cap=cap,
                guess=need[solve] * ratio[solve],
                base=tax0[solve],
                restrict=restrict,
            )
            draw[solve] = solved.draw
            capped[solve] = solved.capped
            ratio[solve] = np.where(need[solve] > 0.0, solved.draw / need[solve], 1.0)
            iterations[0] = max(iterations[0], int(solved.iterations.max()))
            iterations[1] += int(solved.iterations.sum())
            iterations[2] += solve.size
        # Paths drawing only untaxed money keep the taxes at a zero draw; the others are
        # evaluated again at their solved draw, for the parts (federal, state) and the AGI.
        federal = at_zero.total
        agi = at_zero.agi
        taxable_ss = at_zero.taxable_social_security
        realised = np.zeros(paths)
        taxable_income = at_zero.taxable_income
        if solve.size:
            # The solver's last evaluation is the draw's federal + state tax; only the AGI
            # (for the state's share and IRMAA's history) is worked out again, without brackets.
            drawn_ordinary, drawn_gains = income_of(sub_segs, draw[solve])
            agi_s, taxable_ss_s = sub.agi(drawn_ordinary, drawn_gains)
            federal, agi, taxable_ss = (a.copy() for a in (federal, agi, taxable_ss))
            agi[solve] = agi_s
            taxable_ss[solve] = taxable_ss_s
            federal[solve] = (
                tax0[solve] + solved.tax_delta - state_tax(us.state_rate, agi_s, taxable_ss_s)
            )
            realised[solve] = drawn_gains
            if record:
                taxable_income = taxable_income.copy()
                taxable_income[solve] = sub.federal(drawn_ordinary, drawn_gains).taxable_income
        taken = apply(segs, draw, bal, basis, kinds)
        state_due = state_tax(us.state_rate, agi, taxable_ss)
        taxes = federal + state_due + fixed
        magi.append(agi)

        spent = income + rmd + draw - taxes - obligations - save
        # A capped draw (assets exhausted) leaves part of the target unfunded: discretionary
        # spending first, then essential spending (a failure; research modes: the rule's draw).
        unfunded = zeros
        if capped.any():
            unfunded = np.where(capped, np.maximum(must_fund - spent, 0.0), 0.0)
        short = outcome.record(
            t,
            spent=np.maximum(spent, 0.0, out=spending_out[t]),
            essential_target=essential_target,
            stated_discretionary=stated_disc,
            unfunded=unfunded,
            price=price,
        )
        newly = short & ~failed
        depletion[newly] = t
        failed |= newly
        income_out[t] = income
        withdrawals_out[t] = rmd + draw
        taxes_out[t] = taxes
        rmd_out[t] = rmd
        conversions_out[t] = converted
        if record:
            gathered = (
                us.detail_table[t, :, 0][:, None]
                if fl.column is None
                else np.take(us.detail_table[t], fl.column, axis=1)
            )
            rec["incomes"].append(gathered[0::2] + gathered[1::2] * price)
            by_kind = np.stack([taken[kinds == k].sum(axis=0) for k in KIND_NAMES])
            by_kind[list(KIND_NAMES).index(DEFERRED)] += rmd  # RMDs come from tax_deferred
            rec["withdrawals"].append(by_kind)
            for name, value in (
                ("income", income),
                ("rmd", rmd),
                ("roth_conversion", converted),
                ("realised_gains", realised + gains[t]),
                ("dividends", dividends),
                ("interest", interest),
                ("federal", federal),
                ("state", state_due),
                ("payroll", payroll),
                ("irmaa", irmaa),
                ("spending", np.maximum(spent, 0.0)),
                ("essential_spending", spending_out[t] - outcome.discretionary[t]),
                ("discretionary_spending", outcome.discretionary[t]),
                ("unfunded", np.maximum(-spent, 0.0)),
                ("contributions", contributed),
                ("debt_payments", obligations - contributed),
                ("savings", save),
                ("agi", agi),
                ("taxable_income", taxable_income),
            ):
                rec[name].append(np.broadcast_to(value, (paths,)).copy())

        before = bal[liquid_rows].sum(axis=0)
        bal *= 1.0 + (sw * stock_t + bw * bond_t + iw * infl_t)
        after = bal[liquid_rows].sum(axis=0)
        last_return = np.divide(after, before, out=np.ones(paths), where=before > 0.0) - 1.0
        price = price * (1.0 + infl_t)
        last_infl = infl_t

    port = bal[liquid_rows].sum(axis=0)
    portfolio[n] = port
    portfolio_real[n] = port / price
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
        grossup=(iterations[0], iterations[1], iterations[2]),
        record={name: np.stack(values) for name, values in rec.items()} if record else None,
        outcome=outcome,
    )
