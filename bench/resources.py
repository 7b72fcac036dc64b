"""Memory and CPU per process, for sizing a deployment (issue 19, goal 4).

Read from /proc: a component is a Nestegg process with every descendant (projections' worker
pool included), or the PostgreSQL server with all its backends. CPU is utime + stime of every
process in the component; a load's CPU-ms per request is the delta over the load divided by the
requests it completed (processes that started and ended inside the load, none here but short
PostgreSQL workers, are not counted). RSS is the sum over the component's processes (shared
pages counted in each, so an upper bound), at rest and the highest sampled during a load.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")
_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20

Components = Callable[[], dict[str, int]]  # name → the root pid of the component


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _family(root: int, tree: dict[int, list[int]]) -> list[int]:
    family, todo = [], [root]
    while todo:
        pid = todo.pop()
        family.append(pid)
        todo.extend(tree.get(pid, []))
    return family


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * _TICK_S  # utime, stime


def _rss_mb(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_MB
    except OSError:
        return 0.0


def families(components: Components) -> dict[str, list[int]]:
    """Return the pids of each component (one walk over /proc)."""
    tree = _children()
    return {name: _family(root, tree) for name, root in components().items()}


def snapshot(components: Components) -> dict[str, dict[str, float]]:
    """Return each component's CPU seconds so far, RSS in MB and number of processes."""
    out = {}
    for name, pids in families(components).items():
        out[name] = {
            "cpu_s": sum(_cpu_s(p) for p in pids),
            "rss_mb": round(sum(_rss_mb(p) for p in pids), 1),
            "processes": len(pids),
        }
    return out


def postgres_pid(data_dir: Path) -> int:
    """Return the postmaster's pid from its data folder."""
    return int((data_dir / "postmaster.pid").read_text().splitlines()[0])


class Meter:
    """Measure one load: CPU deltas per component, and the peak RSS sampled every 0.5 s.

    The sampler reads only the pids found at the start (a few /proc files each), so it costs
    the machine little; the CPU deltas walk /proc again at the end, to count every backend.
    """

    def __init__(self, components: Components) -> None:
        self._components = components
        self._stop = threading.Event()
        self._peak: dict[str, float] = {}
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            for name, pids in self._families.items():
                rss = sum(_rss_mb(p) for p in pids)
                self._peak[name] = max(self._peak.get(name, 0.0), rss)

    def __enter__(self) -> Meter:
        self._families = families(self._components)
        self._before = snapshot(self._components)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._after = snapshot(self._components)

    def result(self, requests: int) -> dict[str, Any]:
        """Return CPU-ms per request by component (and in total) and the peak RSS by component."""
        cpu = {
            name: round(1000 * (after["cpu_s"] - self._before[name]["cpu_s"]) / requests, 3)
            for name, after in self._after.items()
            if name in self._before and requests
        }
        peak = {n: round(max(v, self._after[n]["rss_mb"]), 1) for n, v in self._peak.items()}
        return {
            "cpu_ms_per_request": {**cpu, "total": round(sum(cpu.values()), 3)},
            "rss_mb_peak": peak or {n: s["rss_mb"] for n, s in self._after.items()},
        }
