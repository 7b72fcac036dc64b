"""Issue 19's measurements beyond the HTTP load points: the computations users wait for
(goal 3) and memory and CPU per request for each process (goal 4). Called by perf.Bench."""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any

import resources
from compute_cases import GOALS_MS, ComputeCases

if TYPE_CHECKING:
    from perf import Bench

CASES = ("run", "compare", "solve")


def components(bench: Bench) -> resources.Components:
    """Return the root pid of each process of the main cluster and of PostgreSQL."""
    data_dir = Path(bench.cluster.pg.folder.name) / "pgdata"

    def roots() -> dict[str, int]:
        pids = {name: copies[0].pid for name, copies in bench.cluster.processes.items()}
        return {**pids, "postgres": resources.postgres_pid(data_dir)}

    return roots


def measure_at_rest(bench: Bench) -> None:
    """Record each process's RSS once the dataset is loaded, before any load."""
    bench.out["resources_at_rest"] = resources.snapshot(components(bench))


def measure_compute(bench: Bench) -> None:
    """Time an uncached run, a compare of baseline + 5 and a solve, each several times."""
    smoke = bench.args.smoke
    counts = (
        {"run": 5, "compare": 3, "solve": 2} if smoke else {"run": 10, "compare": 5, "solve": 3}
    )
    cases = ComputeCases.prepare(bench.cluster.url("gateway"))
    counter = [0]
    try:
        cases.measure("run", 1, counter)  # warm: worker imports, first compile of anything
        rows = []
        for case in CASES:
            with resources.Meter(components(bench)) as meter:
                timings = cases.measure(case, counts[case], counter)
            rows.append(
                {
                    "case": case,
                    "n": len(timings),
                    "p50_ms": round(statistics.median(timings), 1),
                    "min_ms": round(min(timings), 1),
                    "max_ms": round(max(timings), 1),
                    "goal_ms": GOALS_MS[case],
                    "load_average": os.getloadavg()[0],
                    **meter.result(len(timings)),
                }
            )
            bench.say(compute_line(rows[-1]))
    finally:
        cases.close()
    bench.out["compute"] = rows


def compute_line(row: dict[str, Any]) -> str:
    """Return one computation case as a progress line."""
    cpu = row["cpu_ms_per_request"]
    return (
        f"compute {row['case']:8} p50 {row['p50_ms']:.0f} ms (goal {row['goal_ms']:.0f}) "
        f"min {row['min_ms']:.0f} max {row['max_ms']:.0f}, n={row['n']}, "
        f"CPU {cpu['total']:.0f} ms/request, load {row['load_average']:.2f}"
    )
