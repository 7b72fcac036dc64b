"""How long to wait before retrying a peer: one doubling back-off for every retry loop."""

from __future__ import annotations


def doubling_delay_s(failures: int, *, base_s: float, max_s: float) -> float:
    """Return the wait after the `failures`-th failure in a row (1-based): base, 2×, 4×… ≤ max.

    The exponent stops at 32 only so that a long outage cannot overflow the float; `max_s` caps
    the delay long before.
    """
    return min(max_s, base_s * 2.0 ** min(failures - 1, 32))
