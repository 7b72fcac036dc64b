"""Time the return models' draws and the solvers against one run (issue 17: solve ≤ 4 × a run).

`python -m projections.engine.bench_solve [--paths N] [--repeat R]` prints a Markdown table;
`run_solve_bench` returns the rows for `make bench-engine` to include.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .api import load_historical, run_projection
from .bench import BENCH_TODAY, bench_plan, interleaved_median_ms
from .returns import monte_carlo_returns
from .solve import solve

_YEARS = 65
_SOLVED_STRATEGIES = ("needs", "fixed_real", "guardrails")


def run_solve_bench(*, paths: int = 10_000, repeat: int = 5) -> list[dict[str, Any]]:
    """Time each model's draw of paths × 65 years, and each solver against one run."""
    series = load_historical()
    rows: list[dict[str, Any]] = []
    for model in ("lognormal", "student_t", "bootstrap"):

        def draw(model: str = model) -> object:
            return monte_carlo_returns(
                paths,
                _YEARS,
                seed=1,
                stock=(0.10, 0.18),
                bond=(0.045, 0.06),
                inflation=(0.03, 0.04),
                stock_bond_corr=0.1,
                model=model,  # type: ignore[arg-type]
                series=series,
            )

        (ms,) = interleaved_median_ms([draw], repeat)
        rows.append({"what": f"draw {model}", "paths": paths, "ms": round(ms, 1)})
    for strategy in _SOLVED_STRATEGIES:
        plan = bench_plan("monte_carlo", strategy, paths)

        def running(plan: dict[str, Any] = plan) -> dict[str, Any]:
            return run_projection(plan, today=BENCH_TODAY)

        solvers: list[Callable[[], dict[str, Any]]] = []
        for target in ("annual_spending", "retirement_age"):

            def solving(plan: dict[str, Any] = plan, target: str = target) -> dict[str, Any]:
                return solve(plan, target=target, success_rate=0.9, today=BENCH_TODAY)  # type: ignore[arg-type]

            solvers.append(solving)
        one_run, *solved = interleaved_median_ms([running, *solvers], repeat)
        for target, solver, ms in zip(
            ("annual_spending", "retirement_age"), solvers, solved, strict=True
        ):
            rows.append(
                {
                    "what": f"solve {target} {strategy}",
                    "paths": paths,
                    "ms": round(ms, 1),
                    "run_ms": round(one_run, 1),
                    "times_one_run": round(ms / one_run, 2),
                    "evaluations": solver()["evaluations"],
                }
            )
    return rows


def format_solve_table(rows: list[dict[str, Any]]) -> str:
    """Render the rows as a Markdown table."""
    lines = [
        "| what | paths | ms | one run ms | × one run | evaluations |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['what']} | {r['paths']:,} | {r['ms']} | {r.get('run_ms', '')} "
            f"| {r.get('times_one_run', '')} | {r.get('evaluations', '')} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(format_solve_table(run_solve_bench(paths=args.paths, repeat=args.repeat)))
