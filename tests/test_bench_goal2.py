"""`make bench` prints issue 19's goal 2 with each ratio and met / NOT met (bench/report.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import report  # bench/ is a folder of scripts, not a package


def _row(via: str, endpoint: str, connections: int, rps: float, p99: float) -> dict[str, Any]:
    return {
        "via": via,
        "endpoint": endpoint,
        "connections": connections,
        "rps": rps,
        "p50_ms": 1.0,
        "p99_ms": p99,
    }


def _run(ledger_16: float, gateway_16: float, p99_64: float) -> dict[str, Any]:
    floor = [_row("floor-direct", report.FLOOR_ENDPOINT, 16, 10_000, 2.0)]
    api = [
        _row("ledger", "GET /assets", 16, ledger_16, 10.0),
        _row("gateway", "GET /assets", 16, gateway_16, 10.0),
        _row("ledger", "GET /assets", 64, ledger_16, p99_64),
        _row("gateway", "GET /assets", 64, gateway_16, p99_64 + 1),
    ]
    return {"api": api, "floor": floor}


def test_goal_2_is_met_at_the_thresholds_and_not_below() -> None:
    met = report.goal2(_run(ledger_16=3_000, gateway_16=1_800, p99_64=23.9))
    assert [state["met"] for state in met.values()] == [True, True, True, True]
    assert [state["value"] for state in met.values()] == [0.3, 0.6, 23.9, 24.9]
    short = report.goal2(_run(ledger_16=2_999, gateway_16=1_700, p99_64=25.0))
    assert [state["met"] for state in short.values()] == [False, False, False, False]


def test_goal_2_lines_say_met_or_not_and_what_was_not_measured() -> None:
    out = _run(ledger_16=600, gateway_16=500, p99_64=30.0)
    out["api"] = out["api"][:2]  # a smoke run: no point at 64 connections
    lines = report.render_goal2(report.goal2(out))
    assert lines[0] == "goal 2 (issue 19):"
    assert "NOT met  ledger GET /assets >= 30% of the bare server at 16: 0.06" in lines[1]
    assert "met      gateway GET /assets >= 60% of the ledger direct at 16: 0.833" in lines[2]
    assert lines[3].endswith("p99 < 25 ms at 64: not measured")
