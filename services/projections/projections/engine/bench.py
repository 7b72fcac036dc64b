"""Time the engine: 10,000 paths × 65 years per strategy and mode, single and couple."""

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
            # The engine 1 and 2 figures are the flat regime's; the `us` case is its own row.
            "tax": {"regime": "flat"},
        },
    }


def couple_plan(strategy: str, paths: int) -> dict[str, Any]:
    """Return a couple's 65-row plan: ages 57 and 55 to 120, stochastic lifespans.

    The single plan's accounts (the brokerage account joint) and mortgage (paid off at 66), with
    two salaries, two Social Security benefits (one claimed early, one late), a pension with a
    survivor share, joint and personal expenses: what a couple adds, on the same accounts.
    """
    plan = bench_plan("monte_carlo", strategy, paths)
    plan["profile"] = {
        "current_age": 57,
        "retirement_age": 65,
        "life_expectancy": 90,
        "sex": "male",
        "filing_status": "married_joint",
        "partner": {
            "current_age": 55,
            "retirement_age": 63,
            "life_expectancy": 93,
            "sex": "female",
        },
    }
    plan["assets"][1]["owner"] = "joint"
    plan["debts"][0]["payoff_age"] = 66
    plan["incomes"] = [
        {"name": "salary", "kind": "salary", "amount": "95000.00", "growth_rate": 0.03},
        {
            "name": "partner salary",
            "kind": "salary",
            "amount": "70000.00",
            "growth_rate": 0.02,
            "owner": "partner",
        },
        {
            "name": "social security",
            "kind": "social_security",
            "amount": "2800.00",
            "frequency": "monthly",
            "start_age": 70,
        },
        {
            "name": "partner social security",
            "kind": "social_security",
            "amount": "1100.00",
            "frequency": "monthly",
            "start_age": 62,
            "owner": "partner",
        },
        {
            "name": "pension",
            "kind": "pension",
            "amount": "18000.00",
            "start_age": 65,
            "survivor_fraction": 0.5,
        },
    ]
    plan["expenses"] = [
        {"name": "living", "category": "living", "amount": "60000.00", "owner": "joint"},
        {"name": "hobbies", "amount": "6000.00", "essential": False},
        {"name": "partner hobbies", "amount": "4000.00", "essential": False, "owner": "partner"},
    ]
    plan["assumptions"]["longevity"] = "stochastic"
    return plan


def us_plan(paths: int, regime: str = "us") -> dict[str, Any]:
    """Return the issue-16 plan: the couple under guardrails with US taxes and Roth conversions.

    65 rows (57 and 55 to 120), a 401(k) with RMDs from 75, conversions to the top of the
    12 % bracket from 65 to 72, a 5 % state tax. `regime="flat"` runs the same plan flat.
    """
    plan = couple_plan("guardrails", paths)
    plan["assumptions"]["tax"] = {"regime": regime, "state_rate": 0.05}
    plan["assumptions"]["roth_conversion"] = {"up_to_bracket": 0.12, "from_age": 65, "to_age": 72}
    return plan


def interleaved_median_ms(actions: list[Callable[[], object]], repeat: int) -> list[float]:
    """Return each action's median CPU time in milliseconds, after one warm-up each.

    CPU time of the process (the engine is single-threaded: one core), not wall time: on a
    shared machine a process waiting for a core is not charged for the wait (session 5: at a
    load average of 6–14 wall-clock ratios swung by 2 ×, CPU-time ratios by a few %). The
    actions also take turns within each round, so what load still does (caches) reaches all
    of them alike and the ratios between them hold.
    """
    for action in actions:
        action()
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(repeat):
        for action, spent in zip(actions, times, strict=True):
            start = time.process_time()
            action()
            spent.append(time.process_time() - start)
    return [statistics.median(spent) * 1000.0 for spent in times]


def run_bench(
    *,
    paths: int = 10_000,
    repeat: int = 7,
    historical_path: str | Path | None = None,
) -> list[dict[str, Any]]:
    """Time every strategy in every mode, single and couple: end to end and the kernel alone."""
    series: HistoricalSeries | None = None
    try:
        series = load_historical(historical_path)
    except ValueError:
        series = None
    cases: list[tuple[str, str, str, dict[str, Any]]] = []
    for mode in ("monte_carlo", "historical", "deterministic"):
        if mode == "historical" and series is None:
            continue
        for strategy in STRATEGIES:
            cases.append((mode, strategy, "single", bench_plan(mode, strategy, paths)))
    # The couple's kernel is compared with the single plan's from the same run (issue 15).
    for strategy in STRATEGIES:
        cases.append(("monte_carlo", strategy, "couple", couple_plan(strategy, paths)))
    # Issue 16: the same couple plan with Roth conversions, flat and us, in the same run.
    for regime in ("flat", "us"):
        cases.append(("monte_carlo", "guardrails", f"couple {regime}", us_plan(paths, regime)))
    actions: list[Callable[[], object]] = []
    prepared_cases = []
    for _mode, _strategy, _household, plan in cases:
        prepared = prepare(plan, today=BENCH_TODAY, historical=series)
        prepared_cases.append(prepared)

        def end_to_end(plan: dict[str, Any] = plan) -> object:
            ready = prepare(plan, today=BENCH_TODAY, historical=series)
            return summarise(ready, evaluate(ready))

        def kernel_only(ready: Any = prepared) -> object:
            return evaluate(ready)

        actions += [end_to_end, kernel_only]
    medians = interleaved_median_ms(actions, repeat)
    rows: list[dict[str, Any]] = []
    for i, ((mode, strategy, household, _plan), prepared) in enumerate(
        zip(cases, prepared_cases, strict=True)
    ):
        total, kernel = medians[2 * i], medians[2 * i + 1]
        path_years = prepared.returns.paths * prepared.household.rows
        grossup = evaluate(prepared).grossup if household == "couple us" else None
        rows.append(
            {
                "mode": mode,
                "strategy": strategy,
                "household": household,
                "paths": prepared.returns.paths,
                "years": prepared.household.rows,
                "kernel_ms": round(kernel, 1),
                "total_ms": round(total, 1),
                "kernel_path_years_per_s": round(path_years / kernel * 1000.0),
                "total_path_years_per_s": round(path_years / total * 1000.0),
                # us: the gross-up's tax evaluations per solved path-year (max, mean).
                "grossup_max": None if grossup is None else grossup[0],
                "grossup_mean": None
                if grossup is None
                else round(grossup[1] / max(grossup[2], 1), 2),
            }
        )
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    """Render bench rows as a Markdown table."""
    head = (
        "| mode | strategy | household | paths × years | kernel ms | end-to-end ms "
        "| kernel path-years/s | end-to-end path-years/s |"
    )
    lines = [head, "|---|---|---|---|---:|---:|---:|---:|"]
    single = {
        r["strategy"]: r["kernel_ms"]
        for r in rows
        if r["mode"] == "monte_carlo" and r["household"] == "single"
    }
    for r in rows:
        household = r["household"]
        if household == "couple" and single.get(r["strategy"]):
            household += f" ({r['kernel_ms'] / single[r['strategy']]:.2f}× single kernel)"
        if r.get("grossup_max") is not None:
            household += f" (gross-up: max {r['grossup_max']}, mean {r['grossup_mean']} evals)"
        lines.append(
            f"| {r['mode']} | {r['strategy']} | {household} | {r['paths']:,} × {r['years']} "
            f"| {r['kernel_ms']} "
            f"| {r['total_ms']} | {r['kernel_path_years_per_s']:,} "
            f"| {r['total_path_years_per_s']:,} |"
        )
    return "\n".join(lines)
