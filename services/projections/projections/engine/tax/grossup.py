"""Solve the tax-deferred draw that nets a given need after the taxes it causes, on every path.

Find G ≥ 0 with G − (tax(G) − tax(0)) = N. The year's taxes (federal income tax with its Social
Security torpedo, 0% gains pushed into 15%, NIIT, AMT; state tax) are a continuous, piecewise
linear function of the extra ordinary income G, with a marginal rate that is below 100% but
neither constant nor monotone. So f(G) = G − Δtax(G) − N is continuous, piecewise linear and
strictly increasing: it has one root, and the secant method lands on it exactly as soon as two
successive points lie on the same linear piece. The secant step is kept inside the bracket
[lo, hi] known so far (f(lo) ≤ 0 ≤ f(hi)) and falls back to bisection when it would leave it,
which guarantees convergence. IRMAA depends on the MAGI of two years before and payroll tax on
wages, so neither changes with G.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Net within a cent of the need; the issue asks for under $1.
TOLERANCE = 0.01
MAX_ITERATIONS = 60


@dataclass(frozen=True)
class GrossUp:
    """Hold the solved draw, the tax it adds and how many tax evaluations each path needed."""

    draw: FloatArray
    tax_delta: FloatArray
    iterations: IntArray  # tax evaluations after the one at G = 0, per path
    capped: npt.NDArray[np.bool_]  # the cap binds: even the whole cap nets less than the need

    @property
    def net(self) -> FloatArray:
        """Return what the draw leaves to spend after its taxes."""
        return self.draw - self.tax_delta


def solve_grossup(
    need: FloatArray,
    tax_at: Callable[[FloatArray], FloatArray],
    *,
    cap: FloatArray | None = None,
    guess: FloatArray | None = None,
    base: FloatArray | None = None,
    restrict: Callable[[IntArray], Callable[[FloatArray], FloatArray]] | None = None,
    tolerance: float = TOLERANCE,
    max_iterations: int = MAX_ITERATIONS,
) -> GrossUp:
    """Return the draw G per path with G − (tax_at(G) − tax_at(0)) = need, within a tolerance.

    `tax_at(draw)` returns every path's total tax for the year when `draw` is taken on top of
    what the path already has. The caller decides what income a drawn dollar creates: ordinary
    income from tax_deferred, a realised gain of (1 − basis/value) from taxable at average
    cost, nothing from tax_free, or a mix along the withdrawal order; the method needs only
    that the tax be continuous in the draw with a marginal rate below 100%. `cap` (e.g. the account
    balance) bounds the draw; where even the cap nets less than the need, the draw is the cap.
    `guess` (e.g. the need scaled by last year's draw-to-need ratio on the path) replaces the
    first trial draw, the need itself; a good one saves about one evaluation.
    """
    need = np.maximum(np.asarray(need, dtype=np.float64), 0.0)
    # `base` (tax_at at a zero draw) saves an evaluation when the caller has it already.
    # `restrict(rows)` returns tax_at for those paths alone: once most paths have converged,
    # each step evaluates only the others (most converge at the first, warm-started, draw).
    base = tax_at(np.zeros_like(need)) if base is None else base

    def excess(draw: FloatArray) -> tuple[FloatArray, FloatArray]:
        delta = tax_at(draw) - base
        return draw - delta - need, delta

    limit = np.full_like(need, np.inf) if cap is None else np.asarray(cap, dtype=np.float64)
    x0, f0 = np.zeros_like(need), -need  # tax_at(0) − base is 0 by definition
    first = need if guess is None else np.maximum(np.asarray(guess, dtype=np.float64), 0.0)
    x1 = np.minimum(first, limit)
    f1, delta = excess(x1)
    lo, flo = np.where(f1 <= 0.0, x1, x0), np.where(f1 <= 0.0, f1, f0)
    hi, fhi = np.where(f1 >= 0.0, x1, np.inf), np.where(f1 >= 0.0, f1, np.nan)
    capped = (x1 >= limit) & (f1 < -tolerance)
    done = (np.abs(f1) <= tolerance) | capped
    iterations = np.ones(need.shape, dtype=np.int64)
    for _ in range(max_iterations - 1):
        if done.all():
            break
        slope = np.divide(f1 - f0, x1 - x0, out=np.ones_like(f1), where=x1 != x0)
        slope = np.where(slope > 0.0, slope, 1.0)  # f is increasing; guard flat or bad pairs
        step = x1 - f1 / slope
        bounded = np.isfinite(hi)
        inside = (step > lo) & (step < hi)
        # Without an upper bound yet, jump past the lower one; with a bracket, bisect.
        fallback = np.where(bounded, 0.5 * (lo + hi), lo + 2.0 * np.maximum(-flo, 1.0))
        x2 = np.minimum(np.where(inside, step, fallback), limit)
        x2 = np.where(done, x1, x2)
        active = np.flatnonzero(~done)
        if restrict is not None and 2 * active.size < need.size:
            d_active = restrict(active)(x2[active]) - base[active]
            d2 = delta.copy()
            d2[active] = d_active
            f2 = f1.copy()
            f2[active] = x2[active] - d_active - need[active]
        else:
            f2, d2 = excess(x2)
            f2, d2 = np.where(done, f1, f2), np.where(done, delta, d2)
        iterations += ~done
        below, above = f2 <= 0.0, f2 >= 0.0
        lo, flo = np.where(below & (x2 > lo), x2, lo), np.where(below & (x2 > lo), f2, flo)
        hi, fhi = np.where(above & (x2 < hi), x2, hi), np.where(above & (x2 < hi), f2, fhi)
        capped |= (x2 >= limit) & (f2 < -tolerance)
        x0, f0, x1, f1, delta = x1, f1, x2, f2, d2
        done |= (np.abs(f1) <= tolerance) | capped
    if not done.all():
        raise ArithmeticError(f"gross-up did not converge in {max_iterations} iterations")
    return GrossUp(draw=x1, tax_delta=delta, iterations=iterations, capped=capped)
