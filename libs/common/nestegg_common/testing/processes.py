"""Watch processes through /proc (Linux): CPU used, children, whether one still runs."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    return text[text.rindex(")") + 2 :].split()


def running(pid: int) -> bool:
    """Say whether the process exists and is not a zombie waiting to be reaped."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) the process has used; 0 once it is gone."""
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) * _TICK_S


def descendants(pid: int) -> list[int]:
    """Return every live process below `pid` (children, their children, ...)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return [p for p in found if running(p)]


def computing(pids: list[int], *, timeout_s: float = 30.0, at_least_s: float = 0.3) -> int:
    """Wait until one of `pids` has used `at_least_s` of CPU since the call; return it."""
    start = {pid: cpu_seconds(pid) for pid in pids}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for pid in pids:
            if cpu_seconds(pid) - start[pid] >= at_least_s:
                return pid
        if all(_stat(pid) is None for pid in pids):  # say so now, not after the timeout
            raise ProcessLookupError(f"each of {pids} ended before using {at_least_s} s of CPU")
        time.sleep(0.02)
    raise TimeoutError(f"none of {pids} computed within {timeout_s} s")


class CpuWatch:
    """Sample the CPU time of processes every 10 ms on a thread, noting when it last grew."""

    def __init__(self, pids: list[int]) -> None:
        self._pids = pids
        self._seen = {pid: cpu_seconds(pid) for pid in pids}
        self.last_growth = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> CpuWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            for pid in self._pids:
                used = cpu_seconds(pid) if running(pid) else self._seen[pid]
                if used > self._seen[pid]:
                    self._seen[pid], self.last_growth = used, time.monotonic()

    def quiet_for(self, seconds: float) -> bool:
        """Say whether none of the processes has used CPU for `seconds`."""
        return time.monotonic() - self.last_growth >= seconds


def seconds_until_idle(pids: list[int], *, since: float, timeout_s: float = 10.0) -> float:
    """Wait until none of `pids` uses CPU (gone, or 0.2 s without a tick); time from `since`.

    `since` is a `time.monotonic()` reading; the answer is the last moment any of them was
    seen using CPU (to the 10 ms the sampling allows) minus `since`.
    """
    deadline = time.monotonic() + timeout_s
    with CpuWatch(pids) as watch:
        while not (watch.quiet_for(0.2) or not any(running(pid) for pid in pids)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{pids} still computing after {timeout_s} s")
            time.sleep(0.01)
    return watch.last_growth - since
