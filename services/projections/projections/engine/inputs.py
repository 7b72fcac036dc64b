"""Turn a validated plan and the household's lives into the kernel's plain arrays."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .flows import (
    States,
    active_rows,
    amortise,
    annual,
    contributions,
    event_row,
    expense_weight,
    income_flows,
    indexed,
    schedule,
    social_security,
)
from .household import FIRST, SECOND, Household, Lives, fixed_lives
from .kernel import (
    ANYONE,
    DISCRETIONARY_INDEXED,
    DISCRETIONARY_NOMINAL,
    EXPENSE_INDEXED,
    EXPENSE_NOMINAL,
    INCOME_INDEXED,
    INCOME_NOMINAL,
    KINDS,
    OBLIGATIONS,
    TAXABLE_INDEXED,
    TAXABLE_NOMINAL,
    BoolArray,
    FloatArray,
    Flows,
    HomeSale,
    IntArray,
    KernelInputs,
)
from .plan import Asset, Income, Plan
from .rmd import distribution_period
from .strategies import GUARDRAILS, NEEDS, RMD_BASED, StrategyParams
from .us_inputs import UsInputs, resolve_regime, us_inputs

# Policies that spend the stated expenses; the spending solver replaces those expenses.
STATED_POLICIES = frozenset({NEEDS, GUARDRAILS})
LIQUID_ORDER = ("cash", "taxable", "tax_deferred", "tax_free")
# Cash and real estate keep pace with inflation; the other kinds earn their stock/bond mix.
INFLATION_KINDS = frozenset({"cash", "real_estate"})
OWNER_CODES = {"self": 0, "partner": 1, "joint": 2}


def _alive(household: Household, lives: Lives) -> tuple[BoolArray, BoolArray]:
    """Return (rows + 1, columns) alive flags of the first person and the partner."""
    first = lives.alive(household, FIRST)
    second = lives.alive(household, SECOND) if household.partner else np.zeros_like(first)
    return first, second


def _flows(
    plan: Plan,
    assets: list[Asset],
    household: Household,
    st: States,
    column: IntArray | None,
    spending: float | None,
    incomes: list[tuple[Income, FloatArray]],
) -> Flows:
    """Return the plan's flow tables in record order (engine 1's order of summation)."""
    n, columns = household.rows, st.first.shape[1]
    table = np.zeros((n, KINDS, columns))
    for income, flow in incomes:
        table[:, INCOME_INDEXED if indexed(income) else INCOME_NOMINAL] += flow
        if income.taxable:
            table[:, TAXABLE_INDEXED if indexed(income) else TAXABLE_NOMINAL] += flow
    for expense in plan.expenses:
        sched = schedule(
            annual(float(expense.amount), expense.frequency), 0.0, active_rows(expense, household)
        )
        kind = EXPENSE_INDEXED if expense.inflation_indexed else EXPENSE_NOMINAL
        flow = sched[:, None] * expense_weight(expense, st)
        table[:, kind] += flow
        if not expense.essential:
            table[:, kind + DISCRETIONARY_NOMINAL - EXPENSE_NOMINAL] += flow
    anyone = st.anyone.astype(np.float64)
    if spending is not None and plan.assumptions.withdrawal_strategy in STATED_POLICIES:
        # The spending solver replaces retirement expenses with one indexed amount, split
        # essential/discretionary as the stated expenses of the first retirement year are.
        start = household.retirement_index
        share = discretionary_share(table, start)
        table[start:, EXPENSE_NOMINAL] = 0.0
        table[start:, EXPENSE_INDEXED] = spending * anyone[start:]
        table[start:, DISCRETIONARY_NOMINAL] = 0.0
        table[start:, DISCRETIONARY_INDEXED] = spending * share * anyone[start:]
    debt_payment, debt_balance = np.zeros(n), np.zeros(n + 1)
    for debt in plan.debts:
        paid_debt, owed = amortise(debt, n, event_row(debt.payoff_age, debt.owner, household))
        debt_payment += paid_debt
        debt_balance += owed
    contributed = contributions(assets, household, st)
    # Nothing flows once nobody is alive: debts are paid while someone lives.
    table[:, OBLIGATIONS] = debt_payment[:, None] * anyone + contributed.sum(axis=0)
    table[:, ANYONE] = anyone
    return Flows(
        table=table,
        contributions=contributed,
        contributing=contributed.sum(axis=(0, 2)) != 0.0,
        column=column,
        debt_balance=debt_balance,
    )


def discretionary_share(table: FloatArray, row: int) -> FloatArray:
    """Return the discretionary share of a row's stated expenses per lives column (0 if none).

    Per column, because who is alive at that row differs between columns (stochastic lives):
    one column's split applied to all made a solved spending's essential part depend on one
    arbitrary drawn pair of lives.
    """
    columns = table.shape[2]
    if row >= table.shape[0]:
        return np.zeros(columns)
    total = table[row, EXPENSE_NOMINAL] + table[row, EXPENSE_INDEXED]
    disc = table[row, DISCRETIONARY_NOMINAL] + table[row, DISCRETIONARY_INDEXED]
    share: FloatArray = np.divide(disc, total, out=np.zeros(columns), where=total > 0.0)
    return share


def _policy_period(household: Household, st: States) -> FloatArray:
    """Return rmd_based's divisor per row and column: the older living person's period.

    Below the Uniform Lifetime Table's first age the period grows by a year for each year
    younger (the table's own step near its start), so a draw exists before RMD age.
    """
    n = household.rows
    age0 = household.ages(FIRST)[:n, None].astype(np.float64)
    older = np.broadcast_to(age0, st.first.shape)
    if household.partner is not None:
        age1 = household.ages(SECOND)[:n, None].astype(np.float64)
        both = np.maximum(age0, age1)
        older = np.where(st.first & st.second, both, np.where(st.second, age1, age0))
    first_age = int(np.flatnonzero(np.isfinite(distribution_period(np.arange(121))))[0])
    at_first = float(distribution_period(first_age))
    below = at_first + (first_age - older)
    return np.where(older < first_age, below, distribution_period(older.astype(np.int64)))


def _assets(plan: Plan, us: bool) -> list[Asset]:
    """Return the plan's assets, liquid first, with a savings account when there is none."""
    assets = list(plan.assets)
    kinds = {a.kind for a in assets}
    if us and "taxable" not in kinds and "tax_deferred" in kinds:
        # An RMD's unspent part is reinvested in taxable after tax (DESIGN §6.4).
        assets.append(Asset(name="brokerage", kind="taxable", balance=Decimal("0.00")))
        kinds.add("taxable")
    if us and "tax_free" not in kinds and plan.assumptions.roth_conversion is not None:
        assets.append(Asset(name="roth conversions", kind="tax_free", balance=Decimal("0.00")))
    if "taxable" not in kinds and "cash" not in kinds:
        # Surplus needs somewhere to go; an empty cash account stands in for a bank account.
        assets.append(Asset(name="savings", kind="cash", balance=Decimal("0.00")))
    if "taxable" not in kinds and any(a.sell_age is not None for a in assets):
        # A home sale's proceeds go to a taxable account (DESIGN §6.4); open an empty one.
        assets.append(Asset(name="home sale", kind="taxable", balance=Decimal("0.00")))
    # Liquid assets first (a stable sort keeps the plan's order within each group).
    assets.sort(key=lambda a: a.kind not in LIQUID_ORDER)
    return assets


def _sales(assets: list[Asset], household: Household) -> tuple[HomeSale, ...]:
    """Return the real-estate sales: asset, row, cost basis."""
    sales = []
    for i, asset in enumerate(assets):
        row = event_row(asset.sell_age, asset.owner, household)
        if row is not None:
            basis = asset.balance if asset.cost_basis is None else asset.cost_basis
            sales.append(HomeSale(asset=i, row=row, basis=float(basis)))
    return tuple(sales)


@dataclass
class Shared:
    """Hold what every evaluation of one prepared plan builds alike (api.Prepared.shared).

    The incomes' yearly flows and the `us` tables depend on the plan, household and lives,
    not on `annual_spending` (the spending solver's variable): built on the first
    evaluation, reused by the next ones (the solver's, the result's detail). The last
    inputs built are kept whole with their `annual_spending`: the result's detail, and the
    solver's last run and result, evaluate the same ones again.
    """

    incomes: list[tuple[Income, FloatArray]] | None = None
    us: UsInputs | None = None
    last: tuple[float | None, KernelInputs] | None = None


def kernel_inputs(
    plan: Plan,
    household: Household,
    lives: Lives | None = None,
    *,
    annual_spending: float | None = None,
    shared: Shared | None = None,
) -> KernelInputs:
    """Build the kernel's inputs for a plan, its household and lives (default: fixed).

    `shared` (for the same plan, household and lives only) keeps what every evaluation
    builds alike.
    """
    shared = Shared() if shared is None else shared
    if shared.last is not None and shared.last[0] == annual_spending:
        return shared.last[1]
    lives = fixed_lives(household) if lives is None else lives
    alive = _alive(household, lives)
    n = household.rows
    st = States(alive[FIRST][:n], alive[SECOND][:n])
    us = resolve_regime(plan) == "us"
    assets = _assets(plan, us)
    kinds = [a.kind for a in assets]
    # Surplus is saved into the first taxable account, else the first cash account.
    savings = kinds.index("taxable") if "taxable" in kinds else kinds.index("cash")
    alloc = np.array([a.stock_allocation for a in assets], dtype=np.float64)
    by_inflation = np.array([a.kind in INFLATION_KINDS for a in assets])
    order = sorted(
        (i for i, a in enumerate(assets) if a.kind in LIQUID_ORDER),
        key=lambda i: LIQUID_ORDER.index(assets[i].kind),
    )
    assume = plan.assumptions
    both = alive[FIRST][:n] & alive[SECOND][:n]
    joint = both if household.married_joint else np.zeros_like(both)
    if shared.incomes is None:
        benefit = social_security(plan, household, alive)
        shared.incomes = income_flows(plan, household, st, benefit)
    incomes = shared.incomes
    flows = _flows(plan, assets, household, st, lives.column, annual_spending, incomes)
    if us and shared.us is None:
        shared.us = us_inputs(plan, assets, household, st, joint, incomes, flows.contributions)
    inputs = KernelInputs(
        years=n,
        retirement_index=household.retirement_index,
        balances=np.array([float(a.balance) for a in assets], dtype=np.float64),
        stock_weight=np.where(by_inflation, 0.0, alloc),
        bond_weight=np.where(by_inflation, 0.0, 1.0 - alloc),
        inflation_weight=by_inflation.astype(np.float64),
        liquid=np.array([a.kind in LIQUID_ORDER for a in assets]),
        tax_deferred=np.array([a.kind == "tax_deferred" for a in assets]),
        withdrawal_order=tuple(order),
        savings_index=savings,
        flows=flows,
        income_tax_rate=assume.income_tax_rate,
        strategy=StrategyParams(
            name=assume.withdrawal_strategy,
            rate=assume.withdrawal_rate,
            upper=assume.guardrails.upper,
            lower=assume.guardrails.lower,
            adjustment=assume.guardrails.adjustment,
            vpw_real_return=assume.vpw_real_return,
            floor=assume.floor,
            ceiling=assume.ceiling,
            initial_withdrawal=None
            if assume.withdrawal_strategy in STATED_POLICIES
            else annual_spending,
        ),
        # rmd_based's divisor (the default: 1) only for rmd_based: no other policy reads it.
        policy_period=_policy_period(household, st)
        if assume.withdrawal_strategy == RMD_BASED
        else np.ones((1, 1)),
        owners=np.array([OWNER_CODES[a.owner] for a in assets], dtype=np.int64),
        alive=alive[FIRST] | alive[SECOND],
        joint_filing=joint,
        sales=_sales(assets, household),
        proceeds_index=kinds.index("taxable") if "taxable" in kinds else savings,
        selling_cost=assume.selling_cost,
        us=shared.us if us else None,
    )
    shared.last = (annual_spending, inputs)
    return inputs
