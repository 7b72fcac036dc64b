"""Calls to another Nestegg process: its failures become 502/504 problems, never a 500 or a hang.

Two HTTP clients reach here: httpx (calls between services, DESIGN §1) and aiohttp's client
(the gateway's forwarding, chosen by measurement: docs/BENCHMARKS.md). Both map alike.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import httpx
import orjson

from nestegg_common.errors import UpstreamTimeout, UpstreamUnavailable

_LOGGER = logging.getLogger(__name__)


@contextmanager
def upstream_errors(service: str) -> Iterator[None]:
    """Turn a timeout into 504 and a refused or broken connection into 502, naming `service`."""
    try:
        yield
    # aiohttp's timeouts (total, connect, socket read) are all TimeoutErrors.
    except (httpx.TimeoutException, TimeoutError) as err:
        _LOGGER.warning("upstream timeout", extra={"upstream": service})
        raise UpstreamTimeout(f"The {service} service did not answer in time.") from err
    except (httpx.TransportError, aiohttp.ClientError) as err:
        _LOGGER.warning("upstream unavailable", extra={"upstream": service})
        raise UpstreamUnavailable(f"The {service} service is unavailable.") from err


def json_of(status: int, content: bytes, service: str) -> Any:
    """Return a 200 answer's JSON body; anything else from `service` is a 502."""
    if status != 200:
        raise UpstreamUnavailable(f"The {service} service answered {status}.")
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as err:  # a proxy's HTML error page sent with 200, say
        raise UpstreamUnavailable(f"The {service} service answered something unreadable.") from err
