"""Time the engine: 10,000 paths × 65 years per strategy and mode."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from .api import evaluate, load_historical, prepare, summarise
from .returns import HistoricalSeries
from .strategies import STRATEGIES

BENCH_TODAY = date(2025, 1, 1)


def bench_plan(mode: str, strategy: str, paths: int) -> dict[str, Any]:
    """Return a realistic 65-year plan: age 30 to 95, four accounts, a mortgage, two incomes."""
    return {
        "profile": {"current_age": 30, "retirement_age": 65, "life_expectancy": 95},
        "assets": [
            {"name": "cash", "kind": "cash", "balance": "20000.00"},
            {
                "name": "brokerage",
                "kind": "taxable",
                "balance": "100000.00",
                "annual_contribution": "5000.00",
                "stock_allocation": 0.8,
            },
            {
                "name": "401k",
                "kind": "tax_deferred",
                "balance": "150000.00",
                "annual_contribution": "10000.00",
                "stock_allocation": 0.7,
            },
            {
                "name": "roth",
                "kind": "tax_free",
                "balance": "50000.00",
                "annual_contribution": "6000.00",
                "stock_allocation": 0.9,
            },
            {"name": "home", "kind": "real_estate", "balance": "400000.00"},
        ],
        "debts": [
            {
                "name": "mortgage",
                "kind": "mortgage",
                "balance": "300000.00",
                "interest_rate": 0.06,
                "monthly_payment": "1798.66",
            },
        ],
        "incomes": [
            {"name": "salary", "kind": "salary", "amount": "95000.00", "growth_rate": 0.03},
            {
                "name": "social security",
                "kind": "social_security",
                "amount": "2200.00",
                "frequency": "monthly",
                "start_age": 67,
                "inflation_indexed": True,
            },
        ],
        "expenses": [
            {"name": "living", "category": "living", "amount": "45000.00"},
        ],
        "assumptions": {
            "mode": mode,
            "paths": paths,
            "seed": 20250101,
            "withdrawal_strategy": strategy,
        },
    }


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    """Return the median wall time of an action in milliseconds, after one warm-up."""
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000.0


def run_bench(
    *,
    paths: int = 10_000,
    repeat: int = 7,
    historical_path: str | Path | None = None,
) -> list[dict[str, Any]]:
    """Time every strategy in every mode: end to end and the kernel alone."""
    series: HistoricalSeries | None = None
    try:
        series = load_historical(historical_path)
    except ValueError:
        series = None
    rows: list[dict[str, Any]] = []
    for mode in ("monte_carlo", "historical", "deterministic"):
        if mode == "historical" and series is None:
            continue
        for strategy in STRATEGIES:
            plan = bench_plan(mode, strategy, paths)
            prepared = prepare(plan, today=BENCH_TODAY, historical=series)

            def end_to_end(plan: dict[str, Any] = plan) -> object:
                ready = prepare(plan, today=BENCH_TODAY, historical=series)
                return summarise(ready, evaluate(ready))

            def kernel_only(ready: Any = prepared) -> object:
                return evaluate(ready)

            total = _median_ms(end_to_end, repeat)
            kernel = _median_ms(kernel_only, repeat)
            path_years = prepared.returns.paths * prepared.household.rows
            rows.append(
                {
                    "mode": mode,
                    "strategy": strategy,
                    "paths": prepared.returns.paths,
                    "years": prepared.household.rows,
                    "kernel_ms": round(kernel, 1),
                    "total_ms": round(total, 1),
                    "kernel_path_years_per_s": round(path_years / kernel * 1000.0),
                    "total_path_years_per_s": round(path_years / total * 1000.0),
                }
            )
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    """Render bench rows as a Markdown table."""
    head = (
        "| mode | strategy | paths × years | kernel ms | end-to-end ms "
        "| kernel path-years/s | end-to-end path-years/s |"
    )
    lines = [head, "|---|---|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['mode']} | {r['strategy']} | {r['paths']:,} × {r['years']} | {r['kernel_ms']} "
            f"| {r['total_ms']} | {r['kernel_path_years_per_s']:,} "
            f"| {r['total_path_years_per_s']:,} |"
        )
    return "\n".join(lines)
