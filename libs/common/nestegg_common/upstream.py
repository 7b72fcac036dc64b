"""Calls to another Nestegg process: its failures become 502/504 problems, never a 500 or a hang."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from nestegg_common.errors import UpstreamTimeout, UpstreamUnavailable

_LOGGER = logging.getLogger(__name__)


@contextmanager
def upstream_errors(service: str) -> Iterator[None]:
    """Turn a timeout into 504 and a refused or broken connection into 502, naming `service`."""
    try:
        yield
    except httpx.TimeoutException as err:
        _LOGGER.warning("upstream timeout", extra={"upstream": service})
        raise UpstreamTimeout(f"The {service} service did not answer in time.") from err
    except httpx.TransportError as err:
        _LOGGER.warning("upstream unavailable", extra={"upstream": service})
        raise UpstreamUnavailable(f"The {service} service is unavailable.") from err


def json_of(answer: httpx.Response, service: str) -> Any:
    """Return a 200 answer's JSON body; anything else from `service` is a 502."""
    if answer.status_code != 200:
        raise UpstreamUnavailable(f"The {service} service answered {answer.status_code}.")
    try:
        return answer.json()
    except ValueError as err:  # a proxy's HTML error page sent with 200, say
        raise UpstreamUnavailable(f"The {service} service answered something unreadable.") from err
