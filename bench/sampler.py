"""Watch the ledger's connection pool during a load: its /metrics if it has one, and PostgreSQL."""

from __future__ import annotations

import re
import threading
from typing import Any

import httpx
import psycopg

_POOL_METRICS = ("size", "idle", "in_use", "max")
_METRIC = re.compile(r"^nestegg_db_pool_(size|idle|in_use|max)(?:\{[^}]*\})?\s+([0-9.eE+-]+)$")


def metrics_endpoint(base_url: str, internal_token: str) -> dict[str, str] | None:
    """Return the headers that GET /metrics needs, or None when the service has no pool metrics.

    Scrapers send the service token (docs/OPERATIONS.md, Metrics); revisions from before it was
    required ignore it.
    """
    headers = {"Authorization": f"Bearer {internal_token}"}
    try:
        answer = httpx.get(f"{base_url}/metrics", headers=headers, timeout=2)
    except httpx.HTTPError:
        return None
    return headers if answer.status_code == 200 and "nestegg_db_pool_" in answer.text else None


def _pool_gauges(text: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for line in text.splitlines():
        match = _METRIC.match(line)
        if match:
            found[match.group(1)] = found.get(match.group(1), 0.0) + float(match.group(2))
    return found


class PoolSampler:
    """Sample, every `interval_s` until stopped, the pool gauges and the database's backends."""

    def __init__(
        self,
        *,
        metrics_url: str | None,
        metrics_headers: dict[str, str],
        dsn: str,
        database: str,
        interval_s: float = 0.25,
    ) -> None:
        self._metrics_url = metrics_url
        self._headers = metrics_headers
        self._dsn = dsn
        self._database = database
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.pool: list[dict[str, float]] = []
        self.backends: list[tuple[int, int]] = []  # (connected, running a statement)

    def __enter__(self) -> PoolSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with psycopg.connect(self._dsn, autocommit=True) as conn, httpx.Client(timeout=2) as http:
            while not self._stop.wait(self._interval_s):  # ends when the load ends
                row = conn.execute(
                    "SELECT count(*), count(*) FILTER (WHERE state = 'active') "
                    "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    (self._database,),
                ).fetchone()
                if row is not None:
                    self.backends.append((int(row[0]), int(row[1])))
                if self._metrics_url is not None:
                    try:
                        answer = http.get(self._metrics_url, headers=self._headers)
                        self.pool.append(_pool_gauges(answer.text))
                    except httpx.HTTPError:
                        pass

    def summary(self) -> dict[str, Any]:
        """Return peak and mean pool use (None when /metrics is missing) and backend counts."""
        out: dict[str, Any] = {"samples": len(self.backends)}
        if self.pool and all("in_use" in s and "max" in s for s in self.pool):
            in_use = [s["in_use"] for s in self.pool]
            out["pool_max"] = max(s["max"] for s in self.pool)
            out["pool_in_use_peak"] = max(in_use)
            out["pool_in_use_mean"] = sum(in_use) / len(in_use)
            out["pool_utilisation_peak"] = max(in_use) / out["pool_max"]
            out["pool_utilisation_mean"] = out["pool_in_use_mean"] / out["pool_max"]
            out["pool_source"] = "ledger /metrics (nestegg_db_pool_in_use / nestegg_db_pool_max)"
        else:
            out["pool_utilisation_peak"] = None
            out["pool_source"] = "unavailable: the ledger serves no /metrics with pool gauges"
        if self.backends:
            out["db_backends_peak"] = max(b[0] for b in self.backends)
            out["db_active_peak"] = max(b[1] for b in self.backends)
            out["db_active_mean"] = sum(b[1] for b in self.backends) / len(self.backends)
        return out
