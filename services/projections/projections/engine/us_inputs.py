"""The `us` tax regime's inputs (DESIGN §6.4): who earns what, ages, RMD factors, the law.

Everything here is tabulated once per row and lives column (flows.py's columns), like the
household's flows, so the kernel picks each path's values with one gather per row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from .assumptions import BRACKET_RATES
from .flows import States, indexed, owner_index
from .household import FIRST, SECOND, Household
from .plan import Asset, Income, Plan
from .rmd import distribution_period, rmd_start_age
from .tax.law import IrmaaYear, YearLaw, data_sha256, irmaa_year, load_law

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# The tax table's kinds (UsInputs.table's middle axis). Wages per person, nominal and indexed;
# Social Security subject to the provisional-income rule (always indexed); other ordinary
# income (pensions, annuities, rental, other), nominal and indexed; pre-tax contributions by
# owner; the filer's and spouse's ages, Medicare enrollees (65+ and alive), joint filing.
WAGE0_NOM, WAGE0_IDX, WAGE1_NOM, WAGE1_IDX, SOCIAL_SECURITY = 0, 1, 2, 3, 4
ORDINARY_NOM, ORDINARY_IDX, DEFER0, DEFER1 = 5, 6, 7, 8
AGE_HEAD, AGE_SPOUSE, ENROLLEES, JOINT = 9, 10, 11, 12
TAX_KINDS = 13
# Incomes by kind for the representative path's detail, nominal then indexed per kind.
DETAIL_KINDS = ("salary", "social_security", "pension", "annuity", "rental", "other")
# Account kinds in UsInputs.kinds; -1 marks real estate and other (never drawn).
CASH, TAXABLE, DEFERRED, FREE = 0, 1, 2, 3
KIND_CODES = {"cash": CASH, "taxable": TAXABLE, "tax_deferred": DEFERRED, "tax_free": FREE}
ORDERS = ("conventional", "proportional", "bracket_fill")
MEDICARE_AGE = 65


@dataclass(frozen=True)
class TaxLawInfo:
    """Name the law a `us` run used: regime, law year, the parameter files' hash."""

    regime: str
    law_year: int | None
    sha256: str | None

    def as_json(self) -> dict[str, object]:
        """Return the result's `tax_law` object."""
        return {"regime": self.regime, "law_year": self.law_year, "hash": self.sha256}


@dataclass(frozen=True)
class UsInputs:
    """Hold what the `us` kernel needs beyond the flat kernel's inputs."""

    table: FloatArray  # (rows, TAX_KINDS, columns)
    incomes: list[tuple[Income, FloatArray]]  # flows.income_flows: detail_table's source
    rmd_factor: FloatArray  # (rows, assets, columns): 1 / the period, 0 when no RMD is due
    laws: tuple[YearLaw, ...]  # one per row
    irmaa: IrmaaYear
    index0: float  # cumulative inflation from the law year to row 0 (the mean assumption)
    kinds: npt.NDArray[np.int64]  # (assets,): CASH … FREE, -1 for the others
    basis: FloatArray  # (assets,): cost basis (taxable accounts; 0 elsewhere)
    state_rate: float
    dividend_yield: float
    order: int  # index into ORDERS
    fill_top: int  # bracket_fill: the index of the bracket whose top is filled
    convert_rows: BoolArray  # (rows,): a Roth conversion year (the first person's age)
    convert_top: int  # the index of the conversion's bracket
    conversion_target: int  # the asset that receives conversions (-1 when none)
    info: TaxLawInfo


def resolve_regime(plan: Plan) -> str:
    """Return the tax regime: the stated one, else `us` for USD (or no currency), else flat."""
    stated = plan.assumptions.tax.regime
    if stated is not None:
        return stated
    currency = plan.profile.currency
    return "us" if currency in (None, "USD") else "flat"


def resolve_law_year(plan: Plan, run_year: int) -> int:
    """Return `tax.year`, else the latest shipped law year not after the run year."""
    years = load_law().years
    stated = plan.assumptions.tax.year
    if stated is not None:
        if stated not in years:
            raise ValueError(f"tax.year {stated} is not one of the shipped law years {years}")
        return stated
    earlier = [y for y in years if y <= run_year]
    return max(earlier) if earlier else min(years)


def law_hash() -> str:
    """Return one sha256 over both tax data files (federal law and IRMAA tiers)."""
    files = data_sha256()
    joined = "".join(f"{name}:{files[name]}\n" for name in sorted(files))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def tax_law_info(plan: Plan, run_year: int) -> TaxLawInfo:
    """Return the `tax_law` of a run of this plan in this run year."""
    if resolve_regime(plan) == "flat":
        return TaxLawInfo("flat", None, None)
    return TaxLawInfo("us", resolve_law_year(plan, run_year), law_hash())


@lru_cache(maxsize=512)
def year_law(law_year: int, year: int) -> YearLaw:
    """Return a calendar year's parameters under a law year (cached: runs share them)."""
    return load_law().year_law(law_year, max(year, law_year))


def _incomes(incomes: list[tuple[Income, FloatArray]], table: FloatArray) -> None:
    """Add the incomes to the tax table's kinds, in place (flows.income_flows' amounts)."""
    for income, flow in incomes:
        if not income.taxable:
            continue  # an income the user marks untaxed pays neither income nor payroll tax
        if income.kind == "social_security":
            table[:, SOCIAL_SECURITY] += flow
        elif income.kind == "salary":
            second = owner_index(income.owner) == SECOND
            table[:, (WAGE1_NOM if second else WAGE0_NOM) + int(income.inflation_indexed)] += flow
        else:
            table[:, ORDINARY_NOM + int(income.inflation_indexed)] += flow


