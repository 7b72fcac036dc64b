"""Time one year of the US tax rules on 10,000 paths: `make bench-tax`.

Federal income tax (with AMT and NIIT), payroll, IRMAA and state tax for a couple on every
path, each part alone and all together, plus the gross-up of a tax-deferred draw. Mixed
filing status (some paths widowed) is the slow case; a uniform status takes the fast path.
The kernel calls these once per year, the gross-up about 4-7 times per year.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numba
import numpy as np

from projections.engine import us_taxes
from projections.engine.tax import (
    federal_tax,
    irmaa_surcharge,
    irmaa_year,
    load_law,
    payroll_tax,
    state_tax,
)
from projections.engine.tax.grossup import solve_grossup


@numba.njit
def _tax_at(extra: float, p: int, context: tuple[np.ndarray, np.ndarray, float]) -> float:
    # The kernel's tax of a tax-deferred draw (us_taxes.variable) on path p's base.
    law, base, state_rate = context
    return float(us_taxes.variable(law, base, p, state_rate, extra, 0.0))


def median_us(action: Callable[[], object], repeat: int) -> float:
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=201)
    args = parser.parse_args()
    n, rng = args.paths, np.random.default_rng(2026)
    law, table = load_law().year_law(2026, 2030), irmaa_year(2026)
    index = 1.0 + rng.uniform(0.05, 0.25, n)
    mixed = (rng.random(n) < 0.8).astype(np.intp)  # 1 = still married on 80% of paths
    incomes = {
        "wages": np.where(rng.random(n) < 0.3, rng.uniform(0, 150_000, n), 0.0),
        "interest": rng.uniform(0, 20_000, n),
        "ordinary": rng.uniform(0, 120_000, n),
        "qualified_dividends": rng.uniform(0, 30_000, n),
        "capital_gains": rng.uniform(0, 60_000, n),
        "social_security": rng.uniform(20_000, 70_000, n),
    }
    magi = rng.uniform(50_000, 400_000, n)
    enrollees = 1.0 + mixed
    wages = incomes["wages"]

    def year(status: np.ndarray | int) -> np.ndarray:
        fed = federal_tax(law, status, index, age_head=72, age_spouse=70, **incomes)
        pay = payroll_tax(law, status, index, wages_head=wages, wages_spouse=np.zeros(n))
        medicare = irmaa_surcharge(
            table, status, index, magi_two_years_before=magi, enrollees=enrollees
        )
        state = state_tax(0.05, fed.agi, fed.taxable_social_security)
        return fed.total + pay.total + medicare + state

    need = rng.uniform(0, 80_000, n)
    base = np.zeros((us_taxes.BASE_ROWS, n))
    base[us_taxes.STATUS], base[us_taxes.INDEX] = mixed, index
    base[us_taxes.AGE_HEAD], base[us_taxes.AGE_SPOUSE] = 72.0, 70.0
    for row, name in (
        (us_taxes.WAGES, "wages"),
        (us_taxes.INTEREST, "interest"),
        (us_taxes.ORDINARY, "ordinary"),
        (us_taxes.DIVIDENDS, "qualified_dividends"),
        (us_taxes.GAINS, "capital_gains"),
        (us_taxes.SOCIAL_SECURITY, "social_security"),
    ):
        base[row] = incomes[name]
    context = (law.vector, base, 0.05)
    solved = solve_grossup(need, _tax_at, context)
    rows = [
        (
            "federal (mixed status)",
            lambda: federal_tax(law, mixed, index, age_head=72, age_spouse=70, **incomes),
        ),
        (
            "federal (one status)",
            lambda: federal_tax(law, 1, index, age_head=72, age_spouse=70, **incomes),
        ),
        (
            "payroll",
            lambda: payroll_tax(law, mixed, index, wages_head=wages, wages_spouse=np.zeros(n)),
        ),
        (
            "IRMAA",
            lambda: irmaa_surcharge(
                table, mixed, index, magi_two_years_before=magi, enrollees=enrollees
            ),
        ),
        ("state", lambda: state_tax(0.05, magi, incomes["social_security"])),
        ("one year: federal+payroll+IRMAA+state (mixed)", lambda: year(mixed)),
        ("one year: federal+payroll+IRMAA+state (one status)", lambda: year(1)),
        ("gross-up of a draw (mixed)", lambda: solve_grossup(need, _tax_at, context)),
    ]
    print(f"{n:,} paths, median of {args.repeat} runs, one core")
    print("| part | µs | ns per path |")
    print("|---|---:|---:|")
    for name, action in rows:
        us = median_us(action, args.repeat)
        print(f"| {name} | {us:,.0f} | {us * 1000 / n:,.1f} |")
    print(
        f"gross-up iterations: max {solved.iterations.max()}, mean {solved.iterations.mean():.2f}"
    )


if __name__ == "__main__":
    main()
