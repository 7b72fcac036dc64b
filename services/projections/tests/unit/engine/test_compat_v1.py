"""Engine 2 gives engine 1's numbers, bit for bit, for every plan engine 1 could express.

The expectations were written by engine 1.0.0 itself (golden/make_v1_goldens.py, run at
commit 659571c before any engine 2 change): single people, fixed longevity, every mode and
strategy, debts, contributions, salary, pension, nominal and indexed flows, solver answers, and
a Social Security income claimed at full retirement age (which the SSA rules leave unchanged).
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


@pytest.mark.parametrize("case", GOLDENS, ids=[case["name"] for case in GOLDENS])
def test_engine_2_reproduces_engine_1(case: dict[str, Any]) -> None:
    today = date.fromisoformat(case["today"])
    # Stored projections keep engine 1's flat tax (the service's migration sets it, issue 16).
    case["plan"]["assumptions"]["tax"] = {"regime": "flat"}
    if "target" in case:
        answer = solve(
            case["plan"], target=case["target"], success_rate=case["success_rate"], today=today
        )
    else:
        answer = run_projection(case["plan"], today=today)
    assert _mismatches(case["answer"], answer)[:10] == []


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
