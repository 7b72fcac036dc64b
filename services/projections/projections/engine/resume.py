"""Go on from another plan's year: plans that agree on their first rows share them (compare).

A kernel run is a function of its inputs and the return matrices, row after row: the state
every path carries into row t (balances, cost bases, price index, the policy's and the
outcome's per-path state, ...) depends only on the inputs of rows before t. Two plans of one
returns key (the same matrices and lifespans) whose inputs agree on every row before f carry
the same state into row f, bit for bit: the second can start at row f from the first's state
(`YearState`) instead of at row 0. Most scenarios differ from their baseline only from some
row on — retiring later changes nothing before the earlier retirement, a spending rule
nothing before retirement, a Roth conversion nothing before its first year — so a compare
runs the baseline's working years once (docs/ENGINE.md "Compare and optimize").

`first_difference` finds f from the two plans' kernel inputs, field by field. Each field has
a rule saying from which row it is read (`RULES`, `FLOW_RULES`, `US_RULES`); a field
without a rule — one added later, say — counts as read from row 0: the safe side.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from .kernel import KernelInputs
    from .spending import Outcome, Policy
    from .strategies import StrategyState

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# spending.Outcome's per-path measures, in Outcome.carried()'s order.
Carried = tuple[FloatArray, FloatArray, BoolArray, FloatArray, BoolArray, IntArray]


@dataclass(frozen=True)
class YearState:
    """Every path's state as a kernel carries it into `row` (copies: resumed more than once).

    `balances` are in the kernel's own layout ((assets, paths) flat, (paths, assets) `us`);
    `portfolio` the row's liquid portfolio, nominal and real; `us` the `us` kernel's own
    state: cost bases, the gross-up's warm start, the AGI of the two rows before, the
    gross-up's counters.
    """

    row: int
    balances: FloatArray
    price: FloatArray
    last_return: FloatArray
    policy: tuple[FloatArray, bool]  # spending.Policy's state and whether it has started
    outcome: Carried
    withdrawal: StrategyState | None  # a research mode's rule, once retired
    portfolio: tuple[FloatArray, FloatArray]
    us: tuple[FloatArray, FloatArray, tuple[FloatArray, ...], IntArray] | None = None

    @property
    def nbytes(self) -> int:
        """Return the memory the state holds."""
        arrays: list[Any] = [self.balances, self.price, self.last_return, self.policy[0]]
        arrays += [*self.outcome, *self.portfolio]
        if self.withdrawal is not None:
            arrays += [self.withdrawal.withdrawal, self.withdrawal.initial_rate]
        if self.us is not None:
            arrays += [self.us[0], self.us[1], *self.us[2], self.us[3]]
        return sum(int(np.asarray(a).nbytes) for a in arrays)


def state_vectors(assets: int, us: bool) -> int:
    """Return how many path-length vectors a YearState holds (before it is taken)."""
    # balances, (us) bases; price, last return, 4 policy rows, 6 outcome measures, 2
    # portfolio rows, 2 research vectors; (us) ratio and 2 AGI rows.
    return assets * (2 if us else 1) + 16 + (3 if us else 0)


# What a field's difference means: the first row that can differ (inf: none can). `limit`:
# a difference was found at that row already, so only the rows before it need comparing.
Rule = Callable[[Any, Any, "KernelInputs", "KernelInputs", float], float]
NEVER = math.inf


def _same(a: Any, b: Any) -> bool:
    """Return whether two input values are equal: arrays bit for bit, the rest by value."""
    if a is b:  # the laws of a year, say, are one cached object
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool((_bits(a) == _bits(b)).all())
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    if isinstance(a, (tuple, list)):
        return (
            isinstance(b, (tuple, list))
            and len(a) == len(b)
            and all(_same(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _bits(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Return the array's values as unsigned integers of their size: compared bit for bit.

    One comparison a value, with no NaN handling: the same NaN is equal to itself, and a
    difference only in a zero's sign or a NaN's payload counts as a difference (an earlier
    row to resume from: slower, never wrong).
    """
    return a.view(np.dtype(f"u{a.itemsize}")) if a.itemsize in (1, 2, 4, 8) else a


