"""Where a year's draw comes from under `us` (DESIGN §6.4 `withdrawal_order`), and what it realises.

A draw is laid out as *segments*, each a slice of one or more accounts taken in turn: how much
it can give (per path), the share of each of its dollars that is ordinary income (tax_deferred)
and realised gain (taxable, by average cost: 1 − basis / value), and how a dollar splits
between its accounts. A draw G fills the segments in order, so the income it creates is a
continuous, piecewise-linear function of G, which is what the gross-up needs.

- `conventional`: cash → taxable → tax_deferred → tax_free, each kind in the plan's order.
- `proportional`: one segment, every liquid account pro rata to its balance.
- `bracket_fill`: tax_deferred up to `room` (the ordinary income that takes the year's
  ordinary taxable income to the top of `fill_bracket`), then cash, taxable, the rest of
  tax_deferred, tax_free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .us_inputs import CASH, DEFERRED, FREE, TAXABLE
from .us_taxes import YearBase

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

KIND_ORDER = (CASH, TAXABLE, DEFERRED, FREE)


@dataclass(frozen=True)
class Segment:
    """One slice of the draw: capacity, income per dollar, and its accounts' shares."""

    cap: FloatArray
    ordinary: FloatArray | float  # ordinary income per dollar drawn
    gain: FloatArray | float  # realised gain per dollar drawn
    accounts: tuple[int, ...]
    shares: tuple[FloatArray | float, ...]


def subset(segs: list[Segment], rows: IntArray) -> list[Segment]:
    """Return the segments of a subset of the paths (per-path arrays sliced, scalars kept)."""

    def pick(value: FloatArray | float) -> FloatArray | float:
        return value if isinstance(value, float) else value[rows]

    return [
        Segment(
            seg.cap[rows],
            pick(seg.ordinary),
            pick(seg.gain),
            seg.accounts,
            tuple(pick(share) for share in seg.shares),
        )
        for seg in segs
    ]


def gain_fraction(balance: FloatArray, basis: FloatArray) -> FloatArray:
    """Return the realised gain per dollar sold at average cost: 1 − basis / value."""
    out = np.zeros_like(balance)
    np.divide(basis, balance, out=out, where=balance > 0.0)
    return 1.0 - out


def _basis_share(balance: FloatArray, basis: FloatArray) -> FloatArray:
    """Return basis / value (1 where the account is empty): a sale's basis per dollar."""
    out = np.ones_like(balance)
    np.divide(basis, balance, out=out, where=balance > 0.0)
    return out


def _single(j: int, kind: int, cap: FloatArray, basis: FloatArray) -> Segment:
    gain: FloatArray | float = gain_fraction(cap, basis) if kind == TAXABLE else 0.0
    return Segment(cap, 1.0 if kind == DEFERRED else 0.0, gain, (j,), (1.0,))


def segments(
    order: str,
    bal: FloatArray,
    basis: FloatArray,
    kinds: IntArray,
    room: FloatArray | None = None,
    first: FloatArray | None = None,
) -> list[Segment]:
    """Return the draw's segments for balances `bal` (assets, paths) and their bases.

    `first` (a Roth conversion's tax) is taken from cash, then taxable, before the order
    applies to what is left (DESIGN §6.4: conversion tax is paid from cash/taxable).
    """
    if first is not None:
        prefix: list[Segment] = []
        rest, rest_basis, left = bal.copy(), basis.copy(), first.copy()
        for j in (int(j) for k in (CASH, TAXABLE) for j in np.flatnonzero(kinds == k)):
            cap = np.minimum(bal[j], left)
            left -= cap
            prefix.append(_single(j, int(kinds[j]), cap, cap * _basis_share(bal[j], basis[j])))
            kept = 1.0 - np.divide(cap, bal[j], out=np.zeros_like(cap), where=bal[j] > 0.0)
            rest[j] -= cap
            rest_basis[j] *= kept
        return prefix + segments(order, rest, rest_basis, kinds, room)
    liquid = [int(j) for k in KIND_ORDER for j in np.flatnonzero(kinds == k)]
    if order == "proportional":
        total = bal[liquid].sum(axis=0)
        safe = np.where(total > 0.0, total, 1.0)
        ordinary = bal[kinds == DEFERRED].sum(axis=0) / safe
        taxable = kinds == TAXABLE
        gain = (bal[taxable] - basis[taxable]).sum(axis=0) / safe
        shares = tuple(bal[j] / safe for j in liquid)
        return [Segment(total, ordinary, gain, tuple(liquid), shares)]
    out: list[Segment] = []
    if order == "bracket_fill" and room is not None:
        left = room.copy()
        for j in liquid:
            if kinds[j] == DEFERRED:
                first = np.minimum(bal[j], left)
                left -= first
                out.append(Segment(first, 1.0, 0.0, (j,), (1.0,)))
        filled = {seg.accounts[0]: seg.cap for seg in out}
        for j in liquid:
            cap = bal[j] - filled[j] if j in filled else bal[j]
            out.append(_single(j, int(kinds[j]), cap, basis[j]))
        return out
    return [_single(j, int(kinds[j]), bal[j], basis[j]) for j in liquid]


