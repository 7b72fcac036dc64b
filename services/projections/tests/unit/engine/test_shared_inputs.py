"""Evaluations of one prepared plan share its incomes' flows and `us` tables (inputs.Shared).

They do not depend on `annual_spending` (the spending solver's variable), so they are built
on the first evaluation and reused: every reuse must give the numbers of a fresh build, and
a copy of the preparation on other paths (api.on_paths) must not see the original's.
"""

from __future__ import annotations

import numpy as np
import pytest

from projections.engine.api import evaluate, on_paths, prepare
from projections.engine.bench import BENCH_TODAY, us_plan
from projections.engine.kernel import KernelOutput

FIELDS = ("portfolio", "income", "spending", "withdrawals", "taxes", "failed", "rmd")


def _same(a: KernelOutput, b: KernelOutput) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in FIELDS)


@pytest.mark.parametrize(
    ("strategy", "regime"),
    [("guardrails", "us"), ("needs", "us"), ("fixed_real", "us"), ("guardrails", "flat")],
)
def test_a_reused_build_gives_the_numbers_of_a_fresh_one(strategy: str, regime: str) -> None:
    plan = us_plan(60, regime)
    plan["assumptions"]["withdrawal_strategy"] = strategy
    prepared = prepare(plan, today=BENCH_TODAY)
    first = evaluate(prepared)
    assert prepared.shared.incomes is not None and prepared.shared.last is not None
    assert (prepared.shared.us is not None) == (regime == "us")
    tables, kept = prepared.shared.us, prepared.shared.last[1]
    assert _same(evaluate(prepared), first)
    assert prepared.shared.last[1] is kept  # the same inputs, not built again
    solved = evaluate(prepared, annual_spending=70_000.0)
    assert prepared.shared.us is tables  # built once
    assert prepared.shared.last[1] is not kept  # another spending: other inputs
    assert _same(evaluate(prepared), first)
    fresh = prepare(plan, today=BENCH_TODAY)
    assert _same(solved, evaluate(fresh, annual_spending=70_000.0))


def test_a_copy_on_other_paths_builds_its_own() -> None:
    prepared = prepare(us_plan(40), today=BENCH_TODAY)
    evaluate(prepared)
    some = on_paths(prepared, np.arange(0, 40, 3), regroup=True)
    assert some.shared is not prepared.shared and some.shared.us is None
    alone = prepare(us_plan(40), today=BENCH_TODAY)
    picked = on_paths(alone, np.arange(0, 40, 3), regroup=True)
    assert _same(evaluate(some), evaluate(picked))
