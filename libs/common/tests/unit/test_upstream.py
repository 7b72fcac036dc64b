"""Another process's failures become 502/504 problems naming it, never a 500."""

from __future__ import annotations

import aiohttp
import httpx
import pytest

from nestegg_common.errors import UpstreamTimeout, UpstreamUnavailable
from nestegg_common.upstream import json_of, upstream_errors


def test_a_timeout_is_a_504_naming_the_service() -> None:
    with pytest.raises(UpstreamTimeout) as caught, upstream_errors("ledger"):
        raise httpx.ReadTimeout("slow")
    assert caught.value.detail == "The ledger service did not answer in time."


def test_a_refused_connection_is_a_502_naming_the_service() -> None:
    with pytest.raises(UpstreamUnavailable) as caught, upstream_errors("accounts"):
        raise httpx.ConnectError("refused")
    assert caught.value.detail == "The accounts service is unavailable."


def test_an_aiohttp_timeout_is_a_504_and_a_dropped_connection_a_502() -> None:
    with pytest.raises(UpstreamTimeout), upstream_errors("ledger"):
        raise aiohttp.SocketTimeoutError("slow")
    with pytest.raises(UpstreamTimeout), upstream_errors("ledger"):
        raise TimeoutError  # aiohttp's total timeout
    with pytest.raises(UpstreamUnavailable) as caught, upstream_errors("ledger"):
        raise aiohttp.ServerDisconnectedError()
    assert caught.value.detail == "The ledger service is unavailable."


def test_a_200_with_json_gives_the_body() -> None:
    assert json_of(200, b'{"a": 1}', "ledger") == {"a": 1}


def test_another_status_is_a_502_naming_it() -> None:
    with pytest.raises(UpstreamUnavailable) as caught:
        json_of(503, b"{}", "ledger")
    assert caught.value.detail == "The ledger service answered 503."


def test_a_200_that_is_not_json_is_a_502() -> None:
    with pytest.raises(UpstreamUnavailable, match="answered something unreadable"):
        json_of(200, b"<html>proxy error</html>", "projections")
