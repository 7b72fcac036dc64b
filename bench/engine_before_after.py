"""Time compare and solve at two commits side by side, in one process: `before` vs this tree.

    git archive <commit> services/projections/projections/engine | tar -x -C /tmp/before
    mv /tmp/before/services/projections/projections/engine /tmp/before/engine_before
    PYTHONPATH=/tmp/before .venv/bin/python bench/engine_before_after.py --repeat 7

The earlier engine is imported as the package `engine_before` (the engine's imports are
relative), so both engines' actions take turns in each round: a change in machine load
reaches both alike and the ratios compare like for like (docs/BENCHMARKS.md, Session 5).
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Callable
from functools import partial
from types import ModuleType
from typing import Any

from projections.engine.bench import (
    BENCH_TODAY,
    bench_plan,
    couple_plan,
    interleaved_median_ms,
    us_plan,
)
from projections.engine.bench_decisions import compare_case


def _engine(name: str) -> dict[str, ModuleType]:
    return {part: importlib.import_module(f"{name}.{part}") for part in ("api", "compare", "solve")}


def _actions(engine: dict[str, ModuleType], paths: int) -> dict[str, Callable[[], object]]:
    run, compare, solve = (engine[part] for part in ("api", "compare", "solve"))
    cases = {
        "single": bench_plan("monte_carlo", "needs", paths),
        "couple": couple_plan("needs", paths),
        "us": us_plan(paths),
    }
    actions: dict[str, Callable[[], object]] = {}
    for household, plan in cases.items():
        actions[f"run {household}"] = partial(run.run_projection, plan, today=BENCH_TODAY)
        actions[f"compare {household}"] = partial(
            compare.compare_plans, compare_case(plan), today=BENCH_TODAY
        )
    for strategy in ("needs", "fixed_real", "guardrails"):
        plan = bench_plan("monte_carlo", strategy, paths)
        actions[f"run {strategy}"] = partial(run.run_projection, plan, today=BENCH_TODAY)
        for target in ("annual_spending", "retirement_age"):
            actions[f"solve {target} {strategy}"] = partial(
                solve.solve, plan, target=target, success_rate=0.9, today=BENCH_TODAY
            )
    return actions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    engines = {"before": _engine("engine_before"), "after": _engine("projections.engine")}
    named: list[tuple[str, str, Callable[[], object]]] = []
    for version, engine in engines.items():
        named += [(version, what, act) for what, act in _actions(engine, args.paths).items()]
    load = os.getloadavg()[0]
    medians = interleaved_median_ms([act for _, _, act in named], args.repeat)
    ms: dict[tuple[str, str], float] = {
        (version, what): m for (version, what, _), m in zip(named, medians, strict=True)
    }
    print(f"load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    print("| what | before CPU ms | × one run | after CPU ms | × one run |")
    print("|---|---:|---:|---:|---:|")
    whats = [what for version, what, _ in named if version == "after"]
    for what in whats:
        base = "run " + what.split()[-1]
        cells: list[Any] = [what]
        for version in engines:
            cells += [f"{ms[version, what]:.1f}", f"{ms[version, what] / ms[version, base]:.2f}"]
        print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
