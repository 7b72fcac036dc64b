"""Turn a validated plan into the kernel's plain arrays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from .kernel import FloatArray, Flows, KernelInputs
from .plan import Asset, Debt, Expense, Income, Plan
from .strategies import NEEDS, StrategyParams

LIQUID_ORDER = ("cash", "taxable", "tax_deferred", "tax_free")
# Cash and real estate keep pace with inflation; the other kinds earn their stock/bond mix.
INFLATION_KINDS = frozenset({"cash", "real_estate"})
# A debt left with less than half a cent is paid off; rounding must not keep it alive.
PAID_OFF = 0.005


@dataclass(frozen=True)
class Timeline:
    """Hold the plan's resolved ages and calendar years."""

    current_age: int
    retirement_age: int
    life_expectancy: int
    first_year: int

    @property
    def years(self) -> int:
        """Return the number of funded years."""
        return self.life_expectancy - self.current_age

    @property
    def retirement_index(self) -> int:
        """Return the row of the first retirement year, clamped to the plan."""
        return min(max(self.retirement_age - self.current_age, 0), self.years)


def completed_years(birth_date: date, today: date) -> int:
    """Return the completed years between a birth date and today."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - int(before_birthday)


def resolve_timeline(plan: Plan, today: date) -> Timeline:
    """Resolve the current age (birth_date wins over current_age) and check the span."""
    profile = plan.profile
    if profile.birth_date is not None:
        if profile.birth_date > today:
            raise ValueError("profile.birth_date is in the future")
        age = completed_years(profile.birth_date, today)
    else:
        assert profile.current_age is not None  # the Profile validator guarantees one of them
        age = profile.current_age
    if age >= profile.life_expectancy:
        raise ValueError("current age must be below life_expectancy")
    return Timeline(age, profile.retirement_age, profile.life_expectancy, today.year)


def _annual(amount: float, frequency: str) -> float:
    """Return an amount per year."""
    return amount * 12.0 if frequency == "monthly" else amount


def _window(record: Income | Expense, timeline: Timeline) -> tuple[int, int]:
    """Return the first and last age (inclusive) at which a record applies."""
    start = timeline.current_age if record.start_age is None else record.start_age
    end = timeline.life_expectancy - 1 if record.end_age is None else record.end_age
    # Retiring means stopping work: a salary never runs past the last working year.
    if isinstance(record, Income) and record.kind == "salary":
        end = min(end, timeline.retirement_age - 1)
    return start, end


def _schedule(amount: float, growth: float, window: tuple[int, int], tl: Timeline) -> FloatArray:
    """Return a yearly schedule: the amount grown from today, zero outside its window."""
    ages = tl.current_age + np.arange(tl.years)
    active = (ages >= window[0]) & (ages <= window[1])
    return np.where(active, amount * (1.0 + growth) ** np.arange(tl.years), 0.0)


def amortise(debt: Debt, years: int) -> tuple[FloatArray, FloatArray]:
    """Return the yearly payments and start-of-year balances of a monthly-amortised debt."""
    balance = float(debt.balance)
    monthly_rate = debt.interest_rate / 12.0
    payment = float(debt.monthly_payment)
    payments, balances = np.zeros(years), np.zeros(years + 1)
    for year in range(years):
        balances[year] = balance
        paid = 0.0
        for _ in range(12):
            if balance <= 0.0:
                break
            owed = balance * (1.0 + monthly_rate)
            instalment = min(payment, owed)
            balance = owed - instalment
            paid += instalment
            if balance < PAID_OFF:
                balance = 0.0
        payments[year] = paid
    balances[years] = balance
    return payments, balances


def _contributions(assets: list[Asset], tl: Timeline) -> FloatArray:
    """Return each asset's yearly contribution; without an end age they stop at retirement."""
    ages = tl.current_age + np.arange(tl.years)
    rows = []
    for asset in assets:
        end = (
            tl.retirement_age - 1
            if asset.contribution_end_age is None
            else asset.contribution_end_age
        )
        rows.append(np.where(ages <= end, float(asset.annual_contribution), 0.0))
    return np.array(rows, dtype=np.float64).reshape(len(assets), tl.years)