def everywhere(a: Any, b: Any, _x: KernelInputs, _y: KernelInputs, _limit: float) -> float:
    """Return 0 if they differ (the default rule: read from row 0 on)."""
    return NEVER if _same(a, b) else 0


def by_row(axis: int) -> Rule:
    """Return the rule of an array whose `axis` is the row: the first row that differs."""

    def first_row(a: Any, b: Any, _x: KernelInputs, _y: KernelInputs, limit: float) -> float:
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return 0
        if a is b:
            return NEVER
        mine, theirs = np.moveaxis(_bits(a), axis, 0), np.moveaxis(_bits(b), axis, 0)
        end = int(min(limit, mine.shape[0]))
        # Blocks of 1, 2, 4, … rows: a difference in the first rows is found in a few of
        # them, rows past one found are never compared, and equal tables take one pass.
        start, size = 0, 1
        while start < end:
            stop = min(start + size, end)
            unequal = (mine[start:stop] != theirs[start:stop]).reshape(stop - start, -1)
            found = np.flatnonzero(unequal.any(axis=1))
            if found.size:
                return start + int(found[0])
            start, size = stop, size * 2
        return NEVER

    return first_row


def in_sequence(a: Any, b: Any, _x: KernelInputs, _y: KernelInputs, limit: float) -> float:
    """Return the first item that differs of sequences with one item a row (the `us` laws)."""
    if len(a) != len(b):
        return 0
    rows = range(int(min(limit, len(a))))
    return next((t for t in rows if not _same(a[t], b[t])), NEVER)


def retiring(a: Any, b: Any, _x: KernelInputs, _y: KernelInputs, _limit: float) -> float:
    """Return the earlier retirement row: the rows before it are working rows in both."""
    return NEVER if a == b else min(a, b)


def once_retired(a: Any, b: Any, x: KernelInputs, y: KernelInputs, _limit: float) -> float:
    """Return the first retired row (the spending rule and its divisor act once retired)."""
    return NEVER if _same(a, b) else min(x.retirement_index, y.retirement_index)


def at_sales(a: Any, b: Any, _x: KernelInputs, _y: KernelInputs, _limit: float) -> float:
    """Return the first row of a sale only one plan has (a sale acts in its own row)."""
    differ = set(a) ^ set(b)
    return min(sale.row for sale in differ) if differ else NEVER


def when_converting(a: Any, b: Any, x: KernelInputs, y: KernelInputs, _limit: float) -> float:
    """Return the first conversion row (a conversion's bracket and account act only there)."""
    if _same(a, b):
        return NEVER
    assert x.us is not None and y.us is not None
    rows = np.flatnonzero(x.us.convert_rows | y.us.convert_rows)  # one length: one key
    return int(rows[0]) if rows.size else NEVER


def detail_only(_a: Any, _b: Any, _x: KernelInputs, _y: KernelInputs, _limit: float) -> float:
    """Return never: read only to record a one-path detail, which a resumed run never does."""
    return NEVER


def flat_only(a: Any, b: Any, x: KernelInputs, y: KernelInputs, limit: float) -> float:
    """Return never under `us` (its kernel never reads the flat rate), else as everywhere."""
    if x.us is not None and y.us is not None:
        return NEVER
    return everywhere(a, b, x, y, limit)


# The nested inputs (`flows`, `us`) have rules of their own; a regime on one side only is a
# difference at row 0.
RULES: dict[str, Rule] = {
    "retirement_index": retiring,
    "income_tax_rate": flat_only,
    "strategy": once_retired,
    "policy_period": once_retired,
    "alive": by_row(0),
    "joint_filing": by_row(0),
    "sales": at_sales,
}
FLOW_RULES: dict[str, Rule] = {
    "table": by_row(0),
    "contributions": by_row(1),
    "contributing": by_row(0),
    "debt_balance": by_row(0),
}
US_RULES: dict[str, Rule] = {
    "table": by_row(0),
    "incomes": detail_only,
    "rmd_factor": by_row(0),
    "laws": in_sequence,
    "convert_rows": by_row(0),
    "convert_top": when_converting,
    "conversion_target": when_converting,
}
NESTED = ("flows", "us")


