"""The gross-up solver: the draw nets the need after its taxes to under $1 on every path."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import pytest

from projections.engine.tax import federal_tax, load_law, state_tax
from projections.engine.tax.federal import federal_one
from projections.engine.tax.grossup import GrossUp
from projections.engine.tax.grossup import solve_grossup as solve_compiled
from projections.engine.tax.state import state_one

LAW = load_law().year_law(2026)
STATE_RATE = 0.05


def households(n: int, seed: int = 16) -> dict[str, np.ndarray]:
    """Random retirees and late workers: the income mixes where the gross-up is hardest."""
    rng = np.random.default_rng(seed)

    def some(p: float, high: float) -> np.ndarray:
        return np.where(rng.random(n) < p, np.exp(rng.uniform(np.log(100), np.log(high), n)), 0.0)

    return {
        "status": rng.integers(0, 2, n),
        "index": rng.uniform(1.0, 2.5, n),
        "age_head": rng.integers(55, 96, n),
        "age_spouse": rng.integers(55, 96, n),
        "wages": some(0.2, 300_000),
        "interest": some(0.6, 40_000),
        "ordinary": some(0.5, 120_000),
        "qualified_dividends": some(0.6, 100_000),
        "capital_gains": some(0.5, 800_000),
        "social_security": some(0.8, 90_000),
        "need": rng.uniform(0.0, 1.0, n) ** 2 * 400_000,
    }


COLUMNS = (
    "index",
    "age_head",
    "age_spouse",
    "wages",
    "interest",
    "ordinary",
    "qualified_dividends",
    "capital_gains",
    "social_security",
)


@numba.njit
def _compiled_tax(extra: float, p: int, context: Any) -> float:
    # The solver's tax function: federal + state with `extra` drawn, as ordinary income
    # (gain_share 0) or as gains (a sale realising gain_share of each dollar).
    law, status, c, state_rate, gain_share = context
    ordinary = extra * (1.0 - gain_share) if gain_share < 1.0 else 0.0
    fed = federal_one(
        law, status[p], c[0, p], c[1, p], c[2, p], c[3, p], c[4, p],
        c[5, p] + (extra if gain_share == 0.0 else ordinary), c[6, p],
        c[7, p] + extra * gain_share, c[8, p],
    )  # fmt: skip
    return fed[4] + fed[5] + fed[6] + fed[7] + state_one(state_rate, fed[0], fed[1])


def solve_grossup(
    need: np.ndarray,
    tax_at: Any,
    *,
    cap: np.ndarray | None = None,
    guess: np.ndarray | None = None,
) -> GrossUp:
    """Solve with the compiled solver on the households behind a tax_function."""
    return solve_compiled(need, _compiled_tax, tax_at.context, cap=cap, guess=guess)


def tax_function(h: dict[str, np.ndarray], gain_share: float = 0.0, state_rate: float = STATE_RATE):
    """Return the households' tax as a function of a draw, for checks (numpy, per array).

    Its `context` is the compiled solver's view of the same households.
    """
    n = h["index"].size
    columns = np.stack([np.broadcast_to(np.asarray(h[k], dtype=np.float64), (n,)) for k in COLUMNS])
    status = np.broadcast_to(np.asarray(h["status"], dtype=np.int64), (n,)).copy()

    def tax_at(extra: np.ndarray) -> np.ndarray:
        fed = federal_tax(
            LAW,
            h["status"],
            h["index"],
            age_head=h["age_head"],
            age_spouse=h["age_spouse"],
            wages=h["wages"],
            interest=h["interest"],
            ordinary=h["ordinary"] + extra * (1.0 - gain_share),
            qualified_dividends=h["qualified_dividends"],
            capital_gains=h["capital_gains"] + extra * gain_share,
            social_security=h["social_security"],
        )
        return fed.total + state_tax(state_rate, fed.agi, fed.taxable_social_security)

    tax_at.context = (LAW.vector, status, columns, state_rate, gain_share)  # type: ignore[attr-defined]
    return tax_at


def test_the_draw_nets_the_need_on_every_path_in_a_few_iterations() -> None:
    h = households(20_000)
    tax_at = tax_function(h)
    solved = solve_grossup(h["need"], tax_at)
    # Independently: recompute the tax at the solved draw, not the solver's own delta.
    net = solved.draw - (tax_at(solved.draw) - tax_at(np.zeros_like(solved.draw)))
    assert np.abs(net - h["need"]).max() < 0.01
    counts = np.bincount(solved.iterations)
    print(
        f"\ngross-up on 20,000 random households: iterations max {solved.iterations.max()}, "
        f"mean {solved.iterations.mean():.2f}, histogram {dict(enumerate(counts.tolist()))}"
    )
    assert solved.iterations.max() <= 10


def test_last_year_s_ratio_as_a_guess_saves_evaluations() -> None:
    # Year 2 of the same households: incomes 3% higher, needs moved by up to ±20%; the kernel
    # can guess each path's draw as this year's need × last year's draw / need.
    h = households(20_000)
    first = solve_grossup(h["need"], tax_function(h))
    rng = np.random.default_rng(2)
    later = {k: (v * 1.03 if v.dtype.kind == "f" else v) for k, v in h.items()}
    later["need"] = h["need"] * rng.uniform(0.8, 1.2, h["need"].size)
    ratio = np.divide(first.draw, h["need"], out=np.ones_like(h["need"]), where=h["need"] > 0)
    cold = solve_grossup(later["need"], tax_function(later))
    warm = solve_grossup(later["need"], tax_function(later), guess=later["need"] * ratio)
    np.testing.assert_allclose(warm.draw, cold.draw, atol=0.02)
    print(
        f"\nyear 2: cold max {cold.iterations.max()} mean {cold.iterations.mean():.2f}; "
        f"warm max {warm.iterations.max()} mean {warm.iterations.mean():.2f}"
    )
    assert warm.iterations.mean() < cold.iterations.mean()


def test_the_secant_agrees_with_plain_bisection() -> None:
    h = households(2_000, seed=3)
    tax_at = tax_function(h)
    solved = solve_grossup(h["need"], tax_at)
    base = tax_at(np.zeros(2_000))
    lo, hi = h["need"].copy(), h["need"] / (1 - 0.95) + 1.0  # no marginal rate reaches 95%
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        short = mid - (tax_at(mid) - base) < h["need"]
        lo, hi = np.where(short, mid, lo), np.where(short, hi, mid)
    np.testing.assert_allclose(solved.draw, 0.5 * (lo + hi), atol=0.02)


def test_the_torpedo_case_by_hand() -> None:
    # Single 67, SS 30,000, IRA 40,000 (docs/ENGINE.md): 1,000 more from the IRA adds 222 of
    # tax, so netting 778 takes exactly 1,000.
    one = {"status": np.zeros(1, dtype=np.int64), "index": np.ones(1), "age_head": 67.0}
    one |= {"age_spouse": 0.0, "wages": 0.0, "interest": 0.0, "ordinary": 40_000.0}
    one |= {"qualified_dividends": 0.0, "capital_gains": 0.0, "social_security": 30_000.0}
    tax_at = tax_function({k: np.atleast_1d(v) for k, v in one.items()}, state_rate=0.0)

    solved = solve_grossup(np.array([778.0]), tax_at)
    assert solved.draw[0] == pytest.approx(1_000.0, abs=0.01)


def test_a_cap_below_the_gross_draw_takes_the_whole_cap() -> None:
    h = households(500, seed=5)
    tax_at = tax_function(h)
    full = solve_grossup(h["need"], tax_at)
    cap = 0.5 * full.draw
    capped = solve_grossup(h["need"], tax_at, cap=cap)
    short = h["need"] > 1.0
    assert capped.capped[short].all()
    np.testing.assert_allclose(capped.draw[short], cap[short])


def test_a_taxable_sale_realising_gains_converges_too() -> None:
    # Selling taxable shares whose average cost is 40% of their value: 60% of each dollar
    # drawn is a long-term gain (0/15/20% stacked, NIIT), the rest returns basis.
    h = households(5_000, seed=9)

    tax_at = tax_function(h, gain_share=0.6)

    solved = solve_grossup(h["need"], tax_at)
    net = solved.draw - (tax_at(solved.draw) - tax_at(np.zeros(5_000)))
    assert np.abs(net - h["need"]).max() < 0.01
    assert solved.iterations.max() <= 10
