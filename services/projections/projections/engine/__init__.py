"""Project a retirement plan: deterministic, Monte Carlo and historical, one cash-flow kernel."""

# First: where the compiled `us` kernel is cached (numba_cache.py says why).
from . import numba_cache  # noqa: F401  isort: skip
from .api import (
    SHIPPED_HISTORICAL_DATA,
    expected_inputs_hash,
    load_historical,
    prepare,
    run_projection,
)
from .plan import Plan
from .returns import HistoricalSeries, load_shiller_csv
from .solve import solve
from .version import ENGINE_VERSION

__all__ = [
    "ENGINE_VERSION",
    "SHIPPED_HISTORICAL_DATA",
    "HistoricalSeries",
    "Plan",
    "expected_inputs_hash",
    "load_historical",
    "load_shiller_csv",
    "prepare",
    "run_projection",
    "solve",
]
