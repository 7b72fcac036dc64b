"""The gateway's ordinary per-user request limit (issue 19: reads are not computations).

Reading a stored result takes none of the user's computation slots (projections' limits count
computations only), so what bounds one user's reads is this: a token bucket per signed-in user,
`NESTEGG_USER_REQUESTS_PER_S` sustained with bursts of `NESTEGG_USER_REQUEST_BURST`, checked
after the token is verified (an unverified `sub` could drain someone else's bucket). Per gateway
process, like the verified-token cache: N replicas admit up to N times the rate
(docs/OPERATIONS.md, Request limits).
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable

from aiohttp import web

from nestegg_common.auth import JwtVerifier, bearer_token
from nestegg_common.errors import TooManyRequests
from nestegg_common.problems import Handler


class UserRequestLimiter:
    """A token bucket per user; `rate_per_s` 0 turns it off."""

    def __init__(
        self,
        *,
        rate_per_s: float,
        burst: int,
        max_users: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate, self._burst, self._max_users, self._clock = rate_per_s, burst, max_users, clock
        self._buckets: dict[uuid.UUID, tuple[float, float]] = {}  # user → (tokens, at)

    def take(self, user_id: uuid.UUID) -> None:
        """Take one request from the user's bucket; 429 with Retry-After when it is empty."""
        if self._rate <= 0:
            return
        now = self._clock()
        tokens, at = self._buckets.get(user_id, (float(self._burst), now))
        tokens = min(float(self._burst), tokens + (now - at) * self._rate)
        if tokens < 1.0:
            self._buckets[user_id] = (tokens, now)
            raise TooManyRequests(
                "Too many requests from your account; slow down and retry.",
                retry_after_s=math.ceil((1.0 - tokens) / self._rate),
            )
        self._buckets[user_id] = (tokens - 1.0, now)
        if len(self._buckets) > self._max_users:
            self._forget_full(now)

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: dropping it changes nothing.
        refill_s = self._burst / self._rate
        self._buckets = {
            user: (tokens, at)
            for user, (tokens, at) in self._buckets.items()
            if now - at < refill_s
        }


def limited(handler: Handler, verifier: JwtVerifier, limiter: UserRequestLimiter) -> Handler:
    """Wrap a route's handler: verify the token (cached), count the request, then handle it."""

    async def handle(request: web.Request) -> web.StreamResponse:
        claims = await verifier.verify(bearer_token(request))
        limiter.take(claims.user_id)
        return await handler(request)

    return handle
