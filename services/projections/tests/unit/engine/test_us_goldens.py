"""The `us` kernel reproduces, path for path, the numpy kernel it replaced (issue 16, speed).

`golden/us_goldens.npz` holds every per-path series of the numpy `us` kernel at commit ad3ed89
(golden/make_us_goldens.py) on eight plans: single and couple; conventional, proportional and
bracket_fill orders; with and without Roth conversions; RMDs; a taxable cost basis and a home
sale; guardrails, needs, fixed_percentage and rmd_based; a failing plan; a one-path detail.
The compiled kernel computes each path with the same formulas in the same order, so the
series agree to 1e-9 relative (1e-6 dollars absolute near zero): far below a cent, yet loose
enough for the last-bit differences of a fused multiply-add or of summing accounts in a
loop rather than along a numpy axis.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from .golden.make_us_goldens import cases, outputs

GOLDEN = Path(__file__).resolve().parent / "golden" / "us_goldens.npz"
RTOL, ATOL = 1e-9, 1e-6


@pytest.fixture(scope="module")
def golden() -> dict[str, np.ndarray]:
    with np.load(GOLDEN) as data:
        return {name: data[name] for name in data.files}


def test_the_goldens_cover_every_case(golden: dict[str, np.ndarray]) -> None:
    meta = json.loads(str(golden["meta"]))
    assert meta["commit"].startswith("ad3ed89")
    assert sorted(cases()) == meta["cases"]


@pytest.mark.parametrize("case", sorted(cases()))
def test_the_us_kernel_reproduces_the_numpy_kernel_path_for_path(
    case: str, golden: dict[str, np.ndarray]
) -> None:
    got = outputs(cases()[case], record=case.endswith("_detail"))
    expected = {k.split("/", 1)[1]: v for k, v in golden.items() if k.startswith(case + "/")}
    assert sorted(got) == sorted(expected)
    for name, want in expected.items():
        if want.dtype.kind in "bi":
            np.testing.assert_array_equal(got[name], want, err_msg=f"{case}: {name}")
        else:
            np.testing.assert_allclose(
                got[name], want, rtol=RTOL, atol=ATOL, err_msg=f"{case}: {name}"
            )
