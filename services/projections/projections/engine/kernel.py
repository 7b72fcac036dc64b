"""Advance every path one year at a time through the plan's cash flows: the one kernel."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .returns import ReturnPaths
from .strategies import NEEDS, StrategyParams, StrategyState, first_withdrawal, next_withdrawal

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# A shortfall below a millionth of a currency unit is floating-point noise, not a failure.
SHORTFALL_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Flows:
    """Hold the plan's deterministic yearly schedules (length = funded years).

    `*_nominal` amounts are in currency units of that year; `*_indexed` amounts are in
    today's money and get multiplied by each path's price index.
    """

    income_nominal: FloatArray
    income_indexed: FloatArray
    taxable_nominal: FloatArray
    taxable_indexed: FloatArray
    expense_nominal: FloatArray
    expense_indexed: FloatArray
    debt_payment: FloatArray
    debt_balance: FloatArray  # length years + 1: the balance at the start of each row
    contributions: FloatArray  # shape (assets, years)


@dataclass(frozen=True)
class KernelInputs:
    """Hold everything the kernel needs, as plain numbers and numpy arrays."""

    years: int
    retirement_index: int
    balances: FloatArray
    stock_weight: FloatArray
    bond_weight: FloatArray
    inflation_weight: FloatArray
    liquid: BoolArray
    tax_deferred: BoolArray
    withdrawal_order: tuple[int, ...]
    savings_index: int
    flows: Flows
    income_tax_rate: float
    strategy: StrategyParams = field(default_factory=StrategyParams)


@dataclass(frozen=True)
class KernelOutput:
    """Hold per-path results; each money array is shaped (years + 1, paths)."""

    portfolio: FloatArray
    portfolio_real: FloatArray
    income: FloatArray
    spending: FloatArray
    withdrawals: FloatArray
    taxes: FloatArray
    debt: FloatArray  # (years + 1,): debts do not depend on the path
    failed: BoolArray
    depletion_index: IntArray  # row of the first failure, -1 for paths that never fail

    @property
    def success_rate(self) -> float:
        """Return the share of paths that never fail."""
        return float(np.count_nonzero(~self.failed)) / self.failed.size


def _withdraw(
    bal: FloatArray,
    need: FloatArray,
    order: tuple[int, ...],
    tax_deferred: BoolArray,
    tax_rate: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Draw a net amount from the assets in order, in place; return gross, tax and shortfall."""
    remaining = need.copy()
    gross = np.zeros_like(need)
    tax = np.zeros_like(need)
    keep = 1.0 - tax_rate
    for j in order:
        # Most years the first account covers everything; skip the rest once nothing is owed.
        if remaining.max() <= 0.0:
            break
        row = bal[j]
        if tax_deferred[j]:
            # Gross up: taking G from a tax-deferred account leaves G × (1 − t) to spend.
            take = np.minimum(row, remaining / keep)
            got = take * keep
            tax += take - got
        else:
            take = np.minimum(row, remaining)
            got = take
        row -= take
        gross += take
        remaining -= got
    return gross, tax, np.maximum(remaining, 0.0)


def simulate(inputs: KernelInputs, returns: ReturnPaths) -> KernelOutput:
    """Run every path of the return matrices through the plan's cash flows."""
    n, paths = inputs.years, returns.paths
    if returns.years < n:
        raise ValueError(f"return matrices cover {returns.years} years; the plan needs {n}")
    # Year-major copies make each year's slice contiguous for the loop below.
    stock = np.ascontiguousarray(returns.stock[:, :n].T)
    bond = np.ascontiguousarray(returns.bond[:, :n].T)
    infl = np.ascontiguousarray(returns.inflation[:, :n].T)
    fl, tau, strat = inputs.flows, inputs.income_tax_rate, inputs.strategy
    liquid_rows = np.flatnonzero(inputs.liquid)
    n_liquid = liquid_rows.size
    # With the liquid assets first (inputs.py orders them so) their sum needs no fancy-index copy.
    leading = bool(inputs.liquid[:n_liquid].all())
    sw, bw, iw = (
        w[:, None] for w in (inputs.stock_weight, inputs.bond_weight, inputs.inflation_weight)
    )
    contributions_any = fl.contributions.sum(axis=0)

    bal = np.repeat(inputs.balances.astype(np.float64)[:, None], paths, axis=1)
    price = np.ones(paths)
    shape = (n + 1, paths)
    portfolio, portfolio_real = np.zeros(shape), np.zeros(shape)
    income_out, spending_out = np.zeros(shape), np.zeros(shape)
    withdrawals_out, taxes_out = np.zeros(shape), np.zeros(shape)
    failed = np.zeros(paths, dtype=np.bool_)
    depletion = np.full(paths, -1, dtype=np.int64)
    state: StrategyState | None = None
    last_return = np.zeros(paths)
    zeros = np.zeros(paths)

    for t in range(n):
        port = bal[:n_liquid].sum(axis=0) if leading else bal[liquid_rows].sum(axis=0)
        portfolio[t] = port
        portfolio_real[t] = port / price
        income = fl.income_nominal[t] + fl.income_indexed[t] * price
        income_tax = tau * (fl.taxable_nominal[t] + fl.taxable_indexed[t] * price)
        net_income = income - income_tax
        contributed = float(contributions_any[t])
        if contributed:
            bal += fl.contributions[:, t, None]
        obligations = float(fl.debt_payment[t]) + contributed
        if t < inputs.retirement_index or strat.name == NEEDS:
            need = fl.expense_nominal[t] + fl.expense_indexed[t] * price + obligations - net_income
            save = np.maximum(-need, 0.0)
            bal[inputs.savings_index] += save
            draw = np.maximum(need, 0.0)
        else:
            if state is None:
                state = first_withdrawal(strat, port, price)
            else:
                next_withdrawal(
                    strat,
                    state,
                    portfolio=port,
                    last_inflation=infl[t - 1],
                    last_return=last_return,
                    years_left=n - t,
                )
            # The strategy sets spending; obligations beyond income are drawn on top of it.
            draw = state.withdrawal + np.maximum(obligations - net_income, 0.0)
            save = zeros
        gross, withdrawal_tax, shortfall = _withdraw(
            bal, draw, inputs.withdrawal_order, inputs.tax_deferred, tau
        )
        newly = (shortfall > SHORTFALL_TOLERANCE) & ~failed
        depletion[newly] = t
        failed |= newly
        income_out[t] = income
        withdrawals_out[t] = gross
        taxes_out[t] = income_tax + withdrawal_tax
        spent = net_income + gross - withdrawal_tax - obligations - save
        spending_out[t] = np.maximum(spent, 0.0)

        before = bal[:n_liquid].sum(axis=0) if leading else bal[liquid_rows].sum(axis=0)
        # Rebalancing to each asset's allocation every year makes its return the weighted mix.
        bal *= 1.0 + (sw * stock[t] + bw * bond[t] + iw * infl[t])
        after = bal[:n_liquid].sum(axis=0) if leading else bal[liquid_rows].sum(axis=0)
        last_return = np.divide(after, before, out=np.ones(paths), where=before > 0.0) - 1.0
        price = price * (1.0 + infl[t])

    port = bal[:n_liquid].sum(axis=0) if leading else bal[liquid_rows].sum(axis=0)
    portfolio[n] = port
    portfolio_real[n] = port / price
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
    )
