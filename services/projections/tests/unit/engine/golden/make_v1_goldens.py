"""Write engine 1's results for stored-style plans: the compatibility test's expectations.

Run once, at commit 659571c (engine 1.0.0, before any engine 2 change), from the worktree root:

    .venv/bin/python services/projections/tests/unit/engine/golden/make_v1_goldens.py

It writes `v1_goldens.json` beside itself: for each case its plan, run date, call (run or
solve) and engine 1's answer. Engine 2 must give the same numbers for every case
(test_compat_v1.py); only `engine_version` and `inputs_hash` may differ and new fields may be
added. Do not re-run it on a later engine: the file is a record of engine 1.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

from projections.engine import run_projection, solve

TODAY = date(2025, 6, 1)
OUT = Path(__file__).resolve().parent / "v1_goldens.json"


def _base(mode: str, strategy: str, **assumptions: Any) -> dict[str, Any]:
    """Return a full single-person plan: every record kind v1 knows, age 45 to 92."""
    return {
        "profile": {
            "birth_date": "1980-03-15",
            "retirement_age": 62,
            "life_expectancy": 92,
            "currency": "USD",
        },
        "assets": [
            {"name": "checking", "kind": "cash", "balance": "15000.00"},
            {
                "name": "brokerage",
                "kind": "taxable",
                "balance": "180000.00",
                "annual_contribution": "6000.00",
                "stock_allocation": 0.7,
            },
            {
                "name": "401k",
                "kind": "tax_deferred",
                "balance": "320000.00",
                "annual_contribution": "19500.00",
                "contribution_end_age": 60,
                "stock_allocation": 0.6,
            },
            {
                "name": "roth",
                "kind": "tax_free",
                "balance": "75000.00",
                "annual_contribution": "6500.00",
                "stock_allocation": 0.9,
            },
            {"name": "home", "kind": "real_estate", "balance": "450000.00"},
            {"name": "art", "kind": "other", "balance": "20000.00", "stock_allocation": 0.3},
        ],
        "debts": [
            {
                "name": "mortgage",
                "kind": "mortgage",
                "balance": "260000.00",
                "interest_rate": 0.055,
                "monthly_payment": "1900.00",
            },
            {
                "name": "car",
                "kind": "auto",
                "balance": "18000.00",
                "interest_rate": 0.07,
                "monthly_payment": "450.00",
            },
        ],
        "incomes": [
            {"name": "salary", "kind": "salary", "amount": "110000.00", "growth_rate": 0.025},
            {
                "name": "pension",
                "kind": "pension",
                "amount": "1500.00",
                "frequency": "monthly",
                "start_age": 65,
            },
            {
                "name": "annuity",
                "kind": "annuity",
                "amount": "6000.00",
                "start_age": 70,
                "end_age": 85,
                "inflation_indexed": True,
            },
            {
                "name": "rent",
                "kind": "rental",
                "amount": "800.00",
                "frequency": "monthly",
                "inflation_indexed": True,
                "growth_rate": 0.01,
                "taxable": True,
            },
            {
                "name": "gift",
                "kind": "other",
                "amount": "2000.00",
                "start_age": 50,
                "end_age": 55,
                "taxable": False,
            },
        ],
        "expenses": [
            {"name": "living", "category": "living", "amount": "4200.00", "frequency": "monthly"},
            {
                "name": "travel",
                "category": "travel",
                "amount": "8000.00",
                "start_age": 62,
                "end_age": 80,
                "essential": False,
            },
            {
                "name": "insurance",
                "category": "insurance",
                "amount": "3000.00",
                "inflation_indexed": False,
            },
            {"name": "care", "category": "health", "amount": "20000.00", "start_age": 85},
        ],
        "assumptions": {"mode": mode, "withdrawal_strategy": strategy, **assumptions},
    }


def _small(mode: str, strategy: str, **assumptions: Any) -> dict[str, Any]:
    """Return a retiree with current_age only: age 65 to 95, a 30-year retirement."""
    return {
        "profile": {"current_age": 65, "retirement_age": 65, "life_expectancy": 95},
        "assets": [
            {
                "name": "portfolio",
                "kind": "taxable",
                "balance": "1000000.00",
                "stock_allocation": 0.6,
            },
            {
                "name": "ira",
                "kind": "tax_deferred",
                "balance": "400000.00",
                "stock_allocation": 0.5,
            },
        ],
        "incomes": [
            {"name": "pension", "kind": "pension", "amount": "12000.00", "taxable": True},
        ],
        "expenses": [
            {"name": "living", "amount": "40000.00"},
            {"name": "fun", "amount": "15000.00", "essential": False},
        ],
        "assumptions": {"mode": mode, "withdrawal_strategy": strategy, **assumptions},
    }


def _with_social_security_at_fra(plan: dict[str, Any]) -> dict[str, Any]:
    """Return the plan with a Social Security income claimed at FRA (67 for 1960+ births)."""
    out = copy.deepcopy(plan)
    out["incomes"].append(
        {
            "name": "social security",
            "kind": "social_security",
            "amount": "2400.00",
            "frequency": "monthly",
            "start_age": 67,
            "inflation_indexed": True,
            "growth_rate": 0.0,
        }
    )
    return out


STRATEGIES = ("needs", "fixed_real", "fixed_percentage", "guardrails")
MC = {"paths": 300, "seed": 424242}


def cases() -> list[dict[str, Any]]:
    """Return every golden case: a name, the call, its arguments."""
    out: list[dict[str, Any]] = []
    for strategy in STRATEGIES:
        out.append(
            {"name": f"full-deterministic-{strategy}", "plan": _base("deterministic", strategy)}
        )
        out.append({"name": f"full-mc-{strategy}", "plan": _base("monte_carlo", strategy, **MC)})
        out.append({"name": f"full-historical-{strategy}", "plan": _base("historical", strategy)})
        out.append({"name": f"small-mc-{strategy}", "plan": _small("monte_carlo", strategy, **MC)})
        out.append({"name": f"small-historical-{strategy}", "plan": _small("historical", strategy)})
    out.append(
        {
            "name": "small-historical-range",
            "plan": _small("historical", "fixed_real", historical={"first_year": 1926}),
        }
    )
    out.append(
        {
            "name": "full-mc-custom-assumptions",
            "plan": _base(
                "monte_carlo",
                "guardrails",
                paths=400,
                seed=7,
                inflation=0.025,
                inflation_vol=0.03,
                stock_return=0.08,
                stock_vol=0.2,
                bond_return=0.04,
                bond_vol=0.07,
                stock_bond_corr=-0.2,
                income_tax_rate=0.25,
                withdrawal_rate=0.05,
                guardrails={"upper": 0.25, "lower": 0.15, "adjustment": 0.08},
            ),
        }
    )
    for mode, extra in (("deterministic", {}), ("monte_carlo", MC), ("historical", {})):
        out.append(
            {
                "name": f"social-security-at-fra-{mode}",
                "plan": _with_social_security_at_fra(_base(mode, "needs", **extra)),
            }
        )
    out.append(
        {
            "name": "social-security-at-fra-small-mc-guardrails",
            "plan": _with_social_security_at_fra(
                {
                    **_small("monte_carlo", "guardrails", **MC),
                    "profile": {
                        "birth_date": "1962-09-30",
                        "retirement_age": 62,
                        "life_expectancy": 95,
                    },
                }
            ),
        }
    )
    solves = (
        ("full-mc-needs", _base("monte_carlo", "needs", **MC), "retirement_age", 0.8),
        ("full-mc-needs", _base("monte_carlo", "needs", **MC), "annual_spending", 0.9),
        (
            "small-historical-fixed_real",
            _small("historical", "fixed_real"),
            "annual_spending",
            0.95,
        ),
        ("small-mc-guardrails", _small("monte_carlo", "guardrails", **MC), "annual_spending", 0.9),
        ("full-historical-needs", _base("historical", "needs"), "retirement_age", 0.9),
    )
    for name, plan, target, rate in solves:
        out.append(
            {"name": f"solve-{target}-{name}", "plan": plan, "target": target, "success_rate": rate}
        )
    return out


def answer(case: dict[str, Any]) -> dict[str, Any]:
    """Return the engine's answer to one case."""
    if "target" in case:
        return solve(
            case["plan"], target=case["target"], success_rate=case["success_rate"], today=TODAY
        )
    return run_projection(case["plan"], today=TODAY)


def main() -> None:
    """Write the goldens file."""
    records = [{**case, "today": TODAY.isoformat(), "answer": answer(case)} for case in cases()]
    OUT.write_text(json.dumps(records, sort_keys=True, indent=None) + "\n", encoding="utf-8")
    print(f"wrote {len(records)} cases to {OUT}")


if __name__ == "__main__":
    main()
