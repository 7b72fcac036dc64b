"""The summary's percentiles are numpy's `linear` ones, bit for bit (result._percentile_rows),
and so are a compare's medians (result.row_medians, by selection instead of a sort)."""

from __future__ import annotations

import numpy as np
import pytest

from projections.engine.result import (
    PERCENTILE_KEYS,
    PERCENTILES,
    _over_the_living,
    counted_paths,
    row_medians,
)


def _reference(values: np.ndarray, alive: np.ndarray | None) -> list[list[dict[str, float]]]:
    """One np.percentile call per row, over the alive paths (all paths where none or last)."""
    rows = []
    for t, row in enumerate(values):
        living = row
        if alive is not None and alive[t].any() and t != len(values) - 1:
            living = row[alive[t]]
        quantiles = np.percentile(living, PERCENTILES)
        rows.append(
            {k: round(float(q), 2) for k, q in zip(PERCENTILE_KEYS, quantiles, strict=True)}
        )
    return [rows]


@pytest.mark.parametrize("seed", range(40))
def test_percentiles_equal_numpys_linear_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows, paths = int(rng.integers(2, 12)), int(rng.integers(1, 400))
    values = rng.lognormal(10.0, 2.0, size=(rows, paths)) * rng.choice([-1.0, 1.0])
    if seed % 3 == 0:
        values = np.round(values, -3)  # ties
    values[0] = 5.0  # a row equal on every path
    alive = None
    if seed % 2:
        alive = rng.random((rows, paths)) < rng.random((rows, 1))
        alive[1] = False  # a row nobody lives in: over all paths
    assert _over_the_living([values], alive) == _reference(values, alive)


def test_percentiles_at_the_bench_size_equal_numpys() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(1e6, 3e5, size=(66, 10_000))
    alive = rng.random((66, 10_000)) < np.linspace(1.0, 0.0, 66)[:, None]
    assert _over_the_living([values], None) == _reference(values, None)
    assert _over_the_living([values], alive) == _reference(values, alive)


@pytest.mark.parametrize("seed", range(40))
def test_row_medians_are_the_summarys_p50_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    rows, paths = int(rng.integers(2, 12)), int(rng.integers(1, 400))
    values = rng.lognormal(10.0, 2.0, size=(rows, paths)) * rng.choice([-1.0, 1.0])
    if seed % 3 == 0:
        values = np.round(values, -3)  # ties
    values[0] = 5.0
    alive = None
    if seed % 2:
        alive = rng.random((rows, paths)) < rng.random((rows, 1))
        alive[1] = False
    (summary,) = _over_the_living([values], alive)
    assert row_medians([values], counted_paths(alive)) == [[row["p50"] for row in summary]]


def test_row_medians_at_the_bench_size_are_the_summarys_p50() -> None:
    rng = np.random.default_rng(8)
    values = rng.normal(1e6, 3e5, size=(66, 10_000))
    alive = rng.random((66, 10_000)) < np.linspace(1.0, 0.0, 66)[:, None]
    for living in (None, alive):
        (summary,) = _over_the_living([values], living)
        assert row_medians([values], counted_paths(living)) == [[row["p50"] for row in summary]]


def test_row_medians_by_hand() -> None:
    values = np.array(
        [
            [4.0, 1.0, 3.0, 2.0],  # even count: halfway between 2 and 3
            [9.0, 1.0, 7.0, 5.0],  # over the first, third and fourth paths: 5, 7, 9 → 7
            [0.1, 0.2, 10.0, 0.3],  # over the second alone: 0.2; rounded to cents
            [1.0, 2.0, 4.0, 8.0],  # nobody alive: over every path, 2 and 4 → 3
            [100.0, 0.0, 50.0, 0.015],  # the last row: every path, 0.015 and 50 → 25.0075 → 25.01
        ]
    )
    alive = np.array(
        [
            [True, True, True, True],
            [True, False, True, True],
            [False, True, False, False],
            [False, False, False, False],
            [False, False, False, False],
        ]
    )
    assert row_medians([values], counted_paths(alive)) == [[2.5, 7.0, 0.2, 3.0, 25.01]]
    # Every path counted; a second field (the same, doubled) in the same call.
    assert row_medians([values, 2 * values]) == [
        [2.5, 6.0, 0.25, 3.0, 25.01],
        [5.0, 12.0, 0.5, 6.0, 50.02],
    ]
