"""Advance every path one year at a time through the plan's cash flows: the one kernel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .home_sale import sell_homes
from .resume import YearState, kept_state, withdrawal_copy
from .returns import ReturnPaths
from .spending import Outcome, Policy
from .strategies import (
    RESEARCH,
    RMD_BASED,
    StrategyParams,
    StrategyState,
    first_withdrawal,
    next_withdrawal,
)

if TYPE_CHECKING:
    from .us_inputs import UsInputs

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# The kinds of flow in a table row (Flows.table's middle axis): income, taxable income and
# expenses, each nominal or indexed; debt payments plus contributions; 1 where someone lives;
# the discretionary part of the expenses (included in the expenses), nominal or indexed.
INCOME_NOMINAL, INCOME_INDEXED, TAXABLE_NOMINAL, TAXABLE_INDEXED = 0, 1, 2, 3
EXPENSE_NOMINAL, EXPENSE_INDEXED, OBLIGATIONS, ANYONE = 4, 5, 6, 7
DISCRETIONARY_NOMINAL, DISCRETIONARY_INDEXED = 8, 9
KINDS = 10
# A shortfall below a millionth of a currency unit is floating-point noise, not a failure.
SHORTFALL_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Flows:
    """Hold the plan's flow tables (flows.py explains the columns).

    `table` is (rows, flows.KINDS, columns): nominal amounts in currency units of that year,
    indexed amounts in today's money (multiplied by each path's price index), and whether
    anyone is alive. `column` is each path's column, None when every path shares the one.
    """

    table: FloatArray
    contributions: FloatArray  # (assets, rows, columns)
    contributing: BoolArray  # (rows,): whether anything is contributed in the row
    column: IntArray | None
    debt_balance: FloatArray  # length rows + 1: the balance at the start of each row


@dataclass(frozen=True)
class HomeSale:
    """Hold one real-estate sale: the asset, the row of its year and its cost basis."""

    asset: int
    row: int
    basis: float


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
    # Whose each asset is (0 self, 1 partner, 2 joint); a survivor inherits the deceased's.
    owners: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # (rows + 1, columns): someone is alive at the start of the row (flows.py's columns).
    alive: BoolArray = field(default_factory=lambda: np.ones((1, 1), dtype=np.bool_))
    # (rows, columns): the household files jointly (both alive and married_joint).
    joint_filing: BoolArray = field(default_factory=lambda: np.zeros((1, 1), dtype=np.bool_))
    sales: tuple[HomeSale, ...] = ()
    proceeds_index: int = 0
    selling_cost: float = 0.0  # assumptions.selling_cost when there is a sale
    # The `us` tax regime's tables (us_inputs.py); None = the flat regime (engine 1's rule).
    us: UsInputs | None = None
    # (rows, columns): rmd_based's divisor, the Uniform Lifetime period of the older living person.
    policy_period: FloatArray = field(default_factory=lambda: np.ones((1, 1)))


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
    alive: BoolArray  # (years + 1, columns): someone is alive at the start of the row
    joint_filing: BoolArray  # (years, columns): filing status married_joint
    column: IntArray | None  # (paths,): each path's column; None = one column for all
    owners: IntArray  # (assets,): 0 self, 1 partner, 2 joint
    # (years, paths): a home sale's long-term gain beyond the §121 exclusion; None = no sale.
    home_sale_gains: FloatArray | None = None
    # `us` only (None under flat): RMDs and Roth conversions per row and path, the gross-up's
    # tax evaluations (max, sum, solved path-years), and the recorded detail of a 1-path run.
    rmd: FloatArray | None = None
    conversions: FloatArray | None = None
    grossup: tuple[int, int, int] | None = None
    record: dict[str, FloatArray] | None = None
    # The spending policy's outcome (spending.Outcome): the spending split per row and the
    # per-path failure and adjustment measures; None only for outputs built elsewhere.
    outcome: Outcome | None = None
    # A resumed run (resume.py) computed rows from first_row on only: the rows before are
    # zeros, and the per-path measures are the whole run's. `kept`: the states kept (keep).
    first_row: int = 0
    kept: Mapping[int, YearState] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        inputs: KernelInputs,
        outcome: Outcome,
        *,
        portfolio: FloatArray,
        portfolio_real: FloatArray,
        income: FloatArray,
        withdrawals: FloatArray,
        taxes: FloatArray,
        home_sale_gains: FloatArray | None,
        rmd: FloatArray | None = None,
        conversions: FloatArray | None = None,
        grossup: tuple[int, int, int] | None = None,
        record: dict[str, FloatArray] | None = None,
        first_row: int = 0,
        kept: Mapping[int, YearState] | None = None,
    ) -> KernelOutput:
        """Return a kernel's output: its rows and outcome, with the household's fields."""
        return cls(
            portfolio=portfolio,
            portfolio_real=portfolio_real,
            income=income,
            spending=outcome.spending,
            withdrawals=withdrawals,
            taxes=taxes,
            debt=inputs.flows.debt_balance.astype(np.float64),
            failed=outcome.failed,
            depletion_index=outcome.depletion,
            alive=inputs.alive,
            joint_filing=inputs.joint_filing,
            column=inputs.flows.column,
            owners=inputs.owners,
            home_sale_gains=home_sale_gains,
            rmd=rmd,
            conversions=conversions,
            grossup=grossup,
            record=record,
            outcome=outcome,
            first_row=first_row,
            kept={} if kept is None else kept,
        )

    @property
    def success_rate(self) -> float:
        """Return the share of paths that never fail."""
        return float(np.count_nonzero(~self.failed)) / self.failed.size

    def on_paths(self, by_column: BoolArray) -> BoolArray:
        """Return a (rows, columns) array such as `joint_filing` as (rows, paths)."""
        return by_column if self.column is None else by_column[:, self.column]


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


def simulate(
    inputs: KernelInputs,
    returns: ReturnPaths,
    *,
    resume: YearState | None = None,
    keep: frozenset[int] = frozenset(),
) -> KernelOutput:
    """Run every path of the return matrices through the plan's cash flows.

    `resume` starts at its row from the state another plan of the same returns carried
    into it (resume.py; the rows before are not computed: the output's `first_row`);
    `keep` names rows whose state the output keeps for other plans (`kept`).
    """
    if inputs.us is not None:
        from .us_kernel import simulate_us  # the us kernel builds on this module

        return simulate_us(inputs, returns, resume=resume, keep=keep)
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
    sale_rows = {sale.row for sale in inputs.sales}
    gains = np.zeros((n, paths)) if sale_rows else None

    bal = np.repeat(inputs.balances.astype(np.float64)[:, None], paths, axis=1)
    price = np.ones(paths)
    shape = (n + 1, paths)
    portfolio, portfolio_real = np.zeros(shape), np.zeros(shape)
    income_out, withdrawals_out, taxes_out = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    outcome = Outcome(np.zeros(shape))
    state: StrategyState | None = None
    policy = Policy(strat, paths)
    research = strat.name in RESEARCH
    rmd_based = strat.name == RMD_BASED
    last_return = np.zeros(paths)
    zeros = np.zeros(paths)
    someone: BoolArray | None = None
    kept: dict[int, YearState] = {}
    if resume is not None:
        bal[:], price = resume.balances, resume.price.copy()
        last_return = resume.last_return.copy()
        policy.restore(resume.policy)
        outcome.restore(resume.outcome)
        state = None if resume.withdrawal is None else withdrawal_copy(resume.withdrawal)

    for t in range(0 if resume is None else resume.row, n + 1):
        port = bal[:n_liquid].sum(axis=0) if leading else bal[liquid_rows].sum(axis=0)
        portfolio[t] = port
        portfolio_real[t] = port / price
        if t in keep:
            kept[t] = kept_state(
                t,
                balances=bal,
                price=price,
                last_return=last_return,
                policy=policy,
                outcome=outcome,
                withdrawal=state,
                portfolio=(portfolio[t], portfolio_real[t]),
            )
        if t == n:
            break  # the last row: what is left
        if fl.column is None:
            # Every path lives the same lives: the flows are one number per row (engine 1).
            flow = fl.table[t, :, 0]
        else:
            # Each path picks its lives' column; nobody alive means nothing flows.
            flow = np.take(fl.table[t], fl.column, axis=1)
            someone = flow[ANYONE] > 0.0
        inc_nom, inc_idx, tax_nom, tax_idx, exp_nom, exp_idx, obligations = flow[:ANYONE]
        if t in sale_rows and gains is not None:
            sell_homes(inputs, t, bal, someone, gains)
        income = inc_nom + inc_idx * price
        income_tax = tau * (tax_nom + tax_idx * price)
        net_income = income - income_tax
        if fl.contributing[t]:
            if fl.column is None:
                bal += fl.contributions[:, t, 0, None]
            else:
                bal += np.take(fl.contributions[:, t], fl.column, axis=1)
        stated = exp_nom + exp_idx * price
        stated_disc = flow[DISCRETIONARY_NOMINAL] + flow[DISCRETIONARY_INDEXED] * price
        retired = t >= inputs.retirement_index
        if not (retired and research):
            period = policy_period(inputs, t) if rmd_based else 1.0
            target, target_disc = policy.targets(
                retired=retired,
                total=stated,
                discretionary=stated_disc,
                available=net_income,
                obligations=obligations,
                portfolio=port,
                price=price,
                years_left=n - t,
                period=period,
            )
            need = target + obligations - net_income
            save = np.maximum(-need, 0.0)
            bal[inputs.savings_index] += save
            draw = np.maximum(need, 0.0)
            essential_target = target - target_disc
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
            if someone is not None:
                draw = np.where(someone, draw, 0.0)
            save = zeros
            essential_target, target_disc = stated - stated_disc, stated_disc
        gross, withdrawal_tax, shortfall = _withdraw(
            bal, draw, inputs.withdrawal_order, inputs.tax_deferred, tau
        )
        spent = net_income + gross - withdrawal_tax - obligations - save
        # Research modes fail when the rule's draw is unfunded; the policies when essential
        # spending, debt payments or taxes are (a discretionary shortfall is an adjustment).
        # The draw's shortfall falls on discretionary spending first.
        unfunded = shortfall
        if not (research and retired):
            unfunded = np.maximum(shortfall - target_disc, 0.0)
        outcome.record(
            t,
            spent=spent,
            essential_target=essential_target,
            stated_discretionary=stated_disc,
            unfunded=unfunded,
            price=price,
        )
        income_out[t] = income
        withdrawals_out[t] = gross
        taxes_out[t] = income_tax + withdrawal_tax

        before = bal[:n_liquid].sum(axis=0) if leading else bal[liquid_rows].sum(axis=0)
        # Rebalancing to each asset's allocation every year makes its return the weighted mix.
        bal *= 1.0 + (sw * stock[t] + bw * bond[t] + iw * infl[t])
        after = bal[:n_liquid].sum(axis=0) if leading else bal[liquid_rows].sum(axis=0)
        last_return = np.divide(after, before, out=np.ones(paths), where=before > 0.0) - 1.0
        price = price * (1.0 + infl[t])

    return KernelOutput.of(
        inputs,
        outcome,
        portfolio=portfolio,
        portfolio_real=portfolio_real,
        income=income_out,
        withdrawals=withdrawals_out,
        taxes=taxes_out,
        home_sale_gains=gains,
        first_row=0 if resume is None else resume.row,
        kept=kept,
    )


def policy_period(inputs: KernelInputs, t: int) -> FloatArray | float:
    """Return row t's rmd_based divisor per path (one number when every path shares it)."""
    table = inputs.policy_period
    if table.shape[0] <= t:
        return 1.0
    if inputs.flows.column is None or table.shape[1] == 1:
        return float(table[t, 0])
    per_path: FloatArray = table[t, inputs.flows.column]
    return per_path
