"""Check the median deterministic path and the moments of every Monte Carlo return model.

Standard errors come from the statistics' influence functions (the delta method, van der
Vaart 1998, *Asymptotic Statistics*, ch. 3): a statistic θ̂ of n iid draws has
SE ≈ sd(IF(x_i)) / √n, with IF = x − μ for a mean, ((x − μ)² − σ²) / (2σ) for a volatility and
x̃ỹ − r(x̃² + ỹ²)/2 (x̃, ỹ standardised) for a correlation.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from projections.engine import run_projection
from projections.engine.api import expected_inputs_hash, load_historical, prepare
from projections.engine.return_models import RETURN_FLOOR, bootstrap_returns
from projections.engine.returns import monte_carlo_returns

TODAY = date(2025, 6, 1)
Floats = npt.NDArray[np.float64]
STOCK, BOND, INFLATION, CORR = (0.10, 0.20), (0.04, 0.08), (0.03, 0.04), 0.3
# 10,000 paths × 100 years = 10^6 independent draws of each variable.
PATHS, YEARS = 10_000, 100


def _mean_se(x: Floats) -> tuple[float, float]:
    return float(x.mean()), float(x.std() / math.sqrt(x.size))


def _vol_se(x: Floats) -> tuple[float, float]:
    sd = float(x.std())
    influence = ((x - x.mean()) ** 2 - sd**2) / (2 * sd)
    return sd, float(influence.std() / math.sqrt(x.size))


def _corr_se(x: Floats, y: Floats) -> tuple[float, float]:
    xs, ys = (x - x.mean()) / x.std(), (y - y.mean()) / y.std()
    r = float(np.mean(xs * ys))
    influence = xs * ys - r * (xs**2 + ys**2) / 2
    return r, float(influence.std() / math.sqrt(x.size))


def _within_3_se(estimate: tuple[float, float], expected: float) -> None:
    value, se = estimate
    assert abs(value - expected) < 3 * se, f"{value} vs {expected} (3 SE = {3 * se:.2e})"


def _check_moments(paths: Any) -> None:
    stock, bond, infl = (a.ravel() for a in (paths.stock, paths.bond, paths.inflation))
    assert stock.size == 10**6
    for draws, (mean, vol) in ((stock, STOCK), (bond, BOND), (infl, INFLATION)):
        _within_3_se(_mean_se(draws), mean)
        _within_3_se(_vol_se(draws), vol)
    _within_3_se(_corr_se(stock, bond), CORR)
    _within_3_se(_corr_se(stock, infl), 0.0)
    _within_3_se(_corr_se(bond, infl), 0.0)


def _draw(model: str, **kwargs: Any) -> Any:
    return monte_carlo_returns(
        PATHS,
        YEARS,
        seed=2026,
        stock=STOCK,
        bond=BOND,
        inflation=INFLATION,
        stock_bond_corr=CORR,
        model=model,  # type: ignore[arg-type]
        **kwargs,
    )


def test_deterministic_is_the_closed_form_at_the_median_growth_rate_to_the_cent(make_plan):
    # A lump sum in a Roth (no tax in any regime), all stocks, a fixed real draw of 4 %.
    m, s, inflation, years, balance, draw = 0.07, 0.15, 0.02, 30, 1_000_000.0, 40_000.0
    plan = make_plan(
        current_age=65,
        retirement_age=65,
        life_expectancy=65 + years,
        assets=[
            {"name": "roth", "kind": "tax_free", "balance": "1000000.00", "stock_allocation": 1.0}
        ],
        withdrawal_strategy="fixed_real",
        stock_return=m,
        stock_vol=s,
        inflation=inflation,
        inflation_vol=0.01,
        income_tax_rate=0.0,
        tax={"regime": "flat"},
    )
    result = run_projection(plan, today=TODAY)
    g = (1 + m) / math.sqrt(1 + (s / (1 + m)) ** 2) - 1  # DESIGN §6.5, ≈ 5.964 %
    # B[n] = (1+g)^n (P − W Σ q^t), q = (1+i)/(1+g): each year's draw, then the year's growth.
    q = (1 + inflation) / (1 + g)
    expected = (1 + g) ** years * (balance - draw * (q**years - 1) / (q - 1))
    last = result["years"][-1]
    assert abs(last["portfolio"]["p50"] - expected) <= 0.01
    assert abs(last["portfolio_real"]["p50"] - expected / (1 + inflation) ** years) <= 0.01
    # The stated (arithmetic) mean compounds to far more: engine 1's optimism.
    assert expected < (1 + m) ** years * balance / 2


def test_the_median_at_zero_volatility_is_the_stated_mean(make_plan):
    plan = make_plan(current_age=65, life_expectancy=70, stock_return=0.07, inflation=0.02)
    prepared = prepare(plan, today=TODAY)
    assert np.all(prepared.returns.stock == 0.07)
    assert np.all(prepared.returns.inflation == 0.02)


def test_lognormal_draws_match_means_vols_and_correlations_within_3_se():
    _check_moments(_draw("lognormal"))


def test_student_t_draws_match_the_moments_and_the_excess_kurtosis_of_their_df():
    df = 10.0
    paths = _draw("student_t", t_df=df)
    _check_moments(paths)

    # Unit-variance t moments: E[z^2k] = (ν−2)^k Γ(k+½) Γ(ν/2−k) / (√π Γ(ν/2)), k < ν/2
    # (Johnson, Kotz & Balakrishnan 1995, vol. 2, ch. 28).
    def moment(k: int) -> float:
        return (
            (df - 2) ** k
            * math.gamma(k + 0.5)
            * math.gamma(df / 2 - k)
            / (math.sqrt(math.pi) * math.gamma(df / 2))
        )

    kurtosis = moment(2)
    assert kurtosis - 3 == pytest.approx(6 / (df - 4), rel=1e-12)
    # IF of the sample kurtosis of a symmetric law: z⁴ − κ − 2κ(z² − 1); its variance is
    # m8 − 4κ m6 + 4κ³ − κ² = 720 at ν = 10, so SE = √(720 / 10^6) ≈ 0.027.
    se = math.sqrt((moment(4) - 4 * kurtosis * moment(3) + 4 * kurtosis**3 - kurtosis**2) / 1e6)
    for draws in (paths.stock, paths.bond, paths.inflation):
        z = (draws - draws.mean()) / draws.std()
        assert abs(float(np.mean(z**4)) - kurtosis) < 3 * se


def test_the_student_t_floor_moves_the_mean_by_less_than_a_standard_error():
    # The floor at −99 % raises the mean by s · E[(k − T)+], T the unit-variance t, k the
    # floor in its units. At the default ν = 5 and 10 % / 18 % stocks (the worst default case):
    nu, (m, s) = 5.0, (0.10, 0.18)
    k = (RETURN_FLOOR - m) / s
    x = -np.geomspace(1e7, -k, 2_000_001)  # the tail below k, beyond 10^7 negligible (~10^-30)
    c = math.gamma((nu + 1) / 2) / (math.sqrt(math.pi * (nu - 2)) * math.gamma(nu / 2))
    density = c * (1 + x**2 / (nu - 2)) ** (-(nu + 1) / 2)
    integrand = (k - x) * density
    shift = s * float(np.sum((integrand[1:] + integrand[:-1]) / 2 * np.diff(x)))
    # ≈ 7.9e-5 (also k·F(k) + (ν + k²)/(ν − 1)·f(k) on the standard t's scale), under half
    # the mean's SE at 10^6 draws (0.18 / 1000 = 1.8e-4): invisible to the 3 SE tests.
    assert shift == pytest.approx(7.91e-5, rel=1e-3)
    assert shift < 0.5 * s / 1000
    paths = monte_carlo_returns(
        PATHS,
        YEARS,
        seed=7,
        stock=(m, s),
        bond=BOND,
        inflation=INFLATION,
        stock_bond_corr=CORR,
        model="student_t",
        t_df=nu,
    )
    _within_3_se(_mean_se(paths.stock.ravel()), m)
    assert paths.stock.min() >= RETURN_FLOOR


def test_circular_blocks_make_every_historical_year_equally_likely_at_every_position():
    series = load_historical()
    count, block = len(series.years), 5
    # Every start year of a block, once each: each year appears exactly `block` times in all
    # and once at each position, so E[x_t] = the series' mean exactly (Politis & Romano 1992).
    starts = np.arange(count)[:, None]
    index = (starts + np.arange(block)) % count
    for position in range(block):
        assert np.bincount(index[:, position], minlength=count).tolist() == [1] * count
    assert float(series.stock[index].mean()) == pytest.approx(float(series.stock.mean()), 1e-14)


def test_bootstrap_draws_reproduce_the_historical_moments_in_expectation():
    series = load_historical()
    rng = np.random.Generator(np.random.PCG64(11))
    paths = bootstrap_returns(rng, series, PATHS, YEARS, 5)
    # Years within a path are dependent (blocks); paths are independent: SE from path means.
    columns = {
        "stock": (paths.stock, series.stock),
        "bond": (paths.bond, series.bond),
        "inflation": (paths.inflation, series.inflation),
        "stock²": (paths.stock**2, series.stock**2),
        "bond²": (paths.bond**2, series.bond**2),
        "stock·bond": (paths.stock * paths.bond, series.stock * series.bond),
        "stock·inflation": (paths.stock * paths.inflation, series.stock * series.inflation),
    }
    for name, (drawn, history) in columns.items():
        per_path = drawn.mean(axis=1)
        se = per_path.std() / math.sqrt(PATHS)
        gap = abs(per_path.mean() - history.mean())
        assert gap < 3 * se, f"{name}: {gap:.2e} ≥ 3 SE {3 * se:.2e}"


def test_a_bootstrap_run_names_its_dataset_and_draws_only_historical_years(make_plan):
    plan = make_plan(
        mode="monte_carlo", paths=200, seed=4, return_model="bootstrap", life_expectancy=80
    )
    plan["assumptions"]["historical"] = {"first_year": 1950, "last_year": 1999}
    prepared = prepare(plan, today=TODAY)
    series = load_historical()
    first = series.years.index(1950)
    pool = set(series.stock[first : first + 50].tolist())  # 1950–1999
    assert set(prepared.returns.stock.ravel().tolist()) <= pool
    result = run_projection(plan, today=TODAY)
    assert result["dataset_hash"] == series.sha256
    assert result["inputs_hash"] == expected_inputs_hash(plan, today=TODAY)


def test_every_model_is_reproducible_from_its_seed(make_plan):
    for model in ("lognormal", "student_t", "bootstrap"):
        plan = make_plan(mode="monte_carlo", paths=50, seed=9, return_model=model, stock_vol=0.2)
        assert run_projection(plan, today=TODAY) == run_projection(plan, today=TODAY)
