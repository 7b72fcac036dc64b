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
from pathlib import Path

import numba

HERE = Path(__file__).resolve().parent
COMPILED = (
    "kernel.py",
    "us_inputs.py",
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