def _flows(plan: Plan, assets: list[Asset], tl: Timeline, spending: float | None) -> Flows:
    """Return the plan's deterministic schedules."""
    n = tl.years
    inc = {key: np.zeros(n) for key in ("nominal", "indexed", "tax_nominal", "tax_indexed")}
    for income in plan.incomes:
        sched = _schedule(
            _annual(float(income.amount), income.frequency),
            income.growth_rate,
            _window(income, tl),
            tl,
        )
        kind = "indexed" if income.inflation_indexed else "nominal"
        inc[kind] += sched
        if income.taxable:
            inc["tax_" + kind] += sched
    exp_nominal, exp_indexed = np.zeros(n), np.zeros(n)
    for expense in plan.expenses:
        sched = _schedule(
            _annual(float(expense.amount), expense.frequency), 0.0, _window(expense, tl), tl
        )
        if expense.inflation_indexed:
            exp_indexed += sched
        else:
            exp_nominal += sched
    if spending is not None and plan.assumptions.withdrawal_strategy == NEEDS:
        # The spending solver replaces retirement expenses with one indexed amount.
        exp_nominal[tl.retirement_index :] = 0.0
        exp_indexed[tl.retirement_index :] = spending
    debt_payment, debt_balance = np.zeros(n), np.zeros(n + 1)
    for debt in plan.debts:
        paid, owed = amortise(debt, n)
        debt_payment += paid
        debt_balance += owed
    return Flows(
        income_nominal=inc["nominal"],
        income_indexed=inc["indexed"],
        taxable_nominal=inc["tax_nominal"],
        taxable_indexed=inc["tax_indexed"],
        expense_nominal=exp_nominal,
        expense_indexed=exp_indexed,
        debt_payment=debt_payment,
        debt_balance=debt_balance,
        contributions=_contributions(assets, tl),
    )


def kernel_inputs(
    plan: Plan, timeline: Timeline, *, annual_spending: float | None = None
) -> KernelInputs:
    """Build the kernel's inputs for a plan on a resolved timeline."""
    assets = list(plan.assets)
    kinds = [a.kind for a in assets]
    if "taxable" not in kinds and "cash" not in kinds:
        # Surplus needs somewhere to go; an empty cash account stands in for a bank account.
        assets.append(Asset(name="savings", kind="cash", balance=Decimal("0.00")))
        kinds.append("cash")
    # Liquid assets first (a stable sort keeps the plan's order within each group).
    assets.sort(key=lambda a: a.kind not in LIQUID_ORDER)
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
    return KernelInputs(
        years=timeline.years,
        retirement_index=timeline.retirement_index,
        balances=np.array([float(a.balance) for a in assets], dtype=np.float64),
        stock_weight=np.where(by_inflation, 0.0, alloc),
        bond_weight=np.where(by_inflation, 0.0, 1.0 - alloc),
        inflation_weight=by_inflation.astype(np.float64),
        liquid=np.array([a.kind in LIQUID_ORDER for a in assets]),
        tax_deferred=np.array([a.kind == "tax_deferred" for a in assets]),
        withdrawal_order=tuple(order),
        savings_index=savings,
        flows=_flows(plan, assets, timeline, annual_spending),
        income_tax_rate=assume.income_tax_rate,
        strategy=StrategyParams(
            name=assume.withdrawal_strategy,
            rate=assume.withdrawal_rate,
            upper=assume.guardrails.upper,
            lower=assume.guardrails.lower,
            adjustment=assume.guardrails.adjustment,
            initial_withdrawal=None if assume.withdrawal_strategy == NEEDS else annual_spending,
        ),
    )
