"""Each record's household rule (DESIGN §6.1, §6.2): in which years it flows and for whom.

Flows are tabulated per row over *columns*: the distinct pairs of death ages (household.Lives).
With fixed longevity there is one column, so the tables are plain per-year schedules
(engine 1's vectors, summed in the same order); with stochastic lifespans the kernel picks
each path's column. Every rule, Social Security's survivor benefit included, depends on the
lives only through that pair, so each is worked out once per column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .household import FIRST, SECOND, Household
from .plan import Asset, Debt, Expense, Income, Plan
from .social_security import Claimant, benefits, full_retirement_age_months

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# A debt left with less than half a cent is paid off; rounding must not keep it alive.
PAID_OFF = 0.005
# Pensions and annuities may continue to a survivor; rental and other incomes continue while
# anyone lives; salaries and benefits are personal.
SURVIVOR_KINDS = frozenset({"pension", "annuity"})
HOUSEHOLD_KINDS = frozenset({"rental", "other"})


@dataclass(frozen=True)
class States:
    """Hold who is alive in each row and column, (rows, columns)."""

    first: BoolArray
    second: BoolArray

    def owner_alive(self, owner: str) -> BoolArray:
        """Return whether a record's owner is alive (`joint`: either person)."""
        if owner == "self":
            return self.first
        if owner == "partner":
            return self.second
        return self.first | self.second

    @property
    def anyone(self) -> BoolArray:
        """Return whether someone is alive."""
        return self.first | self.second


def owner_index(owner: str) -> int:
    """Return whose ages a record follows: the partner's for `partner`, else the first's."""
    return SECOND if owner == "partner" else FIRST


def annual(amount: float, frequency: str) -> float:
    """Return the amount paid in a year it applies (`once` is paid once, in its year)."""
    return amount * 12.0 if frequency == "monthly" else amount


def active_rows(record: Income | Expense, household: Household) -> BoolArray:
    """Return the funded rows in which a record applies, by its owner's ages."""
    who = owner_index(record.owner)
    ages = household.ages(who)[: household.rows]
    person = household.people[who]
    start = person.age if record.start_age is None else record.start_age
    if record.frequency == "once":
        return np.equal(ages, start)
    end = int(ages[-1]) if record.end_age is None else record.end_age
    # Retiring means stopping work: a salary never runs past its owner's last working year.
    if isinstance(record, Income) and record.kind == "salary":
        end = min(end, person.retirement_age - 1)
    return (ages >= start) & (ages <= end)


def schedule(amount: float, growth: float, active: BoolArray) -> FloatArray:
    """Return a yearly schedule: the amount grown from today, zero outside its rows."""
    return np.where(active, amount * (1.0 + growth) ** np.arange(active.size), 0.0)


def income_weight(income: Income, st: States) -> FloatArray:
    """Return the share of an income paid in each state (DESIGN §6.1)."""
    if income.kind in HOUSEHOLD_KINDS:
        return st.anyone.astype(np.float64)
    own = st.owner_alive(income.owner)
    if income.kind in SURVIVOR_KINDS:
        other = st.second if income.owner == "self" else st.first
        return np.where(own, 1.0, np.where(other, income.survivor_fraction, 0.0))
    return own.astype(np.float64)


def expense_weight(expense: Expense, st: States) -> FloatArray:
    """Return 1 where an expense is spent: while its owner lives (`joint`: either)."""
    return st.owner_alive(expense.owner).astype(np.float64)


def amortise(
    debt: Debt, years: int, payoff_row: int | None = None
) -> tuple[FloatArray, FloatArray]:
    """Return the yearly payments and start-of-year balances of a monthly-amortised debt.

    In `payoff_row` the whole balance at the start of the year is paid at once (flows happen
    at the start of the year, so no interest accrues on it); nothing is owed afterwards.
    """
    balance = float(debt.balance)
    monthly_rate = debt.interest_rate / 12.0
    payment = float(debt.monthly_payment)
    payments, balances = np.zeros(years), np.zeros(years + 1)
    for year in range(years):
        balances[year] = balance
        if year == payoff_row:
            payments[year], balance = balance, 0.0
            continue
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


def event_row(age: int | None, owner: str, household: Household) -> int | None:
    """Return the row of the year in which the owner is `age` (an age already past: row 0)."""
    if age is None:
        return None
    row = max(age - household.people[owner_index(owner)].age, 0)
    return row if row < household.rows else None


def contributions(assets: list[Asset], household: Household, st: States) -> FloatArray:
    """Return (assets, rows, columns): each asset's contribution while its owner works.

    Without `contribution_end_age` they stop at the owner's retirement (`joint`: the first
    person's), and they stop at the owner's death.
    """
    n = household.rows
    out = np.zeros((len(assets), n, st.first.shape[1]))
    for i, asset in enumerate(assets):
        who = owner_index(asset.owner)
        ages = household.ages(who)[:n]
        person = household.people[who]
        end = asset.contribution_end_age
        end = person.retirement_age - 1 if end is None else end
        amount = np.where(ages <= end, float(asset.annual_contribution), 0.0)
        out[i] = amount[:, None] * st.owner_alive(asset.owner)
    return out


def claimants(plan: Plan, household: Household) -> tuple[Claimant | None, ...]:
    """Return each person's Social Security claim: their benefits' PIAs at the first claim age.

    A person's social_security incomes add up to one PIA (`amount` annualised), claimed at the
    first record's `start_age` (null: the first whole age at or after their FRA).
    """
    out: list[Claimant | None] = []
    for who, person in enumerate(household.people):
        records = [
            i for i in plan.incomes if i.kind == "social_security" and owner_index(i.owner) == who
        ]
        if not records:
            out.append(None)
            continue
        pia = sum(annual(float(r.amount), r.frequency) for r in records)
        claim = records[0].start_age
        if claim is None:
            claim = -(-full_retirement_age_months(person.birth_year) // 12)
        ages = household.ages(who)[: household.rows]
        out.append(Claimant(pia=pia, birth_year=person.birth_year, claim_age=claim, ages=ages))
    return tuple(out)


def income_flows(
    plan: Plan, household: Household, st: States, benefit: tuple[FloatArray, FloatArray]
) -> list[tuple[Income, FloatArray]]:
    """Return each income with its yearly amounts per lives column, (rows, columns).

    In record order (engine 1's order of summation); computed once for the flow tables and
    the `us` tables. Social Security is one benefit per person (`claimants`), in today's
    money (indexed by the path's inflation, its COLA): a person's later records are dropped.
    """
    out: list[tuple[Income, FloatArray]] = []
    paid: set[int] = set()
    for income in plan.incomes:
        if income.kind == "social_security":
            who = owner_index(income.owner)
            if who not in paid:
                paid.add(who)
                out.append((income, benefit[who]))
            continue
        sched = schedule(
            annual(float(income.amount), income.frequency),
            income.growth_rate,
            active_rows(income, household),
        )
        out.append((income, sched[:, None] * income_weight(income, st)))
    return out


def indexed(income: Income) -> bool:
    """Return whether an income's amounts are in today's money (Social Security always is)."""
    return income.kind == "social_security" or income.inflation_indexed


def social_security(
    plan: Plan, household: Household, alive: tuple[BoolArray, BoolArray]
) -> tuple[FloatArray, FloatArray]:
    """Return each person's benefit in today's money, (rows, columns of `alive`)."""
    people = claimants(plan, household)
    n = household.rows
    first = people[FIRST]
    second = people[SECOND] if len(people) > 1 else None
    return benefits(first, second, alive[FIRST][:n], alive[SECOND][:n])
