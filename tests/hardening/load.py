"""A small, bounded load: a few clients repeating one request, every answer timed."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType

import httpx


@dataclass(frozen=True)
class Sample:
    """One request: when it started and ended (monotonic), and what came back."""

    started: float
    ended: float
    status: int | None  # None: no HTTP answer at all
    content_type: str
    error: str | None = None

    @property
    def elapsed(self) -> float:
        return self.ended - self.started


@dataclass
class Load:
    """Repeat GET `url` from `clients` threads until stopped, at most `max_seconds` long."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    clients: int = 4
    max_requests: int = 5_000  # per client
    max_seconds: float = 60.0
    timeout_s: float = 20.0
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _run(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        with httpx.Client(timeout=self.timeout_s, headers=self.headers) as client:
            for _ in range(self.max_requests):
                if self._stop.is_set() or time.monotonic() > deadline:
                    return
                started = time.monotonic()
                try:
                    answer = client.get(self.url)
                    sample = Sample(
                        started,
                        time.monotonic(),
                        answer.status_code,
                        answer.headers.get("content-type", ""),
                    )
                except httpx.HTTPError as err:
                    sample = Sample(started, time.monotonic(), None, "", type(err).__name__)
                    time.sleep(0.01)  # a refused connection returns at once; do not spin
                with self._lock:
                    self.samples.append(sample)

    def __enter__(self) -> Load:
        for _ in range(self.clients):
            thread = threading.Thread(target=self._run, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout_s + 5)

    def between(self, start: float, end: float) -> list[Sample]:
        """Return the requests that started at or after `start` and ended before `end`."""
        with self._lock:
            return [s for s in self.samples if s.started >= start and s.ended <= end]


@dataclass
class Poller:
    """Ask several URLs, e.g. every `/readyz`, over and over until stopped; bounded in time."""

    urls: dict[str, str]
    interval_s: float = 0.1
    max_seconds: float = 90.0
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _run(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        with httpx.Client(timeout=5.0) as client:
            while not self._stop.is_set() and time.monotonic() < deadline:
                for name, url in self.urls.items():
                    started = time.monotonic()
                    try:
                        status: int | None = client.get(url).status_code
                    except httpx.HTTPError:
                        status = None
                    self.samples.setdefault(name, []).append(
                        Sample(started, time.monotonic(), status, "")
                    )
                self._stop.wait(self.interval_s)

    def __enter__(self) -> Poller:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def between(self, name: str, start: float, end: float) -> list[Sample]:
        return [s for s in self.samples.get(name, []) if s.started >= start and s.ended <= end]

    def first_ok_after(self, name: str, start: float) -> float | None:
        """Return when the first 200 at or after `start` was answered, None if none was."""
        return next(
            (s.ended for s in self.samples.get(name, []) if s.started >= start and s.status == 200),
            None,
        )


def wait_for(condition: Callable[[], bool], *, timeout_s: float, interval_s: float = 0.1) -> float:
    """Poll until `condition()` holds; return the seconds it took; fail at the timeout."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout_s, f"not within {timeout_s} s"
        time.sleep(interval_s)
    return time.monotonic() - started


def describe(samples: Iterable[Sample]) -> str:
    """Summarise samples: count, statuses, median and max latency in ms."""
    items = list(samples)
    if not items:
        return "no requests"
    statuses: dict[str, int] = {}
    for s in items:
        key = str(s.status) if s.status is not None else (s.error or "error")
        statuses[key] = statuses.get(key, 0) + 1
    latencies = [s.elapsed * 1000 for s in items]
    return (
        f"{len(items)} requests {statuses}, median {statistics.median(latencies):.0f} ms, "
        f"max {max(latencies):.0f} ms"
    )
