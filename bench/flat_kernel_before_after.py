"""Time the flat kernel alone at two commits side by side, in one process: `before` vs this tree.

    git archive 660a5bc services/projections/projections/engine | tar -x -C /tmp/before
    mv /tmp/before/services/projections/projections/engine /tmp/before/engine_before
    PYTHONPATH=/tmp/before .venv/bin/python bench/flat_kernel_before_after.py --repeat 15

Issue 17: the flat kernel's year loop compiled (engine/flat_year.py). Each engine prepares
its own kernel inputs once; only `simulate` is timed, CPU time, the two engines taking turns
in each round (bench.interleaved_median_ms), so machine load reaches both alike.
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Callable
from functools import partial
from typing import Any

from projections.engine.bench import BENCH_TODAY, bench_plan, couple_plan, interleaved_median_ms


def _kernel(engine: str, plan: dict[str, Any]) -> Callable[[], object]:
    api = importlib.import_module(f"{engine}.api")
    inputs = importlib.import_module(f"{engine}.inputs")
    kernel = importlib.import_module(f"{engine}.kernel")
    ready = api.prepare(plan, today=BENCH_TODAY)
    prepared = inputs.kernel_inputs(ready.plan, ready.household, ready.lives)
    return partial(kernel.simulate, prepared, ready.returns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    plans = {
        "single needs": bench_plan("monte_carlo", "needs", args.paths),
        "couple needs": couple_plan("needs", args.paths),
        "single guardrails": bench_plan("monte_carlo", "guardrails", args.paths),
        "single fixed_real": bench_plan("monte_carlo", "fixed_real", args.paths),
        "couple guardrails": couple_plan("guardrails", args.paths),
    }
    named = [
        (what, engine, _kernel(engine, plan))
        for what, plan in plans.items()
        for engine in ("engine_before", "projections.engine")
    ]
    load = os.getloadavg()[0]
    medians = interleaved_median_ms([act for _, _, act in named], args.repeat)
    print(f"load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    print(f"| flat kernel, {args.paths} paths | before CPU ms | after CPU ms | after ÷ before |")
    print("|---|---:|---:|---:|")
    for i in range(0, len(named), 2):
        before, after = medians[i], medians[i + 1]
        print(f"| {named[i][0]} | {before:.1f} | {after:.1f} | {after / before:.2f} |")


if __name__ == "__main__":
    main()
