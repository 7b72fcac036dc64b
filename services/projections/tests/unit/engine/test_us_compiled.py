"""The compiled kernels: compiled once when a worker starts, cached by their sources.

A worker imports engine/warm.py before it takes jobs (app.WORKER_PRELOAD); after that, no
plan may need a new compilation inside its compute budget: numba compiles one version of a
function per argument types, and the kernel passes the same types on every plan.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from projections.app import WORKER_PRELOAD
from projections.engine import flat_year, numba_cache, us_run, us_taxes
from projections.engine.api import evaluate, prepare
from projections.engine.bench import BENCH_TODAY, bench_plan, couple_plan
from projections.engine.kernel import simulate
from projections.engine.strategies import STRATEGIES

from .golden import make_flat_goldens
from .golden.make_us_goldens import cases, outputs


def test_after_the_workers_warm_up_no_plan_compiles_again() -> None:
    assert "projections.engine.warm" in WORKER_PRELOAD
    import projections.engine.warm  # noqa: F401  (what a worker preloads)

    compiled = (us_run.run_year, flat_year.run_year)
    assert [len(f.signatures) for f in compiled] == [1, 1]
    # The rules run_year calls rather than inlines are compiled with it (an overload of
    # their own only when run_year was compiled rather than loaded from the cache).
    called = (us_taxes.bracket_room_call, us_taxes.variable_call, us_taxes.taxable_income_call)
    warmed = [len(f.signatures) for f in called]
    assert all(count <= 1 for count in warmed)
    for name, plan in cases().items():  # every order, conversions, a sale, the detail
        outputs(plan, record=name.endswith("_detail"))
    for strategy in STRATEGIES:  # the flat kernel: one person or a couple, every policy
        for flat in (bench_plan("monte_carlo", strategy, 3), couple_plan(strategy, 3)):
            evaluate(prepare(flat, today=BENCH_TODAY))
    # Every mode, longevity, home sale and failing plan; resumed too (what a compare does).
    for plan in make_flat_goldens.cases().values():
        inputs, returns = make_flat_goldens.prepared(plan)
        kept = simulate(inputs, returns, keep=frozenset({inputs.retirement_index})).kept
        simulate(inputs, returns, resume=kept[inputs.retirement_index])
    assert [len(f.signatures) for f in compiled] == [1, 1]
    assert [len(f.signatures) for f in called] == warmed


# What marks a compiled function: numba's decorator, or numba_cache's without reference counts.
MARKS = ("numba.njit", "@without_refcounts")


def test_the_cache_is_named_by_every_compiled_sources_digest() -> None:
    # numba keys its cache by each function's own file: us_year.py inlines the tax rules of
    # other files, so the directory must change when any of them does.
    assert numba_cache.cache_dir().name == numba_cache.source_digest()
    for name in ("us_year.py", "tax/federal.py", "withdrawals.py", "us_taxes.py", "flat_year.py"):
        assert name in numba_cache.COMPILED
    engine = Path(numba_cache.__file__).parent
    compiled = {p.relative_to(engine).as_posix() for p in engine.rglob("*.py")}
    numba_modules = {
        name
        for name in compiled
        if any(mark in (engine / name).read_text(encoding="utf-8") for mark in MARKS)
    }
    # The constants compiled code reads are frozen into it: their modules count too.
    constants = {"kernel.py", "us_inputs.py", "tax/law.py", "strategies.py"}
    assert numba_modules | constants == set(numba_cache.COMPILED)


def test_a_read_only_install_caches_under_numba_cache_dir(tmp_path: Path) -> None:
    # A fresh process with NUMBA_CACHE_DIR set: the compiled kernel lands there, named by
    # the sources' digest, whatever the install directory allows.
    script = textwrap.dedent(
        """
        import numba
        import projections.engine.warm
        print(numba.config.CACHE_DIR)
        """
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    where = Path(done.stdout.strip())
    assert where == tmp_path / numba_cache.source_digest()
    assert any(where.rglob("*.nbi"))  # the index of at least one cached function
