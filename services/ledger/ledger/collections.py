"""The four ledger collections share one API shape; this names what differs between them."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from ledger.models import (
    Asset,
    AssetOut,
    Debt,
    DebtOut,
    Expense,
    ExpenseOut,
    Income,
    IncomeOut,
)


@dataclass(frozen=True)
class Collection:
    """One collection: its URL segment, table, writable columns and models."""

    name: str
    noun: str
    table: str
    columns: tuple[str, ...]
    rate_columns: tuple[str, ...]
    model: type[BaseModel]
    out_model: type[BaseModel]


ASSETS = Collection(
    name="assets",
    noun="asset",
    table="assets",
    columns=(
        "name",
        "kind",
        "balance",
        "annual_contribution",
        "contribution_end_age",
        "stock_allocation",
        "owner",
        "cost_basis",
        "sell_age",
    ),
    rate_columns=("stock_allocation",),
    model=Asset,
    out_model=AssetOut,
)
DEBTS = Collection(
    name="debts",
    noun="debt",
    table="debts",
    columns=(
        "name",
        "kind",
        "balance",
        "interest_rate",
        "monthly_payment",
        "owner",
        "payoff_age",
    ),
    rate_columns=("interest_rate",),
    model=Debt,
    out_model=DebtOut,
)
INCOMES = Collection(
    name="incomes",
    noun="income",
    table="incomes",
    columns=(
        "name",
        "kind",
        "amount",
        "frequency",
        "start_age",
        "end_age",
        "growth_rate",
        "inflation_indexed",
        "taxable",
        "owner",
        "survivor_fraction",
    ),
    rate_columns=("growth_rate", "survivor_fraction"),
    model=Income,
    out_model=IncomeOut,
)
EXPENSES = Collection(
    name="expenses",
    noun="expense",
    table="expenses",
    columns=(
        "name",
        "category",
        "amount",
        "frequency",
        "start_age",
        "end_age",
        "inflation_indexed",
        "essential",
        "owner",
    ),
    rate_columns=(),
    model=Expense,
    out_model=ExpenseOut,
)

COLLECTIONS = (ASSETS, DEBTS, INCOMES, EXPENSES)
