"""Watch processes through /proc (Linux): CPU used, children, whether one still runs."""

from __future__ import annotations

import os
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
        time.sleep(0.02)
    raise TimeoutError(f"none of {pids} computed within {timeout_s} s")


def seconds_until_idle(pids: list[int], *, since: float, timeout_s: float = 10.0) -> float:
    """Wait until none of `pids` uses CPU (gone, or 0.2 s without a tick); time from `since`.

    `since` is a `time.monotonic()` reading; the answer is when CPU use stopped — the last
    moment it was seen still growing, or the moment the process was gone.
    """
    last_growth = {pid: time.monotonic() for pid in pids}
    seen = {pid: cpu_seconds(pid) for pid in pids}
    stopped_at: dict[int, float] = {}
    deadline = time.monotonic() + timeout_s
    while len(stopped_at) < len(pids):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{sorted(set(pids) - set(stopped_at))} still computing")
        now = time.monotonic()
        for pid in pids:
            if pid in stopped_at:
                continue
            if not running(pid):
                stopped_at[pid] = now
                continue
            used = cpu_seconds(pid)
            if used > seen[pid]:
                seen[pid], last_growth[pid] = used, now
            elif now - last_growth[pid] >= 0.2:
                stopped_at[pid] = last_growth[pid]
        time.sleep(0.01)
    return max(stopped_at.values()) - since
