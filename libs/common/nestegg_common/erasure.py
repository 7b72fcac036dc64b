"""Erased accounts: the set every token verifier consults, and the tombstone check of writes.

Two halves, one per kind of state (docs/ARCHITECTURE.md, Erasure):

- `ErasedUsers`, in memory in every process that verifies tokens: the users erased within the
  longest life of an access token. Fed by `user.deleted` pushed at once by accounts, and by
  a poll of accounts' `GET /internal/erased-users?since=` (at start, then every few seconds),
  so a restarted process or a replica that did not receive the push knows them too.
- The `erased_users` table of a service that stores user data: the `user.deleted` handler
  writes a tombstone under an exclusive per-user advisory lock (`lock_for_erasure`), and every
  write transaction takes the same lock shared and refuses a tombstoned user
  (`guard_user_write`). A write that started before the erasure commits first and is then
  erased with the rest; one that starts after is refused. Never both stored and kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from opentelemetry.instrumentation.utils import suppress_instrumentation

from nestegg_common.db import Connection
from nestegg_common.errors import Unauthorized
from nestegg_common.logs import unreachable_peer_level
from nestegg_common.retry import doubling_delay_s

_LOGGER = logging.getLogger(__name__)

# The longest an access token lives (accounts' NESTEGG_ACCESS_TOKEN_TTL_S is at most 3600 s),
# plus a minute for clocks and requests in flight: a user erased longer ago than this has no
# live token left, so the set may forget them.
REMEMBER_FOR_S = 3600.0 + 60.0
# Re-read this much before the newest erasure seen: a DELETE /me transaction stamps its
# start time but becomes visible at commit, so a slow one can appear "in the past".
_OVERLAP_S = 60.0

# Accounts' list of recent erasures, and at most how many one answer holds (a full page asks
# again from its last row).
ERASED_USERS_PATH = "/internal/erased-users"
ERASED_PAGE = 1000

ErasedSince = list[tuple[uuid.UUID, datetime]]
FetchErased = Callable[[datetime], Awaitable[ErasedSince]]


class AccountErased(Unauthorized):
    """The account was erased: its tokens and its writes are refused from then on."""

    def __init__(self) -> None:
        super().__init__("This account was deleted.")


class ErasedUsers:
    """The users erased recently enough that one of their access tokens may still be alive.

    `run()` loads them (retrying every `retry_s` until it can) and then polls every `poll_s`;
    `loaded` says the first load succeeded. `add` takes a pushed `user.deleted` at once.
    """

    def __init__(
        self,
        fetch_since: FetchErased,
        *,
        poll_s: float = 5.0,
        retry_base_s: float = 0.05,
        retry_max_s: float = 1.0,
        remember_for_s: float = REMEMBER_FOR_S,
    ) -> None:
        self._fetch_since = fetch_since
        self._poll_s = poll_s
        self._retry_base_s = retry_base_s
        self._retry_max_s = retry_max_s
        self._remember_for = timedelta(seconds=remember_for_s)
        self._erased: dict[uuid.UUID, datetime] = {}
        self._newest: datetime | None = None
        self._loaded = asyncio.Event()

    @property
    def loaded(self) -> bool:
        """Say whether the recent erasures have been read once (the process may serve tokens)."""
        return self._loaded.is_set()

    async def wait_loaded(self, timeout_s: float) -> bool:
        """Wait up to `timeout_s` for the first load; say whether it is done."""
        if not self._loaded.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._loaded.wait(), timeout_s)
        return self._loaded.is_set()

    def __contains__(self, user_id: object) -> bool:
        return user_id in self._erased

    def __len__(self) -> int:
        return len(self._erased)

    def add(self, user_id: uuid.UUID, erased_at: datetime | None = None) -> None:
        """Remember an erased user (from a pushed event or a poll)."""
        when = erased_at or datetime.now(UTC)
        self._erased[user_id] = max(when, self._erased.get(user_id, when))
        if self._newest is None or when > self._newest:
            self._newest = when

    def add_all(self, rows: Iterable[tuple[uuid.UUID, datetime]]) -> None:
        """Remember several erased users."""
        for user_id, erased_at in rows:
            self.add(user_id, erased_at)

    def mark_loaded(self) -> None:
        """Declare the set complete without a fetch (a process that is itself the source)."""
        self._loaded.set()

    def _forget_old(self, now: datetime) -> None:
        horizon = now - self._remember_for
        for user_id in [u for u, at in self._erased.items() if at < horizon]:
            del self._erased[user_id]

    async def refresh(self) -> None:
        """Read the erasures since the newest one seen (or within the remembered window)."""
        now = datetime.now(UTC)
        since = now - self._remember_for
        if self._newest is not None:
            since = max(since, self._newest - timedelta(seconds=_OVERLAP_S))
        while True:
            # Untraced: a poll every few seconds in every process would drown the real traces.
            with suppress_instrumentation():
                rows = await self._fetch_since(since)
            self.add_all(rows)
            if len(rows) < ERASED_PAGE or rows[-1][1] == since:
                break
            since = rows[-1][1]  # oldest first: go on from the last one read
        self._forget_old(now)
        self._loaded.set()

    async def run(self) -> None:
        """Load, retrying with a back-off in milliseconds, then keep polling until cancelled."""
        failures = 0
        while True:
            try:
                await self.refresh()
                failures = 0
                await asyncio.sleep(self._poll_s)
            except asyncio.CancelledError:
                raise
            except Exception as err:  # accounts unreachable: try again soon, never give up
                failures += 1
                level = unreachable_peer_level(failures, starting=not self.loaded)
                if level is not None:
                    _LOGGER.log(
                        level,
                        "could not read the erased users",
                        extra={"error": type(err).__name__, "failures": failures},
                    )
                await asyncio.sleep(
                    doubling_delay_s(failures, base_s=self._retry_base_s, max_s=self._retry_max_s)
                )


ERASED_USERS = web.AppKey("erased_users", ErasedUsers)


def erased_rows(document: Any) -> ErasedSince:
    """Parse accounts' `/internal/erased-users` answer into (user id, erased at) pairs."""
    return [
        (uuid.UUID(item["user_id"]), datetime.fromisoformat(item["erased_at"]))
        for item in document["items"]
    ]


