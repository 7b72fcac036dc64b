"""Generate the (paths × years) stock, bond and inflation matrices the kernel consumes."""

from __future__ import annotations

import csv
import hashlib
import math
import secrets
from pathlib import Path

import numpy as np

from .assumptions import ReturnModel
from .return_models import INFLATION_FLOOR, bootstrap_returns, checked, student_t_returns

# Re-exported: the rest of the engine imports these from here.
from .return_models import FloatArray as FloatArray
from .return_models import HistoricalSeries as HistoricalSeries
from .return_models import ReturnPaths as ReturnPaths

# Seeds we pick ourselves stay below 2**53 so they survive a round trip through JSON in any client.
_MAX_DRAWN_SEED = 2**53


def median_return(mean: float, vol: float) -> float:
    """Return the median yearly return of the lognormal with this arithmetic mean and volatility.

    `1 + R = exp(X)` with `X ~ N(μ, σ²)` has median `exp(μ) = (1 + m) / sqrt(1 + (s/(1 + m))²)`
    (DESIGN §6.5). With zero volatility it is the stated mean itself, bit for bit, which is
    what Monte Carlo draws at σ = 0 too.
    """
    if vol == 0.0:
        return mean
    return math.expm1(lognormal_params(mean, vol)[0])


def deterministic_returns(
    years: int,
    *,
    stock: tuple[float, float],
    bond: tuple[float, float],
    inflation: float,
) -> ReturnPaths:
    """Return the Monte Carlo median path: every year earns each draw's median.

    Stocks and bonds earn the lognormal median; inflation is drawn as a normal clipped at the
    floor, whose median is the stated mean (clipped alike), so that is what every year gets.
    """
    shape = (1, years)
    return checked(
        ReturnPaths(
            stock=np.full(shape, median_return(*stock), dtype=np.float64),
            bond=np.full(shape, median_return(*bond), dtype=np.float64),
            inflation=np.full(shape, max(inflation, INFLATION_FLOOR), dtype=np.float64),
        )
    )


def draw_seed() -> int:
    """Pick a seed from OS entropy."""
    return secrets.randbelow(_MAX_DRAWN_SEED)


def lognormal_params(mean: float, vol: float) -> tuple[float, float]:
    """Return (mu, sigma) of log(1 + R) so that R has the given arithmetic mean and volatility."""
    gross = 1.0 + mean
    sigma2 = math.log1p((vol / gross) ** 2)
    return math.log(gross) - sigma2 / 2.0, math.sqrt(sigma2)


def log_correlation(rho: float, sigma_a: float, sigma_b: float) -> float:
    """Return the normal correlation that gives two lognormals the arithmetic correlation rho."""
    if sigma_a == 0.0 or sigma_b == 0.0:
        return 0.0
    scale = math.sqrt(math.expm1(sigma_a**2) * math.expm1(sigma_b**2))
    inner = 1.0 + rho * scale
    # Very negative targets are unreachable for lognormals; the closest reachable value is -1.
    if inner <= 0.0:
        return -1.0
    return max(-1.0, min(1.0, math.log(inner) / (sigma_a * sigma_b)))


