"""Run the engine off the event loop, in a process pool, within per-user limits."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from datetime import date
from functools import partial
from typing import Any

from nestegg_common.errors import ServiceUnavailable, TooManyRequests, ValidationFailed
from projections.engine import run_projection, solve


class EngineRejected(Exception):
    """The engine refused a plan; carries its message only (picklable across processes)."""


def _project(plan: dict[str, Any], today: date, historical_path: str | None) -> dict[str, Any]:
    try:
        return run_projection(plan, today=today, historical_path=historical_path)
    except ValueError as err:
        raise EngineRejected(str(err)) from None


def _solve(
    plan: dict[str, Any], target: str, success_rate: float, today: date, historical_path: str | None
) -> dict[str, Any]:
    try:
        return solve(
            plan,
            target=target,  # type: ignore[arg-type]  # validated by SolveRequest
            success_rate=success_rate,
            today=today,
            historical_path=historical_path,
        )
    except ValueError as err:
        raise EngineRejected(str(err)) from None


class UserLimiter:
    """Per user: at most `in_flight` computations at once and `per_minute` started a minute.

    The state is this replica's own; with N replicas a user gets at most N times the limits.
    """

    def __init__(
        self, *, in_flight: int, per_minute: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._in_flight_limit, self._per_minute = in_flight, per_minute
        self._clock = clock
        self._running: dict[uuid.UUID, int] = defaultdict(int)
        self._started: dict[uuid.UUID, deque[float]] = defaultdict(deque)

    @asynccontextmanager
    async def slot(self, user_id: uuid.UUID) -> AsyncIterator[None]:
        """Hold one of the user's slots for the duration; 429 when none is free."""
        now, started = self._clock(), self._started[user_id]
        while started and started[0] <= now - 60.0:
            started.popleft()
        if len(started) >= self._per_minute:
            raise TooManyRequests(
                f"At most {self._per_minute} projection computations a minute; wait a moment.",
                retry_after_s=int(started[0] + 60.0 - now) + 1,
            )
        if self._running[user_id] >= self._in_flight_limit:
            raise TooManyRequests(
                f"At most {self._in_flight_limit} projection computations at once; "
                "wait for one to finish.",
                retry_after_s=1,
            )
        started.append(now)
        self._running[user_id] += 1
        try:
            yield
        finally:
            self._running[user_id] -= 1
            if not self._running[user_id]:
                del self._running[user_id]
            self._forget_idle()

    def _forget_idle(self) -> None:
        # Users with nothing running and nothing started in the last minute need no state.
        horizon = self._clock() - 60.0
        for user_id in [u for u, s in self._started.items() if not s or s[-1] <= horizon]:
            if user_id not in self._running:
                del self._started[user_id]


class Engine:
    """The process pool that runs projections and solves."""

    def __init__(self, *, workers: int, timeout_s: float, historical_path: str | None) -> None:
        # spawn, not fork: forking a process that runs an event loop and threads is unsafe.
        self._pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        )
        self._timeout_s = timeout_s
        self.historical_path = historical_path

    async def _call(self, fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(self._pool, partial(fn, *args)), self._timeout_s
            )
        except EngineRejected as err:
            raise ValidationFailed(f"The engine could not run this plan: {err}") from err
        except TimeoutError as err:
            raise ServiceUnavailable(
                f"The computation took longer than {self._timeout_s:g} s; try fewer paths."
            ) from err

    async def project(self, plan: dict[str, Any], *, today: date) -> dict[str, Any]:
        """Return the engine result of a plan."""
        return await self._call(_project, plan, today, self.historical_path)

    async def solve(
        self, plan: dict[str, Any], *, target: str, success_rate: float, today: date
    ) -> dict[str, Any]:
        """Return the engine's solve answer for a plan."""
        return await self._call(_solve, plan, target, success_rate, today, self.historical_path)

    def close(self) -> None:
        """Stop the workers (pending work is cancelled)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
