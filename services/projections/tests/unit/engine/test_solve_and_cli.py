"""Check the solvers against brute force and the command line end to end."""

from __future__ import annotations

import json
from datetime import date

import pytest

from projections.engine import run_projection, solve
from projections.engine.api import evaluate, prepare
from projections.engine.cli import main

TODAY = date(2025, 6, 1)


def _saver(make_plan, **assumptions):
    return make_plan(
        current_age=40,
        retirement_age=67,
        life_expectancy=92,
        assets=[
            {
                "name": "brokerage",
                "kind": "taxable",
                "balance": "150000.00",
                "stock_allocation": 0.6,
            }
        ],
        incomes=[{"name": "pay", "kind": "salary", "amount": "90000.00", "taxable": False}],
        expenses=[{"name": "living", "amount": "50000.00", "inflation_indexed": True}],
        mode="monte_carlo",
        paths=300,
        seed=8,
        stock_return=0.07,
        stock_vol=0.16,
        bond_return=0.03,
        bond_vol=0.06,
        inflation=0.025,
        inflation_vol=0.01,
        **assumptions,
    )


def test_the_earliest_retirement_age_matches_a_brute_force_scan(make_plan):
    plan = _saver(make_plan)
    answer = solve(plan, target="retirement_age", success_rate=0.9, today=TODAY)
    prepared = prepare(plan, today=TODAY)

    def rate(age: int) -> float:
        variant = plan | {"profile": plan["profile"] | {"retirement_age": age}}
        return evaluate(prepare(variant, today=TODAY)).success_rate

    scan = next(age for age in range(40, 93) if rate(age) >= 0.9)
    assert answer["value"] == scan
    assert answer["achieved_success_rate"] == rate(scan)
    assert answer["seed"] == prepared.seed == 8
    assert answer["result"]["success_rate"] == rate(scan)


def test_the_highest_spending_is_a_multiple_of_100_just_below_failing_the_target(make_plan):
    plan = _saver(make_plan)
    answer = solve(plan, target="annual_spending", success_rate=0.9, today=TODAY)
    value = answer["value"]
    assert value % 100 == 0

    def rate(spending: float) -> float:
        return evaluate(prepare(plan, today=TODAY), annual_spending=spending).success_rate

    assert rate(value) >= 0.9
    assert rate(value + 100) < 0.9
    assert answer["result"]["success_rate"] == rate(value)


def test_the_spending_solver_finds_the_fixed_real_safe_withdrawal(make_plan):
    plan = make_plan(withdrawal_strategy="fixed_real", inflation=0.0)
    answer = solve(plan, target="annual_spending", success_rate=1.0, today=TODAY)
    # No returns, no inflation: 1,000,000 over 30 years allows exactly 33,333 a year.
    assert answer["value"] == 33_300


def test_an_unreachable_retirement_target_returns_null(make_plan):
    plan = make_plan(
        assets=[{"name": "bank", "kind": "cash", "balance": "0.00"}],
        expenses=[{"name": "living", "amount": "10000.00"}],
    )
    answer = solve(plan, target="retirement_age", success_rate=0.9, today=TODAY)
    assert answer["value"] is None
    assert answer["result"] is None


def test_fixed_percentage_has_no_spending_to_solve(make_plan):
    with pytest.raises(ValueError, match="fixed_percentage"):
        solve(
            make_plan(withdrawal_strategy="fixed_percentage"),
            target="annual_spending",
            success_rate=0.9,
            today=TODAY,
        )


def test_the_command_line_prints_the_result_json(make_plan, tmp_path, capsys):
    plan_file = tmp_path / "plan.json"
    plan = make_plan(mode="monte_carlo", paths=50, seed=5)
    plan_file.write_text(json.dumps(plan))
    assert main(["run", str(plan_file), "--today", "2025-06-01"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(run_projection(plan, today=TODAY)))


def test_the_command_line_solves(make_plan, tmp_path, capsys):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(_saver(make_plan)))
    code = main(
        [
            "solve",
            str(plan_file),
            "--target",
            "retirement_age",
            "--success-rate",
            "0.9",
            "--today",
            "2025-06-01",
        ]
    )
    assert code == 0
    assert isinstance(json.loads(capsys.readouterr().out)["value"], int)


def test_the_command_line_reports_an_invalid_plan_without_a_traceback(tmp_path, capsys):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps({"profile": {"current_age": 40}}))
    assert main(["run", str(plan_file)]) == 2
    assert "invalid plan" in capsys.readouterr().err


def test_the_command_line_benchmark_prints_every_strategy(capsys):
    assert (
        main(["bench", "--paths", "50", "--repeat", "1", "--allocator", "default", "--json"]) == 0
    )
    rows = json.loads(capsys.readouterr().out)
    strategies = {row["strategy"] for row in rows if row["mode"] == "monte_carlo"}
    assert strategies == {
        "needs",
        "fixed_real",
        "fixed_percentage",
        "guardrails",
        "vpw",
        "floor_ceiling",
        "rmd_based",
    }
    couples = [row for row in rows if row["household"] == "couple"]
    assert {row["strategy"] for row in couples} == strategies
    assert {(row["paths"], row["years"]) for row in couples} == {(50, 65)}


def test_the_command_line_times_compare_and_optimize(capsys):
    # glibc's default malloc: the workers' settings are not this test process's to change.
    args = ["--paths", "50", "--repeat", "1", "--allocator", "default", "--json"]
    assert main(["bench-decisions", *args]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = out["decisions"]
    assert [(r["case"], r["household"], r["plans"]) for r in rows] == [
        ("compare", "single", 6),
        ("compare", "couple", 6),
        ("compare", "couple us", 6),
        ("compare", "couple us, every scenario a change", 6),
        ("optimize claiming_ages", "couple", 81),
        ("optimize claiming_ages", "couple us", 81),
    ]
    assert all(r["ms"] > 0 and r["paths"] == 50 for r in rows)
    # Issue 17's Speed goals, each with its measured figure and verdict, from this one run.
    goals = {g["what"]: g for g in out["goals"]}
    assert {g["goal"] for g in goals.values()} == {3.0, 4.0, 10_000.0}
    assert len([w for w in goals if w.startswith("compare")]) == 4
    assert len([w for w in goals if w.startswith("solve")]) == 6
    assert len([w for w in goals if w.startswith("optimize")]) == 2
    assert all(g["met"] == (g["measured"] <= g["goal"]) for g in goals.values())


def test_the_command_line_prints_every_goal_met_or_not(capsys):
    assert (
        main(["bench-decisions", "--paths", "50", "--repeat", "1", "--allocator", "default"]) == 0
    )
    table = capsys.readouterr().out
    verdicts = [line.rsplit("|", 2)[1].strip() for line in table.splitlines() if "× |" in line]
    assert len(verdicts) >= 9 and set(verdicts) <= {"met", "NOT met"}
