"""Engine 2 gives engine 1's numbers, bit for bit, for every plan engine 1 could express.

The expectations were written by engine 1.0.0 itself (golden/make_v1_goldens.py, run at
commit 659571c before any engine 2 change): single people, fixed longevity, every mode and
strategy, debts, contributions, salary, pension, nominal and indexed flows, solver answers, and
a Social Security income claimed at full retirement age (which the SSA rules leave unchanged).

One deliberate correction (DESIGN §6.5, docs/ENGINE.md "What engine 2 changes"): deterministic
mode earns the Monte Carlo *median*, not the arithmetic mean engine 1 compounded. The two agree
only where volatility is zero, so deterministic goldens are checked with every volatility set
to zero — where engine 1's numbers are still the contract, bit for bit. And the spending
solver searches differently (issue 17 item 7: regula falsi from a better first guess, and a
look-ahead where success need not be monotone), and so does the age solver (session 5: from
the plan's own retirement age, by the log-odds of success): their answers are engine 1's,
their `evaluations` counts (how many values they tried) are not.

Engine 2.2 (issue 17, DESIGN §6.3) changes two things on purpose, listed in "What engine 2
changes": a path fails only when *essential* spending (or debt payments, or taxes) goes
unfunded — engine 1 failed on any expense — so the goldens are checked with every expense
essential, where engine 1's numbers are still the contract; and `guardrails` now flexes the
discretionary expenses instead of a 4 %-style withdrawal, so its goldens no longer apply
(tests/unit/engine/test_spending_policy.py proves the new rule).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from projections.engine import run_projection, solve

GOLDENS = json.loads(
    (Path(__file__).resolve().parent / "golden" / "v1_goldens.json").read_text(encoding="utf-8")
)
ZERO_VOLATILITY = {"stock_vol": 0.0, "bond_vol": 0.0, "inflation_vol": 0.0}
# Both name the engine and its inputs; they change with the version by design.
VERSIONED = frozenset({"engine_version", "inputs_hash"})


def _mismatches(old: Any, new: Any, where: str = "") -> list[str]:
    """Return where `new` differs from `old`; keys only `new` has are allowed (added fields)."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return [f"{where}: not an object"]
        found: list[str] = []
        for key, value in old.items():
            if key in VERSIONED:
                continue
            if key not in new:
                found.append(f"{where}.{key}: missing")
            else:
                found += _mismatches(value, new[key], f"{where}.{key}")
        return found
    if isinstance(old, list):
        if not isinstance(new, list) or len(new) != len(old):
            return [
                f"{where}: length {len(old)} became {len(new) if isinstance(new, list) else new}"
            ]
        return [
            m
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for m in _mismatches(a, b, f"{where}[{i}]")
        ]
    # Bit-identical: the JSON numbers must be the same floats, not merely close.
    return [] if old == new and type(old) is type(new) else [f"{where}: {old!r} became {new!r}"]


# Engine 2.2 deliberately changed `guardrails` (DESIGN §6.3: it flexes discretionary expenses
# only; docs/ENGINE.md "What engine 2 changes"), so its goldens are no longer engine 2's answer;
# every other stored-style plan must still give engine 1's numbers bit for bit.
UNCHANGED = [c for c in GOLDENS if c["plan"]["assumptions"]["withdrawal_strategy"] != "guardrails"]


@pytest.mark.parametrize("case", UNCHANGED, ids=[case["name"] for case in UNCHANGED])
def test_engine_2_reproduces_engine_1(case: dict[str, Any]) -> None:
    today = date.fromisoformat(case["today"])
    # Stored projections keep engine 1's flat tax (the service's migration sets it, issue 16).
    plan = case["plan"]
    plan = plan | {"assumptions": plan["assumptions"] | {"tax": {"regime": "flat"}}}
    plan = plan | {"expenses": [e | {"essential": True} for e in plan["expenses"]]}
    if plan["assumptions"]["mode"] == "deterministic":
        plan = plan | {"assumptions": plan["assumptions"] | ZERO_VOLATILITY}
    if "target" in case:
        answer = solve(plan, target=case["target"], success_rate=case["success_rate"], today=today)
    else:
        answer = run_projection(plan, today=today)
    expected = case["answer"]
    if "target" in case:
        expected = {k: v for k, v in expected.items() if k != "evaluations"}
    assert _mismatches(expected, answer)[:10] == []


def test_the_goldens_cover_every_mode_and_strategy() -> None:
    plans = [case["plan"] for case in GOLDENS]
    assert {p["assumptions"]["mode"] for p in plans} == {
        "deterministic",
        "monte_carlo",
        "historical",
    }
    assert {p["assumptions"]["withdrawal_strategy"] for p in plans} == {
        "needs",
        "fixed_real",
        "fixed_percentage",
        "guardrails",
    }
    assert any(i["kind"] == "social_security" for p in plans for i in p["incomes"])
    assert {case.get("target") for case in GOLDENS} == {None, "retirement_age", "annual_spending"}
