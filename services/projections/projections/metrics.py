"""Count projection runs (cache hits, misses, engine time) and the engine's load and refusals."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# A deterministic plan takes milliseconds; 10,000 Monte Carlo paths take seconds.
RUN_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class RunMetrics:
    """The projections service's own instruments, on the app's registry (or none: tests)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.cache_hits = Counter(
            "nestegg_projection_cache_hits",
            "Runs answered with the stored result of the same inputs.",
            registry=registry,
        )
        self.cache_misses = Counter(
            "nestegg_projection_cache_misses",
            "Computations the engine had to do (a compare of any number of plans is one).",
            registry=registry,
        )
        self.run_duration = Histogram(
            "nestegg_projection_run_duration_seconds",
            "Time the engine took to compute a run (cache misses only).",
            buckets=RUN_BUCKETS_S,
            registry=registry,
        )
        self.admitted = Gauge(
            "nestegg_compute_admitted",
            "Requests holding one of NESTEGG_COMPUTE_MAX_PENDING places (computing or waiting).",
            registry=registry,
        )
        self.refused = Counter(
            "nestegg_compute_refused",
            "Computations refused with 503 because every place was taken.",
            registry=registry,
        )
        self.over_budget = Counter(
            "nestegg_compute_over_budget",
            "Requests stopped (503) when NESTEGG_COMPUTE_BUDGET_S ran out.",
            registry=registry,
        )
        self.workers_replaced = Counter(
            "nestegg_compute_workers_replaced",
            "Engine workers killed and replaced, by reason (cancelled, died, out_of_memory).",
            ["reason"],
            registry=registry,
        )

    @contextmanager
    def computing(self) -> Iterator[None]:
        """Count a miss and time the computation inside the block."""
        self.cache_misses.inc()
        started = time.perf_counter()
        try:
            yield
        finally:
            self.run_duration.observe(time.perf_counter() - started)
