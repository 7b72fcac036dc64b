"""Apply the benchmark's candidate tunings to a Nestegg process, named in NESTEGG_BENCH_TUNINGS.

bench/cluster.py puts this folder on the processes' PYTHONPATH, so Python imports this module at
start-up, before `python -m <service>` runs. Each tuning is a small patch that lets one run
measure the code as it is against the code with the change, without editing the services
(uvloop, orjson responses, sniffio and remembering verified access tokens were measured this
way and are now in the code):

- keepalive: let the HTTP client keep as many idle connections as it may open (200, not 50).

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


_TUNINGS = {
    "keepalive": _keepalive,
}

for _name in filter(None, os.environ.get("NESTEGG_BENCH_TUNINGS", "").split(",")):
    _TUNINGS[_name.strip()]()
