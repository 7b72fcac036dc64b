"""The `us` kernel compiled (numba) against the numpy kernel it replaced, with flat beside them.

`make bench-engine` (its last line): the issue-16 plan (`bench.py: us_plan`, 10,000 paths ×
65 years, a couple, `us`, RMDs, Roth conversions, guardrails) through three processes in
turn, round after round, so a change in the machine's load reaches all three alike:

- `us numpy`: the engine at NUMPY_COMMIT (the last numpy `us` kernel), from `git archive`;
- `us compiled`: this worktree's engine (its numba cache warmed first);
- `flat`: the same plan under the flat regime, this worktree's engine.

Each round times one kernel run (`api.evaluate`) in each process: wall time and the
process's CPU time (less sensitive to other processes on a shared machine). Prints the
medians and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

NUMPY_COMMIT = "ad3ed89"
ROOT = Path(__file__).resolve().parent.parent
CHILD = r"""
import sys, time
from projections.engine.api import evaluate, prepare
from projections.engine.bench import BENCH_TODAY, us_plan
prepared = prepare(us_plan(int(sys.argv[2]), sys.argv[1]), today=BENCH_TODAY)
evaluate(prepared)  # warm: numba's cache, numpy's first touches
print("ready", flush=True)
for _ in sys.stdin:
    wall, cpu = time.perf_counter(), time.process_time()
    evaluate(prepared)
    print(time.perf_counter() - wall, time.process_time() - cpu, flush=True)
"""


def _old_engine(into: Path) -> Path:
    """Extract the projections package at NUMPY_COMMIT; return its import root."""
    archive = subprocess.run(
        ["git", "archive", NUMPY_COMMIT, "services/projections/projections"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "services" / "projections"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = {**os.environ, "PYTHONPATH": str(_old_engine(Path(tmp)))}
        cases = {
            f"us numpy ({NUMPY_COMMIT})": ("us", old),
            "us compiled": ("us", dict(os.environ)),
            "flat": ("flat", dict(os.environ)),
        }
        procs = {
            name: subprocess.Popen(
                [sys.executable, "-c", CHILD, regime, str(args.paths)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            for name, (regime, env) in cases.items()
        }
        for proc in procs.values():
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in procs}
        for _ in range(args.repeat):
            for name, proc in procs.items():
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
                wall, cpu = (float(x) for x in proc.stdout.readline().split())
                times[name].append((wall, cpu))
        for proc in procs.values():
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"us kernel, {args.paths:,} paths × 65 years, median of {args.repeat}; load {load}")
    print("| kernel | wall ms | CPU ms | CPU × flat |")
    print("|---|---:|---:|---:|")
    flat_cpu = statistics.median(cpu for _, cpu in times["flat"])
    for name, pairs in times.items():
        wall = statistics.median(w for w, _ in pairs) * 1000.0
        cpu = statistics.median(c for _, c in pairs)
        print(f"| {name} | {wall:.1f} | {cpu * 1000.0:.1f} | {cpu / flat_cpu:.2f} |")


if __name__ == "__main__":
    main()
