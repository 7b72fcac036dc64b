"""Compile (or load from the cache) the kernels when a worker starts, not in a request.

The projections worker pool imports this module in each worker before it takes jobs
(app.py's `preload`), so the first projection a worker runs pays no compilation inside its
compute budget. Importing it runs a two-path `us` plan with Roth conversions, RMDs and a
bracket_fill order, and the same plan flat (the flat kernel's year is compiled too:
flat_year.py), which calls every compiled function with the argument types the kernels
always pass (spending.plain makes them so). docs/OPERATIONS.md: where the cache lives.
"""

from __future__ import annotations

from .api import evaluate, prepare
from .bench import BENCH_TODAY, us_plan


def warm() -> None:
    """Run a tiny plan through the compiled `us` kernel, and under flat through the other."""
    plan = us_plan(2)
    plan["assumptions"]["withdrawal_order"] = "bracket_fill"
    evaluate(prepare(plan, today=BENCH_TODAY))
    evaluate(prepare(us_plan(2, "flat"), today=BENCH_TODAY))


warm()
