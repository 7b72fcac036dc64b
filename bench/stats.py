"""Percentiles of latency samples, the same way for every load generator."""

from __future__ import annotations


def percentiles(latencies_ms: list[float]) -> dict[str, float | None]:
    """Return p50, p95, p99 and the mean (nearest-rank) of latencies in milliseconds."""
    if not latencies_ms:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None}
    ordered = sorted(latencies_ms)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    return {
        "p50_ms": rank(50),
        "p95_ms": rank(95),
        "p99_ms": rank(99),
        "mean_ms": sum(ordered) / len(ordered),
    }
