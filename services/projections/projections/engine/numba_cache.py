"""Where numba keeps the compiled `us` kernel (docs/OPERATIONS.md, "Compiled us kernel").

numba's own cache (`cache=True`) is keyed by each function's source file alone: a function
that inlines a rule from another file (us_year.py inlines tax/federal.py's) would load its
stale machine code after that other file changed. So the cache lives in a directory named
by a digest of every compiled module's source: any change to any of them starts a fresh
one. Its base is NUMBA_CACHE_DIR when set, else the system's temporary directory (so a
read-only install directory still caches). This module must run before any compiled module
is imported: the engine package imports it first.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import numba

HERE = Path(__file__).resolve().parent
COMPILED = (
    "flat_year.py",
    "kernel.py",
    "numba_cache.py",
    "spending_rules.py",
    "strategies.py",
    "us_draw.py",
    "us_inputs.py",
    "us_run.py",
    "us_taxes.py",
    "us_year.py",
    "withdrawals.py",
    "tax/federal.py",
    "tax/grossup.py",
    "tax/irmaa.py",
    "tax/law.py",
    "tax/payroll.py",
    "tax/state.py",
)


def source_digest() -> str:
    """Return a short digest of the compiled modules' sources and numba's version."""
    digest = hashlib.sha256(numba.__version__.encode())
    for name in COMPILED:
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    """Return the directory numba caches the engine's compiled functions in."""
    base = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "nestegg-numba")
    return Path(base) / source_digest()


# numba reads its cache directory when a function is decorated, so setting it here, before
# the compiled modules are imported, applies to all of them.
numba.config.CACHE_DIR = str(cache_dir())  # type: ignore[attr-defined]


Loop = TypeVar("Loop", bound=Callable[..., Any])


def without_refcounts(loop: Loop) -> Loop:
    """Compile a loop over paths without reference counts (numba's `_nrt`, not in its stubs).

    With them numba increments and decrements (atomically) the count of every array an
    inlined rule or an array's iterator takes, per path: 12% of the us kernel's CPU time
    (perf, session 5). The loops allocate nothing, so they need no reference counts; numba
    refuses to compile (TypingError) any code here that would allocate (an array created
    or returned).
    """
    options: dict[str, Any] = {"cache": True, "error_model": "numpy", "_nrt": False}
    return cast(Loop, numba.njit(**options)(loop))
