"""Hold the return matrices and the fat-tailed and bootstrap draws (docs/ENGINE.md, Return models).

The lognormal model and the data loader live in returns.py; this module holds what they share
(the matrices, the historical series, the inflation floor, the overflow guard) and the two
other models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# A price level (and a balance) must stay positive: a draw never falls below -99 % a year.
INFLATION_FLOOR = -0.99
RETURN_FLOOR = -0.99
# Results print money in today's dollars: a path may compound (nominal growth over the price
# level) to at most 10^280, so that 10^12 of any record, summed over 10^5 paths and rounded to
# cents, stays a finite float (max ≈ 1.8 × 10^308) and the result strict JSON.
MAX_LOG_SCALE = 280.0 * math.log(10.0)
# Incomes and expenses may grow by up to 100 % a year (`growth_rate` ≤ 1): the guard's bound
# on how fast any money amount grows is the larger of that and the year's return.
_FLOW_GROWTH = math.log(2.0)


@dataclass(frozen=True)
class ReturnPaths:
    """Hold nominal yearly rates, each shaped (paths, years)."""

    stock: FloatArray
    bond: FloatArray
    inflation: FloatArray
    start_years: tuple[int, ...] | None = None

    @property
    def paths(self) -> int:
        """Return the number of paths."""
        return int(self.stock.shape[0])

    @property
    def years(self) -> int:
        """Return the number of years."""
        return int(self.stock.shape[1])


@dataclass(frozen=True)
class HistoricalSeries:
    """Hold the annual historical series, one entry per complete calendar year."""

    years: tuple[int, ...]
    stock: FloatArray
    bond: FloatArray
    inflation: FloatArray
    sha256: str


def checked(returns: ReturnPaths) -> ReturnPaths:
    """Return the paths, or refuse assumptions whose money would overflow, nominal or real.

    No balance or flow can grow faster in a year than log max(2, 1 + stock, 1 + bond) (flows
    grow by at most 100 %): summed over the years, that bounds nominal money; less
    log(1 + inflation) per year, money in today's dollars. Both must stay below 10^280.
    """
    # Fast path: the worst year repeated every year still fits (true of any ordinary plan).
    top = max(float(returns.stock.max()), float(returns.bond.max()))
    worst_growth = max(math.log1p(top), _FLOW_GROWTH)
    worst_year = max(worst_growth, worst_growth - math.log1p(float(returns.inflation.min())))
    if worst_year * returns.years <= MAX_LOG_SCALE:
        return returns
    grow = np.cumsum(
        np.maximum(np.log1p(np.maximum(returns.stock, returns.bond)), _FLOW_GROWTH), axis=1
    )
    deflate = np.cumsum(-np.log1p(returns.inflation), axis=1)
    worst = max(float(np.max(grow + deflate)), float(np.max(grow)))
    if worst <= MAX_LOG_SCALE:
        return returns
    field = (
        "assumptions.inflation"
        if float(np.max(deflate)) > MAX_LOG_SCALE / 2.0
        else "assumptions.stock_return / stock_vol / return_model"
    )
    raise ValueError(
        f"{field}: over the plan's {returns.years} years the drawn returns and inflation compound "
        f"to 10^{worst / math.log(10.0):.0f}, beyond the 10^280 a result can hold; choose less "
        "extreme values"
    )


def student_t_returns(
    rng: np.random.Generator,
    paths: int,
    years: int,
    *,
    stock: tuple[float, float],
    bond: tuple[float, float],
    inflation: tuple[float, float],
    corr: float,
    df: float,
) -> ReturnPaths:
    """Draw a multivariate t: arithmetic means, vols and correlation as stated, fat tails.

    Each (path, year) shares one chi-square draw W across stocks, bonds and inflation:
    `T = Z · sqrt((df − 2) / W)` has unit variance for df > 2, excess kurtosis 6 / (df − 4)
    for df > 4, and the correlation of the normals Z (a bad year is bad for every asset).
    Returns are floored at −99 % (a balance stays positive); docs/ENGINE.md bounds the shift
    this makes to the mean.
    """
    z = rng.standard_normal((3, paths, years))
    scale = np.sqrt((df - 2.0) / rng.chisquare(df, (paths, years)))
    t_stock = z[0] * scale
    t_bond = (corr * z[0] + math.sqrt(max(0.0, 1.0 - corr * corr)) * z[1]) * scale
    return ReturnPaths(
        stock=np.maximum(stock[0] + stock[1] * t_stock, RETURN_FLOOR),
        bond=np.maximum(bond[0] + bond[1] * t_bond, RETURN_FLOOR),
        inflation=np.maximum(inflation[0] + inflation[1] * z[2] * scale, INFLATION_FLOOR),
    )


def bootstrap_returns(
    rng: np.random.Generator,
    series: HistoricalSeries,
    paths: int,
    years: int,
    block_years: int,
) -> ReturnPaths:
    """Draw circular blocks of `block_years` whole historical years (Politis & Romano 1992).

    Each block starts at a uniformly drawn year and wraps from the last year to the first, so
    every position of every path is each historical year with probability 1/N: the expected
    value of any yearly statistic is exactly the series' own.
    """
    count = len(series.years)
    blocks = -(-years // block_years)
    starts = rng.integers(0, count, size=(paths, blocks))
    offsets = np.arange(block_years, dtype=np.int64)
    index = ((starts[:, :, None] + offsets) % count).reshape(paths, blocks * block_years)
    index = index[:, :years]
    return ReturnPaths(
        stock=series.stock[index], bond=series.bond[index], inflation=series.inflation[index]
    )


def series_between(
    series: HistoricalSeries, first_year: int | None, last_year: int | None
) -> HistoricalSeries:
    """Return the series restricted to [first_year, last_year] (the bootstrap's pool of years)."""
    lo = series.years[0] if first_year is None else max(first_year, series.years[0])
    hi = series.years[-1] if last_year is None else min(last_year, series.years[-1])
    if hi < lo:
        raise ValueError(
            f"assumptions.historical: no complete year of data between {lo} and {hi} "
            f"(the data covers {series.years[0]}-{series.years[-1]})"
        )
    a, b = lo - series.years[0], hi - series.years[0] + 1
    return HistoricalSeries(
        years=series.years[a:b],
        stock=series.stock[a:b],
        bond=series.bond[a:b],
        inflation=series.inflation[a:b],
        sha256=series.sha256,
    )
