"""The earliest-retirement-age search: from the plan's own age, by the log-odds of success.

Pure search over integer ages given a success-rate function (solve._Search memoises and
screens it); docs/ENGINE.md, Solvers, states the contract.
"""

from __future__ import annotations

import math
from collections.abc import Callable

# The age search starts at the plan's own retirement age and steps by the distance a log-odds
# slope of success this steep suggests (the bench plans: 0.13–0.28 a year), then by the line
# through its last two ages, growing at most this much a step (docs/ENGINE.md, Solvers).
AGE_LOGIT_SLOPE = 0.25
AGE_STEP_GROWTH = 4
# Success rates 0 and 1 have infinite log-odds: they count as this close to them.
LOGIT_CLAMP = 1e-4


def _logit(rate: float) -> float:
    """Return the log-odds of a success rate, kept finite at 0 and 1."""
    rate = min(max(rate, LOGIT_CLAMP), 1.0 - LOGIT_CLAMP)
    return math.log(rate / (1.0 - rate))


def _age_towards(a: int, rate_a: float, b: int, rate_b: float, target: float) -> float | None:
    """Return where the line through two ages' log-odds of success meets the target's.

    Success in the retirement age is an S-curve (Monte Carlo: about logistic), so its
    log-odds are close to a straight line and the crossing is a good guess; None when the
    two are level (no slope to read).
    """
    logit_a, logit_b = _logit(rate_a), _logit(rate_b)
    if logit_a == logit_b:
        return None
    return a + (_logit(target) - logit_a) * (b - a) / (logit_b - logit_a)


def _age_bracket(
    lo: int, hi: int, rate: Callable[[int], float], target: float, start: int
) -> tuple[int, int] | int | None:
    """Return two ages (failing, passing) that bracket the target, searching from `start`.

    Or `lo` when the search reaches it passing, None when it reaches `hi` failing. From the
    plan's own age it steps towards the target: first by the distance a typical slope of
    the log-odds (AGE_LOGIT_SLOPE a year) suggests, then by the line through the last two
    ages, at most AGE_STEP_GROWTH times the previous step and at least one year.
    """
    age = min(max(start, lo), hi)
    got = rate(age)
    previous: tuple[int, float] | None = None
    step = 0
    while True:
        passing = got >= target
        if passing and age == lo:
            return lo
        if not passing and age == hi:
            return None
        direction = -1 if passing else 1  # passing: look for a failing age below
        guess = None if previous is None else _age_towards(*previous, age, got, target)
        if previous is None:
            distance = abs(_logit(target) - _logit(got)) / AGE_LOGIT_SLOPE
        elif guess is None or (guess - age) * direction <= 0:
            distance = AGE_STEP_GROWTH * step  # no usable slope: widen
        else:
            distance = min(abs(guess - age), AGE_STEP_GROWTH * step)
        step = max(1, math.ceil(distance))
        following = min(max(age + direction * step, lo), hi)
        step = abs(following - age)
        got_following = rate(following)
        if (got_following >= target) != passing:
            return (following, age) if passing else (age, following)
        previous, age, got = (age, got), following, got_following


def lowest_passing_age(
    lo: int,
    hi: int,
    rate: Callable[[int], float],
    target: float,
    lookbelow: int,
    start: int,
) -> int | None:
    """Return an age in [lo, hi] that passes with none of the `lookbelow` below it passing.

    Where passing need not be monotone (`lookbelow` > 0) the top age (never retiring) is
    tried first and the answer is null unless it passes, as the contract says; where it is
    monotone the search reaches the top failing exactly when no age passes. From `start`
    (the plan's own age, usually a few years from the answer) `_age_bracket` finds a failing
    and a passing age; the log-odds line through them narrows that to adjacent ages (regula
    falsi, Illinois variant, a bisection step when two steps fail to halve it); then, where
    passing need not be monotone, the window below is tried, moving down whenever one
    passes. Where passing is monotone the answer is the lowest passing age.
    """
    if lookbelow and rate(hi) < target:
        return None  # the contract: null when never retiring misses the target
    found = _age_bracket(lo, hi, rate, target, start)
    if found is None or isinstance(found, int):
        return found
    failing, passing = found
    f_lo, f_hi = _logit(rate(failing)), _logit(rate(passing))
    side, stalls, mark = 0, 0, passing - failing
    goal = _logit(target)
    while passing - failing > 1:
        if stalls >= 2 or f_hi == f_lo:
            x, stalls = (failing + passing) // 2, 0
        else:
            x = round(failing + (goal - f_lo) * (passing - failing) / (f_hi - f_lo))
            # An end at 0 % or 100 % says little about the slope: keep a quarter away.
            margin = (passing - failing) // 4
            x = min(max(x, failing + margin), passing - margin)
        x = min(max(x, failing + 1), passing - 1)
        got = rate(x)
        if got >= target:
            passing, f_hi = x, _logit(got)
            if side == 1:  # Illinois: the end that keeps being retained counts for less
                f_lo = goal - (goal - f_lo) / 2.0
            side = 1
        else:
            failing, f_lo = x, _logit(got)
            if side == -1:
                f_hi = goal + (f_hi - goal) / 2.0
            side = -1
        if 2 * (passing - failing) <= mark:
            mark, stalls = passing - failing, 0
        else:
            stalls += 1
    best, age = passing, passing - 1
    while age >= lo and age >= best - lookbelow:
        if rate(age) >= target:
            best = age
        age -= 1
    return best
