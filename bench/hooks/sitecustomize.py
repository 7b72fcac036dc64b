"""Apply the benchmark's candidate tunings to a Nestegg process, named in NESTEGG_BENCH_TUNINGS.

bench/cluster.py puts this folder on the processes' PYTHONPATH, so Python imports this module at
start-up, before `python -m <service>` runs. Each tuning is a small patch that lets one run
measure the code as it is against the code with the change, without editing the services
(uvloop, orjson responses and sniffio were measured this way and are now in the code):

- keepalive: let the HTTP client keep as many idle connections as it may open (200, not 50);
- jwt_cache: remember verified access tokens until they expire (at most 60 s), so each process
  checks a token's Ed25519 signature once, not on every request.

Outside the benchmark the variable is unset and this module does nothing.
"""

from __future__ import annotations

import os


def _keepalive() -> None:
    from typing import Any

    import httpx

    import nestegg_common.service as service

    original = service.new_http_client

    def new_http_client(settings: Any, **kwargs: Any) -> httpx.AsyncClient:
        client = original(settings, **kwargs)
        # httpcore's pool (pinned version) keeps at most this many idle connections.
        pool = client._transport._pool  # type: ignore[attr-defined]
        pool._max_keepalive_connections = pool._max_connections
        return client

    service.new_http_client = new_http_client


def _jwt_cache() -> None:
    import time

    from nestegg_common.auth import AccessClaims, JwtVerifier

    verify = JwtVerifier.verify
    cache: dict[str, tuple[float, AccessClaims]] = {}

    async def cached_verify(self: JwtVerifier, token: str) -> AccessClaims:
        now = time.time()
        hit = cache.get(token)
        if hit is not None and hit[0] > now:
            return hit[1]
        claims = await verify(self, token)
        if len(cache) > 10_000:
            cache.clear()
        cache[token] = (min(claims.expires_at, now + 60), claims)
        return claims

    JwtVerifier.verify = cached_verify  # type: ignore[method-assign]


_TUNINGS = {
    "keepalive": _keepalive,
    "jwt_cache": _jwt_cache,
}

for _name in filter(None, os.environ.get("NESTEGG_BENCH_TUNINGS", "").split(",")):
    _TUNINGS[_name.strip()]()
