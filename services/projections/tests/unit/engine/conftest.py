"""Share plan builders and the historical data file among the engine's unit tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from projections.engine import SHIPPED_HISTORICAL_DATA

PlanFactory = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def historical_csv() -> Path:
    """Return the Shiller CSV the engine ships (every test uses it; none skips for want of it)."""
    return SHIPPED_HISTORICAL_DATA


@pytest.fixture
def make_plan() -> PlanFactory:
    """Return a builder of small plan dicts: one taxable asset, no flows, deterministic."""

    def build(
        *,
        current_age: int = 65,
        retirement_age: int = 65,
        life_expectancy: int = 95,
        assets: list[dict[str, Any]] | None = None,
        debts: list[dict[str, Any]] | None = None,
        incomes: list[dict[str, Any]] | None = None,
        expenses: list[dict[str, Any]] | None = None,
        **assumptions: Any,
    ) -> dict[str, Any]:
        base_assumptions: dict[str, Any] = {
            "mode": "deterministic",
            "stock_return": 0.0,
            "bond_return": 0.0,
            "inflation": 0.0,
        }
        # These tests check engine 1's flat arithmetic; the `us` regime's own tests say so.
        base_assumptions["tax"] = {"regime": "flat"}
        base_assumptions.update(assumptions)
        return {
            "profile": {
                "current_age": current_age,
                "retirement_age": retirement_age,
                "life_expectancy": life_expectancy,
            },
            "assets": assets
            if assets is not None
            else [
                {
                    "name": "portfolio",
                    "kind": "taxable",
                    "balance": "1000000.00",
                    "stock_allocation": 1.0,
                }
            ],
            "debts": debts or [],
            "incomes": incomes or [],
            "expenses": expenses or [],
            "assumptions": base_assumptions,
        }

    return build
