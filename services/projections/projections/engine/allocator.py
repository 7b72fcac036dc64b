"""How a process that runs the engine job after job keeps its memory: glibc's malloc settings.

A kernel run allocates its output rows (a few MB each at 10,000 paths) and frees them at
its end. By default glibc hands a freed top of the heap larger than twice the largest freed
block back to the system, so the next run's arrays are mapped and zeroed again page by page:
a compare or a solve, which run the kernel several times, spent up to a third of their CPU
time on those page faults (docs/BENCHMARKS.md, session 7). `keep_freed_memory` makes the
heap keep what it frees (up to KEPT_BYTES above its top) and serve blocks up to
MMAP_THRESHOLD_BYTES from it; `give_back_freed_memory` returns the free pages to the system.
The projections workers call it once they have had no job for a second, not after every
job: memory given back is faulted in again by the next job, and numpy asks for huge pages
for large arrays (madvise), whose faults can stall on compaction — a compare right after a
trim measured 340–575 ms of CPU against 325 without (session 7). Both do nothing where
the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

# mallopt's parameters (glibc's malloc.h).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
# glibc's own ceiling for its sliding mmap threshold on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX):
# blocks larger than this are mapped on their own, as by default.
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
# Free memory the heap may hold above its top before giving it back within a job.
KEPT_BYTES = 256 * 1024 * 1024


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """Return the C library when it is glibc (it has mallopt and malloc_trim), else None."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def keep_freed_memory() -> bool:
    """Make malloc reuse the memory a job frees; False where it cannot be set (not glibc)."""
    libc = _glibc()
    if libc is None:
        return False
    mapped = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    kept = libc.mallopt(M_TRIM_THRESHOLD, KEPT_BYTES)
    return bool(mapped and kept)


def give_back_freed_memory() -> None:
    """Return the heap's free pages to the system (between jobs: an idle worker stays small)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