# --- The tombstone of a service's own database -------------------------------------------------

# Two-integer advisory locks live in a key space of their own, apart from the quota locks'
# single bigint keys; the first integer names this use ("ERAS" in ASCII).
_LOCK_CLASS = 0x45524153
LOCK_WRITE = "SELECT pg_advisory_xact_lock_shared($1::integer, hashtext($2::text))"
LOCK_ERASURE = "SELECT pg_advisory_xact_lock($1::integer, hashtext($2::text))"
IS_ERASED = "SELECT EXISTS (SELECT 1 FROM erased_users WHERE user_id = $1)"
RECORD_TOMBSTONE = "INSERT INTO erased_users (user_id) VALUES ($1) ON CONFLICT DO NOTHING"


async def guard_user_write(conn: Connection, user_id: uuid.UUID) -> None:
    """Refuse (401) a write for an erased user; call first in every write transaction.

    The shared lock waits for an erasure of this user in progress to commit; the check, a new
    statement, then sees its tombstone (READ COMMITTED takes a snapshot per statement). Writes
    of one user do not wait for each other.
    """
    if not conn.is_in_transaction():
        raise RuntimeError("guard_user_write needs the write's transaction")
    await conn.execute(LOCK_WRITE, _LOCK_CLASS, str(user_id))
    if await conn.fetchval(IS_ERASED, user_id):
        raise AccountErased()


async def lock_for_erasure(conn: Connection, user_id: uuid.UUID) -> None:
    """Wait for the user's writes in flight, then tombstone them, in the erasing transaction."""
    if not conn.is_in_transaction():
        raise RuntimeError("lock_for_erasure needs the erasing transaction")
    await conn.execute(LOCK_ERASURE, _LOCK_CLASS, str(user_id))
    await conn.execute(RECORD_TOMBSTONE, user_id)