def _first(
    a: Any, b: Any, rules: Mapping[str, Rule], x: KernelInputs, y: KernelInputs, limit: float
) -> float:
    """Return the first row before `limit` at which two dataclasses' fields can differ."""
    first = limit
    for f in dataclasses.fields(a):
        if f.name in NESTED and rules is RULES:
            continue
        rule = rules.get(f.name, everywhere)
        first = min(first, rule(getattr(a, f.name), getattr(b, f.name), x, y, first))
        if first == 0:
            break
    return first


def first_difference(a: KernelInputs, b: KernelInputs) -> int:
    """Return the first row whose computation can differ between two plans' kernel inputs.

    `a.years` when no row differs (the runs are the same); 0 when they differ from the
    start. Both plans must be of one returns key (the same matrices and lifespans).
    """
    if a.years != b.years or (a.us is None) != (b.us is None):
        return 0
    first = _first(a, b, RULES, a, b, a.years)
    if first > 0:
        first = _first(a.flows, b.flows, FLOW_RULES, a, b, first)
    if first > 0 and a.us is not None and b.us is not None:
        first = _first(a.us, b.us, US_RULES, a, b, first)
    return int(first)


def kept_rows(forks: Sequence[int], states: int) -> frozenset[int]:
    """Return at most `states` rows to keep a state at, saving the most rows of the forks.

    A plan forking at row f resumes from the latest kept row at or before f (or runs from
    row 0). Greedy: each next row kept is the one that saves the most rows more.
    """
    candidates = sorted({f for f in forks if f > 0})
    kept: list[int] = []

    def saved(rows: Sequence[int]) -> int:
        return sum(max((r for r in rows if r <= f), default=0) for f in forks)

    while candidates and len(kept) < states:
        best = max(candidates, key=lambda r: (saved([*kept, r]), r))
        if saved([*kept, best]) <= saved(kept):
            break
        kept.append(best)
        candidates.remove(best)
    return frozenset(kept)


def resume_row(kept: frozenset[int], fork: int) -> int:
    """Return the latest kept row at or before `fork` (0: none; run from the start)."""
    return max((r for r in kept if r <= fork), default=0)


def kept_state(
    row: int,
    *,
    balances: FloatArray,
    price: FloatArray,
    last_return: FloatArray,
    policy: Policy,
    outcome: Outcome,
    withdrawal: StrategyState | None,
    portfolio: tuple[FloatArray, FloatArray],
    us: tuple[FloatArray, FloatArray, Sequence[FloatArray], IntArray] | None = None,
) -> YearState:
    """Return a copy of a kernel's state at the start of `row` (a kernel's `keep`)."""
    return YearState(
        row=row,
        balances=balances.copy(),
        price=price.copy(),
        last_return=last_return.copy(),
        policy=policy.saved(),
        outcome=outcome.carried(),
        withdrawal=None if withdrawal is None else withdrawal_copy(withdrawal),
        portfolio=(portfolio[0].copy(), portfolio[1].copy()),
        us=None
        if us is None
        else (us[0].copy(), us[1].copy(), tuple(a.copy() for a in us[2]), us[3].copy()),
    )


def restored(state: YearState, policy: Policy, outcome: Outcome) -> StrategyState | None:
    """Put a kept state's policy and outcome back in place; return its research rule's (a copy).

    What both kernels restore alike; each restores its own balances, price and the rest.
    """
    policy.restore(state.policy)
    outcome.restore(state.outcome)
    return None if state.withdrawal is None else withdrawal_copy(state.withdrawal)


def withdrawal_copy(state: StrategyState) -> StrategyState:
    """Return a research rule's state to go on from (copies: it is kept for other plans)."""
    return dataclasses.replace(
        state, withdrawal=state.withdrawal.copy(), initial_rate=state.initial_rate.copy()
    )