def detail_table(incomes: list[tuple[Income, FloatArray]], rows: int, columns: int) -> FloatArray:
    """Return the detail's incomes by kind, (rows, 2 × len(DETAIL_KINDS), columns).

    Nominal then indexed per kind. Only a recorded run reads it (detail.py, one path), so
    UsInputs keeps the means to build it rather than the table (12 MB on the bench couple).
    """
    detail = np.zeros((rows, 2 * len(DETAIL_KINDS), columns))
    for income, flow in incomes:
        detail[:, 2 * DETAIL_KINDS.index(income.kind) + int(indexed(income))] += flow
    return detail


def _people_columns(household: Household, st: States, joint: BoolArray, table: FloatArray) -> None:
    """Fill the filer's and spouse's ages, Medicare enrollees and joint filing, in place."""
    n = household.rows
    age0 = household.ages(FIRST)[:n, None].astype(np.float64)
    if household.partner is None:
        table[:, AGE_HEAD] = age0
        table[:, ENROLLEES] = st.first & (age0 >= MEDICARE_AGE)
        return
    age1 = household.ages(SECOND)[:n, None].astype(np.float64)
    # After the first person's death the survivor files: their age is the filer's.
    table[:, AGE_HEAD] = np.where(st.first, age0, age1)
    table[:, AGE_SPOUSE] = np.where(joint, age1, 0.0)
    table[:, ENROLLEES] = (st.first & (age0 >= MEDICARE_AGE)).astype(np.float64) + (
        st.second & (age1 >= MEDICARE_AGE)
    )
    table[:, JOINT] = joint


def _rmd_factors(assets: list[Asset], household: Household, st: States) -> FloatArray:
    """Return (rows, assets, columns): the share of last year-end's balance each RMD takes.

    The owner's age decides (their birth year the start age); after the owner's death the
    survivor's (spousal rollover: the account becomes the survivor's own).
    """
    n, columns = household.rows, st.first.shape[1]
    out = np.zeros((n, len(assets), columns))
    people = household.people
    for j, asset in enumerate(assets):
        if asset.kind != "tax_deferred":
            continue
        own = owner_index(asset.owner)
        own_alive = st.first if own == FIRST else st.second
        age = np.broadcast_to(household.ages(own)[:n, None], (n, columns))
        start = np.full((n, columns), rmd_start_age(people[own].birth_year))
        holder = own_alive.copy()
        if household.partner is not None:
            other = SECOND if own == FIRST else FIRST
            other_alive = st.second if own == FIRST else st.first
            inherit = ~own_alive & other_alive
            age = np.where(inherit, household.ages(other)[:n, None], age)
            start = np.where(inherit, rmd_start_age(people[other].birth_year), start)
            holder = own_alive | other_alive
        due = holder & (age >= start)
        out[:, j] = np.where(due, 1.0 / distribution_period(age), 0.0)
    return out


def _deferrals(assets: list[Asset], contributed: FloatArray, table: FloatArray) -> None:
    """Add each owner's pre-tax (tax_deferred) contributions to the tax table, in place."""
    for j, asset in enumerate(assets):
        if asset.kind == "tax_deferred":
            slot = DEFER1 if owner_index(asset.owner) == SECOND else DEFER0
            table[:, slot] += contributed[j]


def us_inputs(
    plan: Plan,
    assets: list[Asset],
    household: Household,
    st: States,
    joint: BoolArray,
    incomes: list[tuple[Income, FloatArray]],
    contributed: FloatArray,
) -> UsInputs:
    """Build the `us` regime's tables for a plan whose lives give the States `st`."""
    n = household.rows
    assume = plan.assumptions
    law_year = resolve_law_year(plan, household.first_year)
    table = np.zeros((n, TAX_KINDS, st.first.shape[1]))
    _incomes(incomes, table)
    _deferrals(assets, contributed, table)
    _people_columns(household, st, joint, table)
    first_ages = household.ages(FIRST)[:n]
    conversion = assume.roth_conversion
    if conversion is None:
        convert_rows = np.zeros(n, dtype=np.bool_)
        convert_top = 0
    else:
        convert_rows = (first_ages >= conversion.from_age) & (first_ages <= conversion.to_age)
        convert_top = BRACKET_RATES.index(conversion.up_to_bracket)
    kinds = np.array([KIND_CODES.get(a.kind, -1) for a in assets], dtype=np.int64)
    free = np.flatnonzero(kinds == FREE)
    basis = np.array(
        [
            float(a.balance if a.cost_basis is None else a.cost_basis)
            if a.kind == "taxable"
            else 0.0
            for a in assets
        ]
    )
    year0 = household.first_year
    return UsInputs(
        table=table,
        incomes=incomes,
        rmd_factor=_rmd_factors(assets, household, st),
        laws=tuple(year_law(law_year, year0 + t) for t in range(n)),
        irmaa=irmaa_year(law_year),
        index0=(1.0 + assume.inflation) ** (year0 - law_year),
        kinds=kinds,
        basis=basis,
        state_rate=assume.tax.state_rate,
        dividend_yield=assume.dividend_yield,
        order=ORDERS.index(assume.withdrawal_order),
        fill_top=BRACKET_RATES.index(assume.fill_bracket),
        convert_rows=convert_rows,
        convert_top=convert_top,
        conversion_target=int(free[0]) if free.size else -1,
        info=TaxLawInfo("us", law_year, law_hash()),
    )
