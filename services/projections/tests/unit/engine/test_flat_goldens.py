"""The flat kernel reproduces, bit for bit, the numpy year loop it replaced (issue 17, speed).

`golden/flat_goldens.npz` holds every per-path series of the flat kernel at commit 660a5bc
(golden/make_flat_goldens.py): single and couple under every strategy; monte_carlo,
historical and deterministic modes; fixed and stochastic lifespans; home sales; the bench
plans' contributions and mortgage; failing plans; one path. The compiled year keeps every
expression's order of operations, so the series are equal, not close. A run resumed from a
kept state (resume.py, what a compare does) gives the same rows from its first row on.
Engine 2.3.1's correction (vpw, floor_ceiling and rmd_based no longer draw once nobody is
alive) moves those cases' years after both died on purpose: there only the years someone
lives in are compared (CORRECTED_IN_2_3_1).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from projections.engine.kernel import KernelOutput, simulate
from projections.engine.resume import first_difference

from .golden.make_flat_goldens import arrays_of, cases, prepared

GOLDEN = Path(__file__).resolve().parent / "golden" / "flat_goldens.npz"
# Per-path measures a resumed run carries from the kept state: the whole run's.
PER_PATH = {
    "failed",
    "depletion_index",
    "debt",
    *(f"outcome.{name}" for name in ("unfunded_real", "years_short", "adjusted", "deepest_cut")),
}


@pytest.fixture(scope="module")
def golden() -> dict[str, np.ndarray]:
    with np.load(GOLDEN) as data:
        return {name: data[name] for name in data.files}


def _expected(golden: dict[str, np.ndarray], case: str) -> dict[str, np.ndarray]:
    return {k.split("/", 1)[1]: v for k, v in golden.items() if k.startswith(case + "/")}


# Engine 2.3.1 corrects these strategies on paths nobody lives on any more (they drew on the
# estate; docs/ENGINE.md "2.3.1"): under stochastic lifespans the goldens hold for every
# path-year someone lives in, and the years after differ on purpose (test_nobody_alive.py).
CORRECTED_IN_2_3_1 = frozenset({"vpw", "floor_ceiling", "rmd_based"})
# Series read at the start of a row (the year before made them) rather than during it.
START_OF_ROW = {"portfolio", "portfolio_real", "debt"}


def _corrected(case: str) -> bool:
    plan = cases()[case]
    assumptions = plan["assumptions"]
    return (
        assumptions.get("withdrawal_strategy") in CORRECTED_IN_2_3_1
        and assumptions.get("longevity") == "stochastic"
    )


def _living(out: KernelOutput, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Return where a series is untouched by 2.3.1: rows someone lives in (the year before,
    for start-of-row values), on each path."""
    alive = out.on_paths(out.alive)  # (rows + 1, paths): someone alive at the row's start
    mask = alive.copy()
    if name in START_OF_ROW:
        mask[0], mask[1:] = True, alive[:-1]
    else:
        mask[-1] = True  # the row after the last year: nothing flows in either
    return mask[: shape[0]]


def _assert_equal(
    got: dict[str, np.ndarray],
    want: dict[str, np.ndarray],
    case: str,
    out: KernelOutput | None = None,
) -> None:
    assert sorted(got) == sorted(want), case
    for name, value in want.items():
        assert got[name].dtype == value.dtype, f"{case}: {name}"
        if out is not None and _corrected(case) and got[name].ndim == 2:
            living = _living(out, name, value.shape)
            assert not living.all(), case  # the correction's path-years exist
            # To the last bits only: the draw stops before an account once no path owes
            # anything (engine 1's cross-path early exit, kept bit for bit), and paths that
            # no longer draw after both died let it stop sooner, sparing a served path's
            # rounding-error remainder (~1e-16 relative) a further account.
            np.testing.assert_allclose(
                got[name][living], value[living], rtol=1e-13, atol=1e-9, err_msg=case
            )
            if name == "portfolio":  # what is not spent stays invested: never less
                assert (got[name][~living] >= value[~living]).all(), case
            continue
        np.testing.assert_array_equal(got[name], value, err_msg=f"{case}: {name}")


def _assert_resumed(out: KernelOutput, want: dict[str, np.ndarray], case: str, row: int) -> None:
    assert out.first_row == row
    got = arrays_of(out)
    assert sorted(got) == sorted(want), case
    for name, value in want.items():
        part = (slice(None),) if name in PER_PATH else (slice(row, None),)
        mine, theirs = got[name][part], value[part]
        if _corrected(case) and name not in PER_PATH and value.ndim == 2:
            living = _living(out, name, value.shape)[part]
            np.testing.assert_allclose(mine[living], theirs[living], rtol=1e-13, atol=1e-9)
            continue
        np.testing.assert_array_equal(mine, theirs, err_msg=f"{case}: {name}")


def test_the_goldens_cover_every_case(golden: dict[str, np.ndarray]) -> None:
    meta = json.loads(str(golden["meta"]))
    assert meta["commit"].startswith("660a5bc")
    assert sorted(cases()) == meta["cases"]


@pytest.mark.parametrize("case", sorted(cases()))
def test_the_flat_kernel_reproduces_the_numpy_kernel_bit_for_bit(
    case: str, golden: dict[str, np.ndarray]
) -> None:
    inputs, returns = prepared(cases()[case])
    want = _expected(golden, case)
    # Keep a working row, the retirement row and a retired one: keeping changes nothing.
    keep = frozenset(r for r in (10, inputs.retirement_index, inputs.years - 12) if r > 0)
    out = simulate(inputs, returns, keep=keep)
    _assert_equal(arrays_of(out), want, case, out)
    assert set(out.kept) == keep
    for row in sorted(keep):
        # Twice from one state: resuming must not change the kept state.
        for _ in range(2):
            resumed = simulate(inputs, returns, resume=out.kept[row])
            _assert_resumed(resumed, want, case, row)


@pytest.mark.parametrize(
    ("baseline", "scenario"),
    [
        ("single_needs", "single_guardrails"),
        ("single_needs", "single_fixed_real"),
        ("couple_needs", "couple_rmd_based"),
        ("couple_guardrails", "couple_floor_ceiling"),
        ("single_guardrails", "single_home_sale_guardrails"),
    ],
)
def test_a_scenario_resumed_from_its_baseline_is_its_own_run_bit_for_bit(
    baseline: str, scenario: str, golden: dict[str, np.ndarray]
) -> None:
    base_inputs, returns = prepared(cases()[baseline])
    inputs, _ = prepared(cases()[scenario])
    fork = first_difference(base_inputs, inputs)
    assert 0 < fork < inputs.years
    kept = simulate(base_inputs, returns, keep=frozenset({fork})).kept[fork]
    _assert_resumed(
        simulate(inputs, returns, resume=kept), _expected(golden, scenario), scenario, fork
    )
