"""The summary's percentiles are numpy's `linear` ones, bit for bit (result._percentile_rows)."""

from __future__ import annotations

import numpy as np
import pytest

from projections.engine.result import PERCENTILE_KEYS, PERCENTILES, _over_the_living


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