def monte_carlo_returns(
    paths: int,
    years: int,
    *,
    seed: int,
    stock: tuple[float, float],
    bond: tuple[float, float],
    inflation: tuple[float, float],
    stock_bond_corr: float,
    model: ReturnModel = "lognormal",
    t_df: float = 5.0,
    series: HistoricalSeries | None = None,
    block_years: int = 5,
) -> ReturnPaths:
    """Draw seeded (paths × years) matrices from the chosen return model (docs/ENGINE.md)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    if model == "bootstrap":
        if series is None:
            raise ValueError("the bootstrap return model needs the historical series")
        return bootstrap_returns(rng, series, paths, years, block_years)
    if model == "student_t":
        return checked(
            student_t_returns(
                rng,
                paths,
                years,
                stock=stock,
                bond=bond,
                inflation=inflation,
                corr=stock_bond_corr,
                df=t_df,
            )
        )
    # One draw in a fixed order: the same seed and shape give bit-identical matrices.
    z = rng.standard_normal((3, paths, years))
    mu_s, sig_s = lognormal_params(*stock)
    mu_b, sig_b = lognormal_params(*bond)
    rho = log_correlation(stock_bond_corr, sig_s, sig_b)
    z_bond = rho * z[0] + math.sqrt(max(0.0, 1.0 - rho * rho)) * z[1]
    return checked(
        ReturnPaths(
            stock=_lognormal(stock[0], mu_s, sig_s, z[0]),
            bond=_lognormal(bond[0], mu_b, sig_b, z_bond),
            # A price level must stay positive: clip the normal's far tail at -99% a year.
            inflation=np.maximum(inflation[0] + inflation[1] * z[2], INFLATION_FLOOR),
        )
    )


def _lognormal(mean: float, mu: float, sigma: float, z: FloatArray) -> FloatArray:
    """Return exp(mu + sigma z) − 1; at σ = 0 exactly the mean (expm1(log1p(m)) may differ)."""
    if sigma == 0.0:
        return np.full(z.shape, mean, dtype=np.float64)
    return np.expm1(mu + sigma * z)


def historical_returns(
    series: HistoricalSeries,
    years: int,
    *,
    first_year: int | None = None,
    last_year: int | None = None,
) -> ReturnPaths:
    """Return one path per start year whose whole window fits inside the chosen range."""
    lo = series.years[0] if first_year is None else max(first_year, series.years[0])
    hi = series.years[-1] if last_year is None else min(last_year, series.years[-1])
    starts = tuple(range(lo, hi - years + 2))
    if not starts:
        raise ValueError(
            f"historical data {lo}-{hi} has {max(0, hi - lo + 1)} complete years; "
            f"the plan needs {years}"
        )
    base = series.years[0]
    index = np.array([[s - base + t for t in range(years)] for s in starts], dtype=np.intp)
    return ReturnPaths(
        stock=series.stock[index],
        bond=series.bond[index],
        inflation=series.inflation[index],
        start_years=starts,
    )


def repeat_paths(returns: ReturnPaths, times: int) -> ReturnPaths:
    """Return each path repeated `times` times in a row (one per lifespan draw crossed with it)."""
    starts = returns.start_years
    return ReturnPaths(
        stock=np.repeat(returns.stock, times, axis=0),
        bond=np.repeat(returns.bond, times, axis=0),
        inflation=np.repeat(returns.inflation, times, axis=0),
        start_years=None if starts is None else tuple(s for s in starts for _ in range(times)),
    )


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def bond_return(yield_buy: float, yield_sell: float) -> float:
    """Return one year's total return of a 10-year par bond sold as a 9-year bond."""
    coupon = yield_buy
    if yield_sell == 0.0:
        price = 9.0 * coupon + 1.0
    else:
        discount = (1.0 + yield_sell) ** -9
        price = coupon * (1.0 - discount) / yield_sell + discount
    return price + coupon - 1.0


def load_shiller_csv(path: str | Path) -> HistoricalSeries:
    """Load the Shiller monthly CSV into annual series per DESIGN §6."""
    source = Path(path)
    months: dict[tuple[int, int], tuple[float, float, float, float]] = {}
    with source.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            year, month = (int(part) for part in row["Date"].split("-")[:2])
            cpi = float(row["Consumer Price Index"])
            dividend = float(row["Dividend"])
            # The file pads recent months with zeros; the series ends at the last complete month.
            if cpi <= 0.0 or dividend <= 0.0:
                break
            months[(year, month)] = (
                float(row["SP500"]),
                dividend,
                cpi,
                float(row["Long Interest Rate"]) / 100.0,
            )
    years: list[int] = []
    stock: list[float] = []
    bond: list[float] = []
    inflation: list[float] = []
    for year in sorted({y for y, _ in months}):
        if not all((year, m) in months for m in range(1, 13)) or (year + 1, 1) not in months:
            continue
        jan, nxt = months[(year, 1)], months[(year + 1, 1)]
        dividends = sum(months[(year, m)][1] for m in range(1, 13)) / 12.0
        years.append(year)
        stock.append((nxt[0] + dividends) / jan[0] - 1.0)
        bond.append(bond_return(jan[3], nxt[3]))
        inflation.append(nxt[2] / jan[2] - 1.0)
    if not years:
        raise ValueError(f"{source} holds no complete year of data")
    if years != list(range(years[0], years[-1] + 1)):
        raise ValueError(f"{source} has a gap in its complete years")
    return HistoricalSeries(
        years=tuple(years),
        stock=np.array(stock, dtype=np.float64),
        bond=np.array(bond, dtype=np.float64),
        inflation=np.array(inflation, dtype=np.float64),
        sha256=file_sha256(source),
    )
