"""The spending solver's essential/discretionary split is taken per lives column."""

from __future__ import annotations

import numpy as np

from projections.engine.inputs import discretionary_share
from projections.engine.kernel import (
    DISCRETIONARY_INDEXED,
    DISCRETIONARY_NOMINAL,
    EXPENSE_INDEXED,
    EXPENSE_NOMINAL,
    KINDS,
)


def test_each_lives_column_keeps_its_own_split() -> None:
    # Row 1 of three columns: both alive (60k essential + 20k discretionary, part nominal),
    # only the survivor of the essential expenses (40k, nothing discretionary), nobody.
    table = np.zeros((3, KINDS, 3))
    table[1, EXPENSE_INDEXED, 0], table[1, DISCRETIONARY_INDEXED, 0] = 70_000.0, 15_000.0
    table[1, EXPENSE_NOMINAL, 0], table[1, DISCRETIONARY_NOMINAL, 0] = 10_000.0, 5_000.0
    table[1, EXPENSE_INDEXED, 1] = 40_000.0
    share = discretionary_share(table, 1)
    # Hand: 20,000 / 80,000 = 0.25; 0 / 40,000 = 0; no expenses -> 0.
    assert share.tolist() == [0.25, 0.0, 0.0]


def test_a_row_past_the_plan_has_no_discretionary_share() -> None:
    assert discretionary_share(np.ones((2, KINDS, 4)), 2).tolist() == [0.0] * 4
