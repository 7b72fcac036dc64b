"""Builders of ledger records as the ledger's snapshot shows them, and small computations."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from pathlib import Path
from typing import Any

# Deterministic plans: fixed returns, no income tax, 2% inflation (so real values differ).
# No tax: the flat regime at 0 % (the `us` regime, the default since issue 16, taxes growth).
DETERMINISTIC: dict[str, Any] = {
    "mode": "deterministic",
    "income_tax_rate": 0,
    "tax": {"regime": "flat"},
    "inflation": 0.02,
}


def born_years_ago(age: int) -> str:
    """Return 1 January `age` years ago: the person is `age` on every day of this year."""
    return f"{date.today().year - age}-01-01"


def asset(
    balance: float, *, kind: str = "taxable", stock_allocation: float = 1.0, **extra: Any
) -> dict[str, Any]:
    """Return an asset as ledger's snapshot shows it (ledger-only fields included)."""
    return {
        "id": str(uuid.uuid4()),
        "name": "Index fund",
        "kind": kind,
        "balance": f"{balance:.2f}",
        "annual_contribution": "0.00",
        "contribution_end_age": None,
        "stock_allocation": stock_allocation,
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
        **extra,
    }


def expense(amount: float, *, indexed: bool = False, **extra: Any) -> dict[str, Any]:
    """Return an annual expense as ledger's snapshot shows it."""
    return {
        "id": str(uuid.uuid4()),
        "name": "Living",
        "category": "living",
        "amount": f"{amount:.2f}",
        "frequency": "annual",
        "start_age": None,
        "end_age": None,
        "inflation_indexed": indexed,
        "essential": True,
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
        **extra,
    }


def income(amount: float, *, kind: str = "salary", **extra: Any) -> dict[str, Any]:
    """Return an annual, non-indexed income as ledger's snapshot shows it."""
    return {
        "id": str(uuid.uuid4()),
        "name": "Pay",
        "kind": kind,
        "amount": f"{amount:.2f}",
        "frequency": "annual",
        "start_age": None,
        "end_age": None,
        "growth_rate": 0.0,
        "inflation_indexed": False,
        "taxable": True,
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
        **extra,
    }


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
