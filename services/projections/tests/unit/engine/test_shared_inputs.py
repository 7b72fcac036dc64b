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


@pytest.mark.parametrize("strategy", ["guardrails", "needs", "fixed_real"])
def test_a_reused_build_gives_the_numbers_of_a_fresh_one(strategy: str) -> None:
    plan = us_plan(60)
    plan["assumptions"]["withdrawal_strategy"] = strategy
    prepared = prepare(plan, today=BENCH_TODAY)
    first = evaluate(prepared)
    assert prepared.shared.us is not None and prepared.shared.incomes is not None
    tables = prepared.shared.us
    assert _same(evaluate(prepared), first)
    solved = evaluate(prepared, annual_spending=70_000.0)
    assert prepared.shared.us is tables  # built once
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
