"""Share plan builders and the historical data file among the engine's unit tests."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PlanFactory = Callable[..., dict[str, Any]]

_REPO = Path(__file__).resolve().parents[5]
_DEFAULT_CSV = _REPO.parent / "shared" / "data" / "shiller_monthly.csv"


@pytest.fixture(scope="session")
def historical_csv() -> Path:
    """Return the Shiller CSV; skip without it, except on CI where its absence is a failure."""
    configured = os.environ.get("NESTEGG_HISTORICAL_DATA")
    path = Path(configured) if configured else _DEFAULT_CSV
    if not path.is_file():
        message = (
            f"historical data file {path} not found: set NESTEGG_HISTORICAL_DATA to a copy of "
            "shiller_monthly.csv (Robert Shiller's monthly data as tidied by the "
            "datasets/s-and-p-500 project) or place it at ../shared/data/ beside the repository"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


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
