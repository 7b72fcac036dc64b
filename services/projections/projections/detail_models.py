"""The shape of a run's `detail`: the representative path year by year, for the OpenAPI document.

Split from result_models (the run answer) to keep each module readable; the same rules apply:
the answer is built as a dict by the engine (engine/detail.py) and these models describe it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# A fixed shape: an undocumented field is an error in the e2e OpenAPI check.
_CLOSED = ConfigDict(extra="forbid")

_MONEY = "Nominal, currency units, on the representative path"


class IncomesByKind(BaseModel):
    """One year's gross incomes of the representative path, by the ledger's income kinds."""

    model_config = _CLOSED

    salary: float = Field(description=f"Wages (`salary` incomes). {_MONEY}.")
    social_security: float = Field(description=f"Social Security benefits received. {_MONEY}.")
    pension: float = Field(description=f"Pensions. {_MONEY}.")
    annuity: float = Field(description=f"Annuities. {_MONEY}.")
    rental: float = Field(description=f"Rental income. {_MONEY}.")
    other: float = Field(description=f"`other` incomes. {_MONEY}.")


class ByAccountKind(BaseModel):
    """An amount for each kind of liquid account."""

    model_config = _CLOSED

    cash: float = Field(description=f"Cash accounts. {_MONEY}.")
    taxable: float = Field(description=f"Taxable (brokerage) accounts. {_MONEY}.")
    tax_deferred: float = Field(description=f"Tax-deferred accounts (401(k), IRA). {_MONEY}.")
    tax_free: float = Field(description=f"Tax-free accounts (Roth). {_MONEY}.")


class TaxesByKind(BaseModel):
    """One year's taxes of the representative path, each separately."""

    model_config = _CLOSED

    federal: float = Field(
        description=f"Federal income tax (ordinary, qualified dividends and gains, AMT, NIIT). "
        f"{_MONEY}."
    )
    state: float = Field(
        description=f"State tax: `tax.state_rate` × (AGI − taxable Social Security). {_MONEY}."
    )
    payroll: float = Field(
        description=f"Payroll tax on wages: Social Security to the wage base, Medicare, "
        f"additional Medicare. {_MONEY}."
    )
    irmaa: float = Field(
        description=f"Medicare IRMAA surcharges (Part B and D), from 65, on the MAGI of two "
        f"years before. {_MONEY}."
    )


class DetailRow(BaseModel):
    """One year of the representative path, every flow separately (DESIGN §6.6).

    It adds up: income + withdrawals = spending + taxes + debt payments + contributions +
    savings (− unfunded), where withdrawals include the RMDs.
    """

    model_config = _CLOSED

    age: int = Field(description="The user's age in that year (whole years).")
    partner_age: int | None = Field(
        description="The partner's age in that year; null without a partner."
    )
    year: int = Field(description="The calendar year.")
    incomes: IncomesByKind = Field(description="Gross incomes by kind.")
    withdrawals: ByAccountKind = Field(
        description="Taken out of each kind of account, RMDs included (Roth conversions are "
        "not withdrawals)."
    )
    taxes: TaxesByKind = Field(description="Each tax separately; their sum is the year's taxes.")
    balances: ByAccountKind = Field(
        description="Each kind of account's balance at the start of the year, before its flows."
    )
    income: float = Field(description=f"Gross income, all kinds. {_MONEY}.")
    rmd: float = Field(description=f"Required minimum distributions taken. {_MONEY}.")
    roth_conversion: float = Field(
        description=f"Converted from tax_deferred to tax_free. {_MONEY}."
    )
    realised_gains: float = Field(
        description=f"Long-term gains realised: taxable accounts sold (average cost) and "
        f"home sales beyond the exclusion. {_MONEY}."
    )
    dividends: float = Field(
        description=f"Qualified dividends of taxable accounts (`dividend_yield` of their "
        f"stock). {_MONEY}."
    )
    interest: float = Field(
        description=f"Interest of taxable accounts (their bond share's return). {_MONEY}."
    )
    spending: float = Field(description=f"What was spent on living. {_MONEY}.")
    essential_spending: float | None = Field(
        None, description=f"The essential part of `spending` (engine 2.2 on). {_MONEY}."
    )
    discretionary_spending: float | None = Field(
        None, description=f"The discretionary part of `spending` (engine 2.2 on). {_MONEY}."
    )
    unfunded: float = Field(
        description=f"Spending the money could not cover (0 unless the plan fails). {_MONEY}."
    )
    debt_payments: float = Field(description=f"Debt payments, payoffs included. {_MONEY}.")
    contributions: float = Field(
        description=f"Contributions to accounts (pre-tax ones to tax_deferred included). {_MONEY}."
    )
    savings: float = Field(
        description=f"Income left over and reinvested (in taxable, or cash), such as an RMD "
        f"not spent, after tax. {_MONEY}."
    )
    agi: float = Field(description=f"Federal adjusted gross income. {_MONEY}.")
    taxable_income: float = Field(
        description=f"Federal taxable income (AGI less deductions). {_MONEY}."
    )


class Detail(BaseModel):
    """The year-by-year breakdown of the representative path (DESIGN §6.6)."""

    model_config = _CLOSED

    path: int = Field(
        description="Which path it is (0-based): the one whose final real portfolio is the "
        "median (the lower middle one for an even count of paths)."
    )
    rows: list[DetailRow] = Field(
        description="One row per year with flows: the ages of `years` but its last row (what "
        "is left at the end, which has no flows)."
    )
