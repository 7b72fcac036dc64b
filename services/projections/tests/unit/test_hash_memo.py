"""The inputs-hash memo: repeats are answered without computing, anything else is computed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from projections.hash_memo import InputsHashMemo

TODAY = date(2026, 11, 24)


def plan(amount: str = "1000.00") -> dict[str, Any]:
    return {
        "profile": {"birth_date": "1980-01-01", "retirement_age": 65},
        "assets": [{"kind": "taxable", "balance": Decimal(amount)}],
        "assumptions": {"mode": "deterministic", "seed": 7},
    }


class Counting:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return f"hash-{self.calls}"


def test_the_same_plan_on_the_same_day_is_computed_once() -> None:
    memo, compute = InputsHashMemo(), Counting()
    first = memo.inputs_hash(plan(), TODAY, compute)
    reordered = dict(reversed(list(plan().items())))
    assert memo.inputs_hash(reordered, TODAY, compute) == first == "hash-1"
    assert compute.calls == 1


@pytest.mark.parametrize(
    ("other", "day"),
    [(plan("1000.01"), TODAY), (plan(), date(2026, 11, 25))],
    ids=["another amount", "another day"],
)
def test_another_plan_or_day_is_computed_again(other: dict[str, Any], day: date) -> None:
    memo, compute = InputsHashMemo(), Counting()
    memo.inputs_hash(plan(), TODAY, compute)
    assert memo.inputs_hash(other, day, compute) == "hash-2"


def test_failures_are_not_remembered() -> None:
    memo = InputsHashMemo()

    def refuse() -> str:
        raise ValueError("no")

    for _ in range(2):
        with pytest.raises(ValueError, match="no"):
            memo.inputs_hash(plan(), TODAY, refuse)
    assert len(memo) == 0


def test_the_memo_keeps_at_most_its_size_and_drops_the_least_recent() -> None:
    memo, compute = InputsHashMemo(size=2), Counting()
    memo.inputs_hash(plan("1"), TODAY, compute)
    memo.inputs_hash(plan("2"), TODAY, compute)
    memo.inputs_hash(plan("1"), TODAY, compute)  # 1 is now the most recent
    memo.inputs_hash(plan("3"), TODAY, compute)  # evicts 2
    assert len(memo) == 2
    assert compute.calls == 3
    memo.inputs_hash(plan("1"), TODAY, compute)
    assert compute.calls == 3
    memo.inputs_hash(plan("2"), TODAY, compute)
    assert compute.calls == 4
