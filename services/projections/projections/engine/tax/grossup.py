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

The method is compiled (numba) as two steps on one path, `start` and `advance`: the caller
evaluates its own tax at each trial draw in between (the `us` year, us_year.py, and the
bracket room, us_taxes.py, loop so; `solve_grossup` does it for a compiled tax function on
every path of an array).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Net within a cent of the need; the issue asks for under $1.
TOLERANCE = 0.01
MAX_ITERATIONS = 60

# The solver's state on one path (`start`, `advance`): need, limit, the last two points
# (x0, f0), (x1, f1), the bracket [lo, hi] with f(lo) = flo, the tax delta at x1, the
# evaluations so far, whether the cap binds, whether it is done, and the next trial draw.
State = tuple[
    float, float, float, float, float, float, float, float, float, float, int, bool, bool, float
]
TaxAt = Callable[[float, int, Any], float]


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


@numba.njit(cache=True, error_model="numpy", inline="always")
def start(need: float, limit: float, first: float) -> State:
    """Return a path's first state: its trial draw (`state[13]`) is `first` within [0, limit].

    `first` is the need, or the need scaled by last year's draw-to-need ratio on the path (a
    good guess saves about one evaluation). The caller evaluates the tax delta at each trial
    draw, tax(G) − tax(0), and passes it to `advance` until the state is done (`state[12]`).
    """
    need = max(need, 0.0)
    trial = min(max(first, 0.0), limit)
    return (need, limit, 0.0, -need, 0.0, -need, 0.0, -need, np.inf, 0.0, 0, False, False, trial)


@numba.njit(cache=True, error_model="numpy", inline="always")
def advance(
    state: State,
    delta: float,
    tolerance: float = TOLERANCE,
    max_iterations: int = MAX_ITERATIONS,
) -> State:
    """Return the state after the tax delta at its trial draw, with the next trial draw.

    Done when the draw nets the need within the tolerance, or when the limit binds (the
    draw is the limit: even all of it nets less than the need). `state[12]` stays False if
    `max_iterations` evaluations did not converge (the caller raises).
    """
    need, limit, x0, f0, x1, f1, lo, flo, hi, d1, iterations, capped, done, x2 = state
    f2 = x2 - delta - need
    iterations += 1
    if iterations == 1:
        # x0 = 0 with f0 = −need (tax(0) − tax(0) is 0 by definition) is the first bound.
        lo, flo = (x2, f2) if f2 <= 0.0 else (0.0, -need)
        hi = x2 if f2 >= 0.0 else np.inf
    else:
        if f2 <= 0.0 and x2 > lo:
            lo, flo = x2, f2
        if f2 >= 0.0 and x2 < hi:
            hi = x2
        x0, f0 = x1, f1
    capped = capped or (x2 >= limit and f2 < -tolerance)
    x1, f1, d1 = x2, f2, delta
    done = abs(f1) <= tolerance or capped
    trial = x1
    if not done and iterations < max_iterations:
        slope = (f1 - f0) / (x1 - x0) if x1 != x0 else 1.0
        if not slope > 0.0:
            slope = 1.0  # f is increasing; guard flat or bad pairs
        step = x1 - f1 / slope
        if not (lo < step < hi):
            # Without an upper bound yet, jump past the lower one; with a bracket, bisect.
            step = 0.5 * (lo + hi) if np.isfinite(hi) else lo + 2.0 * max(-flo, 1.0)
        trial = min(step, limit)
    return (need, limit, x0, f0, x1, f1, lo, flo, hi, d1, iterations, capped, done, trial)


@numba.njit(cache=True, error_model="numpy", inline="always")
def finished(state: State, max_iterations: int = MAX_ITERATIONS) -> bool:
    """Return whether to stop: converged, capped, or out of evaluations."""
    return state[12] or state[10] >= max_iterations


# Not cached: numba cannot cache a function that takes another compiled function.
@numba.njit
def _solve_paths(
    tax_at: TaxAt, context: Any, need: FloatArray, cap: FloatArray, guess: FloatArray
) -> tuple[FloatArray, FloatArray, IntArray, npt.NDArray[np.bool_], bool]:
    n = need.size
    draw, delta = np.empty(n), np.empty(n)
    iterations, capped = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.bool_)
    converged = True
    for p in range(n):
        base = tax_at(0.0, p, context)
        state = start(need[p], cap[p], guess[p])
        while True:
            state = advance(state, tax_at(state[13], p, context) - base)
            if finished(state):
                break
        draw[p], delta[p], iterations[p], capped[p] = state[4], state[9], state[10], state[11]
        converged = converged and state[12]
    return draw, delta, iterations, capped, converged


def solve_grossup(
    need: FloatArray,
    tax_at: TaxAt,
    context: Any,
    *,
    cap: FloatArray | None = None,
    guess: FloatArray | None = None,
) -> GrossUp:
    """Return the draw G per path with G − (tax_at(G) − tax_at(0)) = need, within a tolerance.

    `tax_at` is a compiled function (numba.njit) of (draw, path, context); `cap` (e.g. the
    account balance) bounds the draw; `guess` replaces the first trial draw, the need.
    """
    need = np.ascontiguousarray(need, dtype=np.float64)
    limit = np.full_like(need, np.inf) if cap is None else np.asarray(cap, dtype=np.float64)
    first = need if guess is None else np.asarray(guess, dtype=np.float64)
    draw, delta, iterations, capped, converged = _solve_paths(tax_at, context, need, limit, first)
    if not converged:
        raise ArithmeticError(f"gross-up did not converge in {MAX_ITERATIONS} iterations")
    return GrossUp(draw=draw, tax_delta=delta, iterations=iterations, capped=capped)
