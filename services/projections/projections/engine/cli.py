"""Run, solve or benchmark projections from the command line: `nestegg-engine`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .allocator import keep_freed_memory
from .api import run_projection
from .bench import format_table, run_bench
from .bench_decisions import format_decisions, format_goals, goals, run_decision_bench
from .bench_solve import format_solve_table, run_solve_bench
from .solve import solve


def _read_plan(path: str) -> Any:
    """Read a plan file as JSON."""
    with Path(path).open(encoding="utf-8") as handle:
        return json.load(handle)


def _parser() -> argparse.ArgumentParser:
    """Build the argument parser."""
    parser = argparse.ArgumentParser(prog="nestegg-engine", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="print the result JSON for a plan file")
    run.add_argument(
        "plan", help="plan JSON: {profile, assets, debts, incomes, expenses, assumptions}"
    )
    slv = sub.add_parser("solve", help="find the retirement age or spending for a success rate")
    slv.add_argument("plan")
    slv.add_argument("--target", required=True, choices=("retirement_age", "annual_spending"))
    slv.add_argument("--success-rate", type=float, default=0.9)
    for command in (run, slv):
        command.add_argument(
            "--historical-data",
            help="Shiller CSV (default: $NESTEGG_HISTORICAL_DATA, else the shipped series)",
        )
        command.add_argument("--today", type=date.fromisoformat, help="run date, YYYY-MM-DD")
    bench = sub.add_parser("bench", help="time every strategy and mode")
    bench.add_argument("--paths", type=int, default=10_000)
    bench.add_argument("--repeat", type=int, default=7)
    bench.add_argument("--historical-data")
    bench.add_argument("--json", action="store_true", help="print JSON instead of a table")
    decisions = sub.add_parser(
        "bench-decisions",
        help="time compare (baseline + 5), solve and optimize (81 pairs) against the goals",
    )
    decisions.add_argument("--paths", type=int, default=10_000)
    decisions.add_argument("--repeat", type=int, default=5)
    decisions.add_argument("--json", action="store_true", help="print JSON instead of a table")
    for command in (bench, decisions):
        command.add_argument(
            "--allocator",
            choices=("worker", "default"),
            default="worker",
            help="malloc as the projections workers set it (allocator.py), or glibc's default",
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the command, print JSON; return the exit status."""
    args = _parser().parse_args(argv)
    if args.command.startswith("bench") and args.allocator == "worker":
        keep_freed_memory()  # measured as the workers run it
    try:
        if args.command == "run":
            out: Any = run_projection(
                _read_plan(args.plan), today=args.today, historical_path=args.historical_data
            )
        elif args.command == "solve":
            out = solve(
                _read_plan(args.plan),
                target=args.target,
                success_rate=args.success_rate,
                today=args.today,
                historical_path=args.historical_data,
            )
        elif args.command == "bench-decisions":
            rows = run_decision_bench(paths=args.paths, repeat=args.repeat)
            solves = run_solve_bench(paths=args.paths, repeat=args.repeat)
            met = goals(rows, solves)
            if args.json:
                print(json.dumps({"decisions": rows, "solves": solves, "goals": met}, indent=2))
            else:
                tables = (format_solve_table(solves), format_decisions(rows), format_goals(met))
                print("\n\n".join(tables))
                print(f"\nmalloc: {args.allocator}")
            return 0
        else:
            rows = run_bench(
                paths=args.paths, repeat=args.repeat, historical_path=args.historical_data
            )
            print(json.dumps(rows, indent=2) if args.json else format_table(rows))
            if not args.json:
                print(f"\nmalloc: {args.allocator}")
            return 0
    except ValidationError as err:
        print(f"nestegg-engine: invalid plan:\n{err}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as err:
        print(f"nestegg-engine: {err}", file=sys.stderr)
        return 2
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
