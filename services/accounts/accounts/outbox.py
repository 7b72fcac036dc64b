"""Deliver outbox events to the subscribing services: at least once, with capped back-off.

The state lives only in the database (`outbox`, `outbox_deliveries`), so a restarted or
second replica carries on where another left off. See docs/OUTBOX.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import math
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

import asyncpg
import httpx
from aiohttp import web
from opentelemetry import trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import SpanKind
from prometheus_client import Gauge

from accounts import outbox_repository
from accounts.settings import AccountsSettings
from nestegg_common.db import Connection
from nestegg_common.metrics import Metrics, ScrapeHook
from nestegg_common.retry import doubling_delay_s
from nestegg_common.service import HTTP_CLIENT, POOL
from nestegg_common.telemetry import TRACER_PROVIDER

_LOGGER = logging.getLogger(__name__)

USER_DELETED = "user.deleted"

# A claim stays hidden from other dispatchers this long past the send timeout, so a slow but
# live sender records its outcome before anyone else retries the same delivery.
_LEASE_MARGIN_S = 10.0
_PURGE_BATCH = 1000
_METRICS_QUERY_TIMEOUT_S = 2.0


async def record_event(
    conn: Connection,
    *,
    event_type: str,
    payload: dict[str, Any],
    subscribers: Sequence[str],
    held_for_s: float = 0.0,
) -> uuid.UUID:
    """Write an event and one pending delivery per subscriber in the caller's transaction.

    `held_for_s` > 0 keeps the deliveries from the dispatchers for that long: the caller sends
    them itself once committed (`OutboxDispatcher.deliver_now`), as under a claim's lease.
    """
    event_id = uuid.uuid4()
    await outbox_repository.insert_event(
        conn, event_id=event_id, event_type=event_type, payload=payload
    )
    if subscribers:
        await outbox_repository.insert_deliveries(
            conn, event_id=event_id, subscribers=subscribers, due_in_s=held_for_s
        )
    return event_id


def retry_delay_s(attempts: int, *, base_s: float, max_s: float, jitter: float) -> float:
    """Return the wait after failed attempt number `attempts` (1-based); `jitter` is in [0, 1)."""
    ceiling = doubling_delay_s(attempts, base_s=base_s, max_s=max_s)
    # Half fixed, half random: retries stay spread out, and never come sooner than half the step.
    return ceiling * (0.5 + 0.5 * jitter)


def event_body(row: asyncpg.Record) -> dict[str, Any]:
    """Return what a subscriber receives for a claimed delivery."""
    return {
        "id": str(row["event_id"]),
        "type": row["event_type"],
        "occurred_at": row["occurred_at"].isoformat(),
        "payload": row["payload"],
    }


class OutboxDispatcher:
    """Claim due deliveries, POST them to `<subscriber>/internal/events`, record the outcome."""

    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        http: httpx.AsyncClient,
        subscriber_urls: Mapping[str, str],
        internal_token: str,
        poll_interval_s: float = 0.5,
        batch_size: int = 50,
        send_timeout_s: float = 10.0,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 60.0,
        retention_days: int = 7,
        purge_interval_s: float = 3600.0,
        jitter: Callable[[], float] = random.random,
        tracer_provider: trace.TracerProvider | None = None,
    ) -> None:
        self._pool = pool
        self._http = http
        self._urls = dict(subscriber_urls)
        self._headers = {"Authorization": f"Bearer {internal_token}"}
        self._poll_interval_s = poll_interval_s
        self._batch_size = batch_size
        self._send_timeout_s = send_timeout_s
        self._backoff_base_s = backoff_base_s
        self._backoff_max_s = backoff_max_s
        self._retention_days = retention_days
        self._purge_interval_s = purge_interval_s
        self._jitter = jitter
        self._stopping = asyncio.Event()
        self._pushes: set[asyncio.Task[None]] = set()
        self._tracer = trace.get_tracer(__name__, tracer_provider=tracer_provider)

    @classmethod
    def from_settings(
        cls,
        settings: AccountsSettings,
        *,
        pool: asyncpg.Pool,
        http: httpx.AsyncClient,
        tracer_provider: trace.TracerProvider | None = None,
    ) -> OutboxDispatcher:
        """Build a dispatcher configured by `NESTEGG_OUTBOX_*` and the subscriber URLs."""
        return cls(
            pool=pool,
            http=http,
            subscriber_urls=settings.subscriber_urls(),
            internal_token=settings.internal_token.get_secret_value(),
            poll_interval_s=settings.outbox_poll_interval_s,
            batch_size=settings.outbox_batch_size,
            send_timeout_s=settings.outbox_send_timeout_s,
            backoff_base_s=settings.outbox_backoff_base_s,
            backoff_max_s=settings.outbox_backoff_max_s,
            retention_days=settings.outbox_retention_days,
            purge_interval_s=settings.outbox_purge_interval_s,
            tracer_provider=tracer_provider,
        )

    @property
    def lease_s(self) -> float:
        """Return how long a claimed delivery stays hidden from other dispatchers."""
        return self._send_timeout_s + _LEASE_MARGIN_S

    @property
    def shutdown_grace_s(self) -> float:
        """Return how long a batch in flight may take to finish once asked to stop."""
        return self._send_timeout_s + _LEASE_MARGIN_S

    def stop(self) -> None:
        """Ask `run` to return after the batch in flight."""
        self._stopping.set()

    async def run(self) -> None:
        """Dispatch until stopped; purge acknowledged old events now and then."""
        next_purge = time.monotonic()
        while not self._stopping.is_set():
            claimed = 0
            try:
                claimed = await self.dispatch_once()
                if time.monotonic() >= next_purge:
                    await self.purge_delivered()
                    next_purge = time.monotonic() + self._purge_interval_s
            except Exception as err:  # a database outage must not end the loop; retry next poll
                _LOGGER.warning("outbox dispatch failed", extra={"error": type(err).__name__})
            if claimed < self._batch_size:  # a full batch means more may be due: go on at once
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._poll_interval_s)

    async def dispatch_once(self) -> int:
        """Send one batch of due deliveries concurrently; return how many were claimed."""
        if not self._urls:
            return 0
        # Untraced: an idle poll twice a second would be a trace of its own each time. Each
        # delivery below is traced, from its POST through the subscriber to its database.
        with suppress_instrumentation():
            rows = await self._claim()
        outcomes = await asyncio.gather(
            *(self._deliver(row) for row in rows), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                # The claim's lease runs out and another poll retries it: at least once holds.
                _LOGGER.warning(
                    "outbox outcome not recorded", extra={"error": type(outcome).__name__}
                )
        return len(rows)

    async def deliver_now(self, event_id: uuid.UUID, *, wait_s: float) -> None:
        """Send a just-committed event to every subscriber, waiting at most `wait_s` for them.

        The event must have been recorded with `held_for_s=self.lease_s`, so no dispatcher has
        taken its deliveries. Those still running after `wait_s` go on in the background and
        record their outcome; failed ones are retried by the dispatcher, as any other.
        """
        if not self._urls:
            return
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                rows = await outbox_repository.claim_event_deliveries(
                    conn,
                    event_id=event_id,
                    subscribers=list(self._urls),
                    lease_s=self.lease_s,
                )
        except Exception as err:  # the dispatcher will send them: the erasure is committed
            _LOGGER.warning("outbox push not claimed", extra={"error": type(err).__name__})
            return
        # An empty context: each delivery is a trace of its own, as the dispatcher's are, not
        # a child of the DELETE /me request (whose trace would otherwise outlive it).
        pushes = [
            asyncio.create_task(self._deliver(row), context=contextvars.Context()) for row in rows
        ]
        for push in pushes:
            self._pushes.add(push)  # keep a reference until done, or the task may vanish
            push.add_done_callback(self._pushes.discard)
        if pushes:
            await asyncio.wait(pushes, timeout=wait_s)

    async def finish_pushes(self) -> None:
        """Let the deliveries pushed by requests finish (at shutdown), within the grace period."""
        if self._pushes:
            await asyncio.wait(list(self._pushes), timeout=self.shutdown_grace_s)

    async def _claim(self) -> list[asyncpg.Record]:
        async with self._pool.acquire() as conn, conn.transaction():
            return await outbox_repository.claim_due_deliveries(
                conn,
                subscribers=list(self._urls),
                limit=self._batch_size,
                lease_s=self._send_timeout_s + _LEASE_MARGIN_S,
            )

    async def purge_delivered(self) -> int:
        """Delete events every subscriber acknowledged that are older than the retention."""
        with suppress_instrumentation():
            purged = await self._purge()
        if purged:
            _LOGGER.info("outbox events purged", extra={"count": purged})
        return purged

    async def _purge(self) -> int:
        async with self._pool.acquire() as conn:
            return await outbox_repository.purge_delivered_events(
                conn, older_than_days=self._retention_days, limit=_PURGE_BATCH
            )

    async def _deliver(self, row: asyncpg.Record) -> None:
        """Send one delivery and record its outcome, as one trace."""
        with self._tracer.start_as_current_span(
            f"outbox deliver {row['event_type']}",
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.destination.name": row["subscriber"],
                "messaging.message.id": str(row["event_id"]),
                "nestegg.outbox.attempt": row["attempts"],
            },
        ):
            await self._deliver_traced(row)

    async def _deliver_traced(self, row: asyncpg.Record) -> None:
        event_id, subscriber, attempts = row["event_id"], row["subscriber"], row["attempts"]
        error = await self._send(self._urls[subscriber], event_body(row))
        log_fields = {"event_id": str(event_id), "subscriber": subscriber, "attempts": attempts}
        async with self._pool.acquire() as conn:
            if error is None:
                await outbox_repository.mark_delivered(
                    conn, event_id=event_id, subscriber=subscriber
                )
                _LOGGER.info("outbox event delivered", extra=log_fields)
                return
            retry_in_s = retry_delay_s(
                attempts,
                base_s=self._backoff_base_s,
                max_s=self._backoff_max_s,
                jitter=self._jitter(),
            )
            await outbox_repository.mark_failed(
                conn,
                event_id=event_id,
                subscriber=subscriber,
                attempts=attempts,
                retry_in_s=retry_in_s,
                error=error,
            )
        _LOGGER.warning(
            "outbox delivery failed",
            extra={**log_fields, "error": error, "retry_in_s": round(retry_in_s, 3)},
        )

    async def _send(self, base_url: str, body: dict[str, Any]) -> str | None:
        """POST one event; return None when acknowledged, else why not (never the payload)."""
        try:
            async with asyncio.timeout(self._send_timeout_s):
                response = await self._http.post(
                    f"{base_url}/internal/events", json=body, headers=self._headers
                )
        except (httpx.HTTPError, TimeoutError) as err:
            return type(err).__name__
        if response.is_success:
            return None
        return f"HTTP {response.status_code}"


OUTBOX_DISPATCHER = web.AppKey("outbox_dispatcher", OutboxDispatcher)


def dispatcher_context(
    settings: AccountsSettings,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """Run the dispatcher (its loop and DELETE /me's pushes) when the setting enables it."""

    async def outbox_ctx(app: web.Application) -> AsyncIterator[None]:
        if not settings.outbox_dispatcher_enabled:
            yield  # this process delivers nothing: no polling, no push at DELETE /me
            return
        if not settings.internal_token.get_secret_value():
            _LOGGER.warning("NESTEGG_INTERNAL_TOKEN is empty: subscribers will refuse every event")
        dispatcher = OutboxDispatcher.from_settings(
            settings,
            pool=app[POOL],
            http=app[HTTP_CLIENT],
            tracer_provider=app.get(TRACER_PROVIDER),
        )
        app[OUTBOX_DISPATCHER] = dispatcher
        task = asyncio.create_task(dispatcher.run(), name="outbox-dispatcher")
        yield
        await dispatcher.finish_pushes()
        dispatcher.stop()
        try:
            # Let the batch in flight record its outcomes; past the grace period, cancel it
            # (its claims then simply wait out their lease).
            await asyncio.wait_for(task, dispatcher.shutdown_grace_s)
        except TimeoutError:
            _LOGGER.warning("outbox dispatcher cancelled at shutdown")

    return outbox_ctx


def outbox_metrics(metrics: Metrics) -> ScrapeHook:
    """Add the outbox gauges to `metrics`; return the hook that reads them at each scrape."""
    pending = Gauge(
        "nestegg_outbox_pending_deliveries",
        "Outbox deliveries not yet acknowledged by their subscriber.",
        registry=metrics.registry,
    )
    oldest_age = Gauge(
        "nestegg_outbox_oldest_pending_age_seconds",
        "Age of the oldest event with a pending delivery (0 when none is pending).",
        registry=metrics.registry,
    )

    async def read_outbox(app: web.Application) -> None:
        try:
            async with asyncio.timeout(_METRICS_QUERY_TIMEOUT_S), app[POOL].acquire() as conn:
                count, age_s = await outbox_repository.pending_summary(conn)
            pending.set(count)
            oldest_age.set(age_s)
        except Exception as err:  # a scrape must answer even while the database does not
            _LOGGER.warning("outbox metrics unavailable", extra={"error": type(err).__name__})
            pending.set(math.nan)
            oldest_age.set(math.nan)

    return read_outbox
