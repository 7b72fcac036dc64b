"""Where a compare's time goes, beside one run's: `.venv/bin/python bench/compare_breakdown.py`.

One run is P + I + K + S: the preparation (matrices, lifespans), the kernel's inputs, the
kernel, the whole result's summary. A compare of n plans of one returns key is
P + L + Σ (I + K' + F) + D: one preparation, its matrices laid out year-major once (L), then
per plan its inputs, its kernel run — the first plan's whole (keeping states), the others'
resumed from the row where their inputs part (K', engine/resume.py) — and its compared
figures (compare.figures), and the search for those rows (D, resume.first_difference).
Each part is timed on its own, in CPU time, the parts taking turns
(bench.interleaved_median_ms), so the table says which part bounds the ratio compare / run
(docs/ENGINE.md, "Why a compare of 6 plans costs more than 3 runs"). Run with glibc's
malloc as the workers set it (engine/allocator.py) unless `--allocator default`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from functools import partial
from typing import Any

from projections.engine import api
from projections.engine.allocator import keep_freed_memory
from projections.engine.api import plan_inputs
from projections.engine.bench import BENCH_TODAY
from projections.engine.bench import interleaved_median_ms as medians
from projections.engine.bench_decisions import Scenarios, compare_case, compare_cases
from projections.engine.compare import compare_plans, figures, kept_for, prepared_for, shared
from projections.engine.inputs import kernel_inputs
from projections.engine.kernel import simulate
from projections.engine.resume import first_difference, resume_row

PARTS = ("prepare", "layout", "rows", "inputs", "kernel", "summary", "figures")
# C ≤ 3R exactly when the mean per-plan cost c ≤ (3R − P − L) / n: the table's last two columns.


def _parts(plan: dict[str, Any], scenarios: Scenarios) -> dict[str, list[Callable[[], object]]]:
    """Return, per part, one action per plan of the compare (prepare, layout, rows: one)."""
    plans = [api.as_plan(p) for p in compare_case(plan, scenarios)]
    base = api.prepare(plans[0], today=BENCH_TODAY)
    laid = shared(base)
    readies = [prepared_for(laid, valid, BENCH_TODAY) for valid in plans]
    inputs = [plan_inputs(ready) for ready in readies]

    def rows() -> frozenset[int]:
        return kept_for(inputs[0], [first_difference(inputs[0], other) for other in inputs[1:]])

    kept = rows()
    whole = simulate(inputs[0], laid.returns, keep=kept)
    before = figures(whole, readies[0].household.first.age)
    out: dict[str, list[Callable[[], object]]] = {
        "prepare": [partial(api.prepare, plans[0], today=BENCH_TODAY)],
        "layout": [partial(shared, base)],
        "rows": [rows],
    }
    for index, (ready, mine) in enumerate(zip(readies, inputs, strict=True)):
        fork = first_difference(inputs[0], mine)
        state = None if index == 0 else whole.kept.get(resume_row(kept, fork))
        run = partial(
            simulate, mine, laid.returns, resume=state, keep=kept if index == 0 else frozenset()
        )
        output = run()
        first_age = ready.household.first.age
        for part, action in (
            ("inputs", partial(kernel_inputs, ready.plan, ready.household, ready.lives)),
            ("kernel", run),
            ("summary", partial(api.summarise, ready, output)),
            ("figures", partial(figures, output, first_age, None if index == 0 else before)),
        ):
            if part != "summary" or index == 0:  # a run summarises one plan: the first
                out.setdefault(part, []).append(action)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--allocator", choices=("worker", "default"), default="worker")
    args = parser.parse_args()
    if args.allocator == "worker":
        keep_freed_memory()
    cases = compare_cases(args.paths)
    load = os.getloadavg()[0]
    print(
        "| household | run R | compare C | C / R | P | L | D | S | I + K' per plan | F per plan "
        "| c = I + K' + F | bound (3R − P − L − D) / 6 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, (plan, scenarios) in cases.items():
        parts = _parts(plan, scenarios)
        actions: list[Callable[[], object]] = [
            partial(api.run_projection, plan, today=BENCH_TODAY),
            partial(compare_plans, compare_case(plan, scenarios), today=BENCH_TODAY),
        ]
        for part in PARTS:
            actions += parts[part]
        ms = medians(actions, args.repeat)
        run_ms, compare_ms, timed = ms[0], ms[1], iter(ms[2:])
        total = {part: sum(next(timed) for _ in parts[part]) for part in PARTS}
        n = len(parts["kernel"])
        flows, figured = (total["inputs"] + total["kernel"]) / n, total["figures"] / n
        shared_ms = total["prepare"] + total["layout"] + total["rows"]
        bound = (3 * run_ms - shared_ms) / n
        cells = [run_ms, compare_ms, compare_ms / run_ms, total["prepare"], total["layout"]]
        cells += [total["rows"], total["summary"], flows, figured, flows + figured, bound]
        text = " | ".join(f"{c:.2f}" if c < 10 else f"{c:.1f}" for c in cells)
        print(f"| {name} | {text} |")
    print(f"\nmalloc: {args.allocator}; load average {load:.2f} at the start, ", end="")
    print(f"{os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
