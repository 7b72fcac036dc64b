"""Time compare, solve and optimize against issue 17's goals: `nestegg-engine bench-decisions`.

Compare: the baseline and 5 scenarios at 10,000 paths in one call (compare.compare_plans:
their compared figures) against one run of the baseline (run_projection: its whole result)
and against six separate runs (what a compare cost before session 5). Solve: bench_solve's
rows. Optimize: the 81 claiming-age pairs of a couple on one core. `goals` sets each
measured figure against its goal (Speed: compare ≤ 3 × one run, solve ≤ 4 × one run,
optimize ≤ 10 s), all from the one invocation.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .api import run_projection
from .bench import BENCH_TODAY, bench_plan, couple_plan, interleaved_median_ms, us_plan
from .compare import compare_plans
from .optimize import optimize

Change = Callable[[dict[str, Any]], None]
Scenarios = tuple[tuple[str, Change], ...]
# Five scenarios people compare: retire earlier or later, spend more, another strategy, taxes.
SCENARIOS: Scenarios = (
    ("retire 3 years earlier", lambda p: p["profile"].update(retirement_age=62)),
    ("retire 2 years later", lambda p: p["profile"].update(retirement_age=67)),
    (
        "travel 5,000 a year",
        lambda p: p["expenses"].append({"name": "travel", "amount": "5000.00"}),
    ),
    ("guardrails", lambda p: p["assumptions"].update(withdrawal_strategy="guardrails")),
    ("flat tax 25 %", lambda p: p["assumptions"].update(income_tax_rate=0.25)),
)


# The `us` couple already spends by guardrails and pays no flat rate, so two of SCENARIOS
# change nothing in it (a compare finds them equal to the baseline and runs nothing for
# them: engine/resume.py); this set changes something in every scenario.
US_CHANGES: Scenarios = (
    *SCENARIOS[:3],
    ("needs", lambda p: p["assumptions"].update(withdrawal_strategy="needs")),
    (
        "Roth conversions to 22 %",
        lambda p: p["assumptions"]["roth_conversion"].update(up_to_bracket=0.22),
    ),
)


def compare_case(plan: dict[str, Any], scenarios: Scenarios = SCENARIOS) -> list[dict[str, Any]]:
    """Return the baseline and its five scenarios."""
    plans = [plan]
    for _name, change in scenarios:
        scenario = copy.deepcopy(plan)
        change(scenario)
        plans.append(scenario)
    return plans


def compare_cases(paths: int) -> dict[str, tuple[dict[str, Any], Scenarios]]:
    """Return each compared household, by name, with the scenarios it is compared with.

    The single plan and the couple (flat regime, as the engine table), and the couple under
    `us` taxes with Roth conversions (bench.us_plan), with SCENARIOS and with US_CHANGES.
    """
    return {
        "single": (bench_plan("monte_carlo", "needs", paths), SCENARIOS),
        "couple": (couple_plan("needs", paths), SCENARIOS),
        "couple us": (us_plan(paths), SCENARIOS),
        "couple us, every scenario a change": (us_plan(paths), US_CHANGES),
    }


def run_decision_bench(*, paths: int = 10_000, repeat: int = 5) -> list[dict[str, Any]]:
    """Time one run, the six-plan compare and six separate runs, and the 81-pair optimize.

    Households and scenarios: `compare_cases`; the optimize: both couples.
    """
    cases = compare_cases(paths)
    actions: list[Callable[[], object]] = []
    for plan, scenarios in cases.values():
        plans = compare_case(plan, scenarios)

        def one_run(plan: dict[str, Any] = plan) -> object:
            return run_projection(plan, today=BENCH_TODAY)

        def compared(plans: list[dict[str, Any]] = plans) -> object:
            return compare_plans(plans, today=BENCH_TODAY)

        def separately(plans: list[dict[str, Any]] = plans) -> object:
            return [run_projection(p, today=BENCH_TODAY) for p in plans]

        actions += [one_run, compared, separately]
    couples = ["couple", "couple us"]
    for name in couples:

        def optimized(plan: dict[str, Any] = cases[name][0]) -> object:
            return optimize(
                plan, decision="claiming_ages", objective="success_rate", today=BENCH_TODAY
            )

        actions.append(optimized)
    medians = interleaved_median_ms(actions, repeat)
    rows: list[dict[str, Any]] = []
    runs = {}
    for i, household in enumerate(cases):
        run_ms, compare_ms, separate_ms = medians[3 * i : 3 * i + 3]
        runs[household] = run_ms
        rows.append(
            {
                "case": "compare",
                "household": household,
                "paths": paths,
                "plans": 1 + len(SCENARIOS),
                "run_ms": round(run_ms, 1),
                "ms": round(compare_ms, 1),
                "separate_runs_ms": round(separate_ms, 1),
                "times_one_run": round(compare_ms / run_ms, 2),
            }
        )
    for name, optimize_ms in zip(couples, medians[3 * len(cases) :], strict=True):
        rows.append(
            {
                "case": "optimize claiming_ages",
                "household": name,
                "paths": paths,
                "plans": 81,
                "run_ms": round(runs[name], 1),
                "ms": round(optimize_ms, 1),
                "separate_runs_ms": None,
                "times_one_run": round(optimize_ms / runs[name], 2),
            }
        )
    return rows


def format_decisions(rows: list[dict[str, Any]]) -> str:
    """Render the rows as a Markdown table."""
    lines = [
        "| case | household | paths | plans | one run ms | ms | separate runs ms | × one run |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        separate = "" if r["separate_runs_ms"] is None else r["separate_runs_ms"]
        lines.append(
            f"| {r['case']} | {r['household']} | {r['paths']:,} | {r['plans']} | {r['run_ms']} "
            f"| {r['ms']} | {separate} | {r['times_one_run']} |"
        )
    return "\n".join(lines)


COMPARE_GOAL = 3.0  # × one run of the baseline
SOLVE_GOAL = 4.0  # × one run of the plan
OPTIMIZE_GOAL_MS = 10_000.0  # 81 claiming-age pairs, one core


def goals(decisions: list[dict[str, Any]], solves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return each measured figure against its goal: what, measured, goal, unit, met."""
    out: list[dict[str, Any]] = []

    def add(what: str, measured: float, goal: float, unit: str) -> None:
        out.append(
            {
                "what": what,
                "measured": measured,
                "goal": goal,
                "unit": unit,
                "met": measured <= goal,
            }
        )

    for r in decisions:
        if r["case"] == "compare":
            add(f"compare baseline + 5, {r['household']}", r["times_one_run"], COMPARE_GOAL, "×")
    for r in solves:
        if "times_one_run" in r:
            add(r["what"], r["times_one_run"], SOLVE_GOAL, "×")
    for r in decisions:
        if r["case"].startswith("optimize"):
            add(f"{r['case']} 81 pairs, {r['household']}", r["ms"], OPTIMIZE_GOAL_MS, "ms")
    return out


def format_goals(rows: list[dict[str, Any]]) -> str:
    """Render the goals as a Markdown table."""
    lines = ["| goal | measured | at most | met |", "|---|---:|---:|---|"]
    for r in rows:
        goal = f"{r['goal']:,.0f} ms" if r["unit"] == "ms" else f"{r['goal']} ×"
        measured = f"{r['measured']:,.1f} ms" if r["unit"] == "ms" else f"{r['measured']} ×"
        lines.append(f"| {r['what']} | {measured} | {goal} | {'met' if r['met'] else 'NOT met'} |")
    return "\n".join(lines)
