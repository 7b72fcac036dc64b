"""Measure a numba-compiled tax year step against the numpy kernel's (issue 16, speed).

Runs the issue-16 bench plan (`bench.py: us_plan`, 10,000 paths × 65 years, a couple, `us`,
RMDs, Roth conversions, guardrails) through the numpy kernel while capturing, every year,
the gross-up's inputs (the paths that draw taxed money, their incomes before the draw, the
withdrawal segments). Each captured year is then solved again by a compiled per-path loop
(federal tax with AMT and NIIT, state tax, and the same bracketed secant) and both are timed;
the draws must agree to the cent. The zero-draw federal evaluation of every path, done once
a year in the kernel, is timed both ways too. Not part of the engine: numba is a dev
dependency (Tax-Calculator's), so this is the measurement behind docs/BENCHMARKS.md's choice.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numba
import numpy as np

from projections.engine import us_kernel
from projections.engine.api import evaluate, prepare
from projections.engine.bench import BENCH_TODAY, us_plan
from projections.engine.tax.grossup import solve_grossup
from projections.engine.tax.law import YearLaw

# The law as one flat float64 vector (one argument: a tuple of arrays costs a reference count
# per array per call, which dominated a first version). Offsets of each parameter; per-status
# parameters hold single then joint.
LOWER, BASE, RATES, LOSS, SS_T, SS_F, STD, AGED, SENIOR, SENIOR_START = (
    0,
    14,
    28,
    35,
    37,
    41,
    43,
    45,
    47,
    49,
)
GAINS_TOPS, GAINS_RATES, AMT, AMT_RATES, AMT_TOPS, AMT_GRATES, NIIT, NIIT_T = (
    51,
    55,
    58,
    64,
    67,
    71,
    74,
    75,
)


@numba.njit(cache=True)
def _bracket(law: Any, s: int, x: float) -> float:
    k = 0
    while k < 6 and x >= law[LOWER + s * 7 + k + 1]:
        k += 1
    return law[BASE + s * 7 + k] + law[RATES + k] * (x - law[LOWER + s * 7 + k])


@numba.njit(cache=True)
def federal_one(
    law: Any,
    s: int,
    index: float,
    seniors: float,
    wages: float,
    interest: float,
    ordinary: float,
    qd: float,
    gains_in: float,
    ss: float,
) -> tuple[float, float]:
    """Return (federal total, AGI less taxable Social Security) for one path."""
    gains = max(gains_in, -law[LOSS + s])
    other = wages + interest + ordinary + qd + gains
    t1, t2 = law[SS_T + 2 * s], law[SS_T + 2 * s + 1]
    f1, f2 = law[SS_F], law[SS_F + 1]
    prov = other + 0.5 * ss
    if prov < t2:
        tss = f1 * min(max(prov - t1, 0.0), ss)
    else:
        tss = min(f2 * (prov - t2) + f1 * min(ss, t2 - t1), f2 * ss)
    agi = other + tss
    ded = index * (law[STD + s] + law[AGED + s] * seniors)
    if law[SENIOR] > 0.0:
        excess = max(agi - law[SENIOR_START + s], 0.0)
        ded += seniors * max(law[SENIOR] - law[SENIOR + 1] * excess, 0.0)
    taxable = max(agi - ded, 0.0)
    scale = 1.0 / index
    ti = taxable * scale
    pref_all = (qd + max(gains_in, 0.0)) * scale
    pref = min(pref_all, ti)
    plain = ti - pref
    reg_plain = _bracket(law, s, plain)
    if pref > 0.0:
        top0, top15 = law[GAINS_TOPS + 2 * s], law[GAINS_TOPS + 2 * s + 1]
        at0 = max(min(top0, ti) - min(plain, top0), 0.0)
        at15 = min(max(pref - at0, 0.0), max(min(top15, ti) - plain - at0, 0.0))
        at20 = pref - at0 - at15
        worksheet = (
            reg_plain
            + law[GAINS_RATES] * at0
            + law[GAINS_RATES + 1] * at15
            + law[GAINS_RATES + 2] * at20
        )
        tax = min(worksheet, _bracket(law, s, ti))
    else:
        tax = reg_plain
    amti = agi * scale
    amt = 0.0
    start = law[AMT + 3 * s]
    if amti > start:
        exemption, bracket = law[AMT + 3 * s + 1], law[AMT + 3 * s + 2]
        ex = max(exemption - law[AMT_RATES] * max(amti - start, 0.0), 0.0)
        b = max(amti - ex, 0.0)
        r, addon = law[AMT_RATES + 1], law[AMT_RATES + 2]
        tmt = r * b + addon * max(b - bracket, 0.0)
        if pref_all > 0.0:
            ing = min(b, pref_all)
            room0 = max(law[AMT_TOPS + 2 * s] - plain, 0.0)
            a0 = min(room0, ing)
            a15 = min(ing - a0, max(law[AMT_TOPS + 2 * s + 1] - room0 - plain, 0.0))
            a20 = ing - a0 - a15
            rest = b - ing
            split = (
                r * rest
                + addon * max(rest - bracket, 0.0)
                + law[AMT_GRATES] * a0
                + law[AMT_GRATES + 1] * a15
                + law[AMT_GRATES + 2] * a20
            )
            tmt = min(tmt, split)
        amt = max(tmt - tax, 0.0) * index
    inv = max(interest + qd + gains, 0.0)
    niit = law[NIIT] * min(inv, max(agi - law[NIIT_T + s], 0.0))
    return tax * index + amt + niit, agi - tss


@numba.njit(cache=True)
def _excess(
    x: float,
    law: Any,
    p: int,
    status_index_seniors: Any,
    incomes: Any,
    caps: Any,
    ordinary: Any,
    gain: Any,
    state_rate: float,
) -> float:
    """Return x − (federal + state tax at a draw x) for path p (the caller subtracts the rest)."""
    left, o, g = x, 0.0, 0.0
    for j in range(caps.shape[0]):
        take = min(left, caps[j, p])
        o += take * ordinary[j, p]
        g += take * gain[j, p]
        left -= take
    s = int(status_index_seniors[0, p])
    tax, base = federal_one(
        law,
        s,
        status_index_seniors[1, p],
        status_index_seniors[2, p],
        incomes[0, p],
        incomes[1, p],
        incomes[2, p] + o,
        incomes[3, p],
        incomes[4, p] + g,
        incomes[5, p],
    )
    return x - tax - state_rate * max(base, 0.0)


@numba.njit(cache=True)
def solve_year(
    law: Any,
    status: Any,
    index: Any,
    seniors: Any,
    incomes: Any,
    state_rate: float,
    caps: Any,
    ordinary: Any,
    gain: Any,
    need: Any,
    guess: Any,
) -> Any:
    """Solve every path's draw: G − (tax(G) − tax(0)) = need, by a bracketed secant."""
    n = need.size
    out = np.empty(n)
    sis = np.empty((3, n))
    sis[0], sis[1], sis[2] = status, index, seniors
    for p in range(n):
        s, ix, sn = status[p], index[p], seniors[p]
        wg, it, od = incomes[0, p], incomes[1, p], incomes[2, p]
        qd, gn, ss = incomes[3, p], incomes[4, p], incomes[5, p]
        t0, agi0 = federal_one(law, s, ix, sn, wg, it, od, qd, gn, ss)
        t0 += state_rate * max(agi0, 0.0)
        limit = 0.0
        for j in range(caps.shape[0]):
            limit += caps[j, p]

        lo, flo = 0.0, -need[p]
        hi = np.inf
        x0, f0 = 0.0, -need[p]
        x1 = min(guess[p], limit)
        f1 = _excess(x1, law, p, sis, incomes, caps, ordinary, gain, state_rate) + t0 - need[p]
        for _ in range(60):
            if f1 <= 0.0 and x1 >= lo:
                lo, flo = x1, f1
            if f1 >= 0.0 and x1 < hi:
                hi = x1
            if abs(f1) <= 0.01 or (x1 >= limit and f1 < 0.0):
                break
            slope = (f1 - f0) / (x1 - x0) if x1 != x0 else 1.0
            if slope <= 0.0:
                slope = 1.0
            step = x1 - f1 / slope
            if not (lo < step < hi):
                step = 0.5 * (lo + hi) if np.isfinite(hi) else lo + 2.0 * max(-flo, 1.0)
            x0, f0 = x1, f1
            x1 = min(step, limit)
            f1 = _excess(x1, law, p, sis, incomes, caps, ordinary, gain, state_rate) + t0 - need[p]
        out[p] = x1
    return out


