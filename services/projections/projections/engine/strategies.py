"""Compute each path's withdrawal for the rate-based strategies, vectorised over paths."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

NEEDS = "needs"
FIXED_REAL = "fixed_real"
FIXED_PERCENTAGE = "fixed_percentage"
GUARDRAILS = "guardrails"
VPW = "vpw"
FLOOR_CEILING = "floor_ceiling"
RMD_BASED = "rmd_based"
STRATEGIES = (NEEDS, FIXED_REAL, FIXED_PERCENTAGE, GUARDRAILS, VPW, FLOOR_CEILING, RMD_BASED)
# Research modes (Trinity/Bengen family): the rule sets the draw whatever the stated expenses
# are, with engine 1's arithmetic (below). The others are spending policies (spending.py).
RESEARCH = frozenset({FIXED_REAL, FIXED_PERCENTAGE})
# Policies whose rule sets the portfolio draw (spending = draw + net income, floored).
RULE_DRAWS = frozenset({VPW, FLOOR_CEILING, RMD_BASED})

# Guyton & Klinger (2006) stop applying the capital-preservation cut in the last 15 years.
NO_CUT_FINAL_YEARS = 15


@dataclass(frozen=True)
class StrategyParams:
    """Hold a strategy's name and parameters."""

    name: str = NEEDS
    rate: float = 0.04
    upper: float = 0.20
    lower: float = 0.20
    adjustment: float = 0.10
    vpw_real_return: float = 0.04
    floor: float = 0.90
    ceiling: float = 1.25
    # Year-one withdrawal in today's money; replaces rate × portfolio (used by the spending solver).
    initial_withdrawal: float | None = None

    def __post_init__(self) -> None:
        """Reject an unknown strategy name."""
        if self.name not in STRATEGIES:
            raise ValueError(f"unknown withdrawal strategy {self.name!r}")


@dataclass
class StrategyState:
    """Carry each path's withdrawal and initial withdrawal rate from year to year."""

    withdrawal: FloatArray
    initial_rate: FloatArray


def _rate(withdrawal: FloatArray, portfolio: FloatArray) -> FloatArray:
    """Return withdrawal / portfolio, infinite where the portfolio is empty."""
    out = np.full_like(withdrawal, np.inf)
    np.divide(withdrawal, portfolio, out=out, where=portfolio > 0.0)
    return out


def first_withdrawal(
    params: StrategyParams, portfolio: FloatArray, price_index: FloatArray
) -> StrategyState:
    """Return the withdrawal for the first year of retirement."""
    if params.initial_withdrawal is not None and params.name != FIXED_PERCENTAGE:
        withdrawal = params.initial_withdrawal * price_index
    else:
        withdrawal = params.rate * portfolio
    return StrategyState(withdrawal=withdrawal, initial_rate=_rate(withdrawal, portfolio))


def next_withdrawal(
    params: StrategyParams,
    state: StrategyState,
    *,
    portfolio: FloatArray,
    last_inflation: FloatArray,
    last_return: FloatArray,
    years_left: int,
) -> None:
    """Advance each path's withdrawal by one year, in place."""
    if params.name == FIXED_PERCENTAGE:
        state.withdrawal = params.rate * portfolio
        return
    if params.name == FIXED_REAL:
        state.withdrawal = state.withdrawal * (1.0 + last_inflation)
        return
    # Guyton–Klinger withdrawal rule: no inflation raise after a year the portfolio lost money.
    raised = np.where(
        last_return < 0.0, state.withdrawal, state.withdrawal * (1.0 + last_inflation)
    )
    current = _rate(raised, portfolio)
    if years_left > NO_CUT_FINAL_YEARS:
        cut = current > state.initial_rate * (1.0 + params.upper)
        raised = np.where(cut, raised * (1.0 - params.adjustment), raised)
    boost = current < state.initial_rate * (1.0 - params.lower)
    state.withdrawal = np.where(boost, raised * (1.0 + params.adjustment), raised)