def income_of(segs: list[Segment], draw: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the ordinary income and realised gain a draw creates, filling segments in order."""
    left = draw
    ordinary = np.zeros_like(draw)
    gain = np.zeros_like(draw)
    for seg in segs:
        take = np.minimum(left, seg.cap)
        if not isinstance(seg.ordinary, float) or seg.ordinary:
            ordinary += take * seg.ordinary
        if not isinstance(seg.gain, float) or seg.gain:
            gain += take * seg.gain
        left = left - take
    return ordinary, gain


def free_prefix(segs: list[Segment]) -> FloatArray:
    """Return how much each path can draw before any dollar is taxed (cash, untaxed gains)."""
    total = np.zeros_like(segs[0].cap) if segs else np.zeros(0)
    still = np.ones(total.shape, dtype=np.bool_)
    for seg in segs:
        untaxed = (np.asarray(seg.ordinary) == 0.0) & (np.asarray(seg.gain) == 0.0)
        still &= untaxed
        total += np.where(still, seg.cap, 0.0)
    return total


def apply(
    segs: list[Segment], draw: FloatArray, bal: FloatArray, basis: FloatArray, kinds: IntArray
) -> FloatArray:
    """Take a draw from the accounts, in place (balances and bases); return each account's take."""
    taken = np.zeros_like(bal)
    left = draw
    for seg in segs:
        take = np.minimum(left, seg.cap)
        for j, share in zip(seg.accounts, seg.shares, strict=True):
            taken[j] += take * share
        left = left - take
    taxable = kinds == TAXABLE
    if taxable.any():
        # Average cost: the basis leaves in proportion to the value sold.
        sold = np.divide(
            taken[taxable],
            bal[taxable],
            out=np.zeros_like(taken[taxable]),
            where=bal[taxable] > 0.0,
        )
        basis[taxable] -= basis[taxable] * np.minimum(sold, 1.0)
    bal -= taken
    np.maximum(bal, 0.0, out=bal)
    return taken


def take_in_turn(bal: FloatArray, rows: list[int], amount: FloatArray) -> None:
    """Take an amount from accounts in turn, in place (a Roth conversion from tax_deferred)."""
    left = amount
    for j in rows:
        take = np.minimum(left, bal[j])
        bal[j] -= take
        left = left - take


TaxAt = Callable[[FloatArray], FloatArray]


def draw_taxes(sub: YearBase, segs: list[Segment]) -> tuple[TaxAt, Callable[[IntArray], TaxAt]]:
    """Return the gross-up's tax functions: `tax_at` and `restrict`.

    `tax_at(draw)` is the federal + state tax with the draw on these paths; `restrict(rows)`
    the same on some of them (solve_grossup evaluates only the unconverged paths with it).
    """

    def tax_at(extra: FloatArray, sub: YearBase = sub, segs: list[Segment] = segs) -> FloatArray:
        ordinary, gain = income_of(segs, extra)
        return sub.variable(ordinary, gain)

    def restrict(rows: IntArray) -> TaxAt:
        fewer, few_segs = sub.subset(rows), subset(segs, rows)

        def tax_on(extra: FloatArray) -> FloatArray:
            ordinary, gain = income_of(few_segs, extra)
            return fewer.variable(ordinary, gain)

        return tax_on

    return tax_at, restrict