def pack(law: YearLaw) -> Any:
    """Return the law as federal_one's flat vector (offsets above)."""
    parts = [
        law.ordinary_lower,
        law.ordinary_base,
        law.ordinary_rates,
        law.capital_loss_limit,
        law.ss_thresholds,
        law.ss_fractions,
        law.standard,
        law.aged,
        np.array([law.senior_amount, law.senior_rate]),
        law.senior_start,
        law.gains_tops,
        law.gains_rates,
        np.stack([law.amt_phaseout_start, law.amt_exemption, law.amt_bracket], axis=1),
        np.array([law.amt_phaseout_rate, *law.amt_rates]),
        law.amt_gains_tops,
        law.amt_gains_rates,
        np.array([law.niit_rate]),
        law.niit_threshold,
    ]
    flat = np.concatenate([np.asarray(x, dtype=np.float64).ravel() for x in parts])
    assert flat.size == NIIT_T + 2
    return flat


def main() -> None:
    captured: list[dict[str, Any]] = []
    original = us_kernel.solve_grossup

    def capture(need: Any, tax_at: Any, **kw: Any) -> Any:
        sub, segs = tax_at.__defaults__
        start = time.perf_counter()
        solved = original(need, tax_at, **kw)
        captured.append(
            {
                "need": need,
                "kw": kw,
                "sub": sub,
                "segs": segs,
                "draw": solved.draw,
                "numpy_s": time.perf_counter() - start,
            }
        )
        return solved

    prepared = prepare(us_plan(10_000), today=BENCH_TODAY)
    us_kernel.solve_grossup = capture  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        evaluate(prepared)
        kernel_s = time.perf_counter() - start
    finally:
        us_kernel.solve_grossup = solve_grossup
    numpy_s = numba_s = 0.0
    worst = 0.0
    compile_start = time.perf_counter()
    compiled = False
    for year in captured:
        if year["kw"].get("cap") is None or year["sub"].state_rate is None:
            continue
        sub, segs, need = year["sub"], year["segs"], year["need"]
        m = need.size
        status = np.broadcast_to(np.asarray(sub.status, dtype=np.int64), (m,)).copy()
        age_h = np.broadcast_to(np.asarray(sub.age_head, dtype=np.float64), (m,))
        age_s = np.broadcast_to(np.asarray(sub.age_spouse, dtype=np.float64), (m,))
        seniors = (age_h >= 65).astype(np.float64) + ((status == 1) & (age_s >= 65))
        incomes = np.stack(
            [sub.wages, sub.interest, sub.ordinary, sub.dividends, sub.gains, sub.social_security]
        ).astype(np.float64)
        caps = np.stack([np.broadcast_to(s.cap, (m,)) for s in segs])
        ordinary = np.stack([np.broadcast_to(np.asarray(s.ordinary, float), (m,)) for s in segs])
        gain = np.stack([np.broadcast_to(np.asarray(s.gain, float), (m,)) for s in segs])
        guess = year["kw"]["guess"]
        args = (pack(sub.law), status, sub.index, seniors, incomes, sub.state_rate)
        if not compiled:
            solve_year(*args, caps, ordinary, gain, need, guess)
            compiled = True
            compile_s = time.perf_counter() - compile_start
        times = []
        for _ in range(5):
            start = time.perf_counter()
            draw = solve_year(*args, caps, ordinary, gain, need, guess)
            times.append(time.perf_counter() - start)
        numba_s += statistics.median(times)
        numpy_s += year["numpy_s"]
        worst = max(worst, float(np.abs(draw - year["draw"]).max()))
    print(f"captured years: {len(captured)}, kernel (numpy, capturing): {kernel_s * 1e3:.1f} ms")
    print(f"gross-up, numpy: {numpy_s * 1e3:.1f} ms; numba: {numba_s * 1e3:.1f} ms")
    print(
        f"max |draw difference|: {worst:.4f}; first call (compile or cache load): {compile_s:.2f} s"
    )


if __name__ == "__main__":
    main()
