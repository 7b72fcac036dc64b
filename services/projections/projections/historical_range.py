"""Refuse a historical range outside the data the engine loaded (issue 13, item 11).

`historical.first_year` and `last_year` are checked against the complete years of whichever
series the engine loads (the shipped file, or `NESTEGG_HISTORICAL_DATA`), so that 2030 is a 422
naming the field and the range available, not a range silently clipped to the data. Checked when
a projection is created or changed (when data is available) and again at run time in historical
mode (the file may have been replaced since).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nestegg_common.errors import ValidationFailed
from projections.engine import load_historical
from projections.engine.returns import HistoricalSeries

FIELD = "assumptions.historical"


def available_series(historical_path: str | None) -> HistoricalSeries | None:
    """Return the series runs with this setting use, or None when this deployment has none."""
    try:
        return load_historical(historical_path)
    except ValueError:  # no file configured or found: run time says so, for historical mode
        return None


def check_historical_range(
    series: HistoricalSeries | None, historical: Mapping[str, Any], *, field: str = FIELD
) -> None:
    """Raise a 422 naming each of `first_year`/`last_year` outside the series' complete years."""
    if series is None:
        return
    first, last = series.years[0], series.years[-1]
    errors = [
        {
            "field": f"{field}.{name}",
            "message": f"{value} is outside the historical data, which has the complete years "
            f"{first}–{last}",
            "type": "value_error",
        }
        for name in ("first_year", "last_year")
        if (value := historical.get(name)) is not None and not first <= value <= last
    ]
    if errors:
        raise ValidationFailed(
            f"The historical data has the complete years {first}–{last}; choose "
            f"`historical.first_year` and `last_year` within them (or null for its ends).",
            errors=errors,
        )
