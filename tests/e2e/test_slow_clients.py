"""Slow clients are cut off: a head dribbled a byte at a time, a body that never completes.

Every process, with the read deadlines shortened to 1 s (NESTEGG_HEADER_TIMEOUT_S,
NESTEGG_BODY_TIMEOUT_S), over raw sockets; a slowloris would otherwise hold each connection
for ever.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from nestegg_common.testing.rawhttp import port_of, seconds_until_closed

from .conftest import Cluster, cluster_on

pytestmark = pytest.mark.e2e

DEADLINE_S = 1.0


@pytest.fixture(scope="module")
def impatient(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    logs = tmp_path_factory.mktemp("slow-clients")
    with cluster_on(
        pg_server_url,
        logs,
        label="slow",
        NESTEGG_HEADER_TIMEOUT_S=str(DEADLINE_S),
        NESTEGG_BODY_TIMEOUT_S=str(DEADLINE_S),
    ) as running:
        yield running


@pytest.fixture(scope="module")
def token(impatient: Cluster) -> str:
    credentials = {
        "email": f"slow-{uuid.uuid4().hex[:10]}@example.com",
        "password": f"pw-{uuid.uuid4().hex}",
    }
    with httpx.Client(timeout=15.0) as http:
        assert http.post(impatient.api("/auth/register"), json=credentials).status_code == 201
        answer = http.post(impatient.api("/auth/login"), json=credentials)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def body_readers(cluster: Cluster) -> dict[str, tuple[str, str]]:
    """A route of each process that reads a JSON body: (base URL, path)."""
    return {
        "gateway": (cluster.gateway_url, "/api/v1/assets"),
        "accounts": (cluster.service_urls["accounts"], "/auth/login"),
        "ledger": (cluster.service_urls["ledger"], "/assets"),
        "projections": (cluster.service_urls["projections"], "/projections"),
    }


def test_a_head_sent_a_byte_at_a_time_is_cut_off_in_every_process(impatient: Cluster) -> None:
    urls = {"gateway": impatient.gateway_url, **impatient.service_urls}

    def slowloris(url: str) -> tuple[float | None, bytes]:
        return seconds_until_closed(
            port_of(url), b"GET /healthz HTTP/1.1\r\n", drip=b"X-Slow: " + b"a" * 100, every_s=0.2
        )

    with ThreadPoolExecutor(len(urls)) as pool:
        results = dict(zip(urls, pool.map(slowloris, urls.values()), strict=True))
    for name, (took, answer) in results.items():
        assert took is not None, f"{name} still held the connection after 30 s"
        assert DEADLINE_S <= took < DEADLINE_S + 1.5, (name, took)
        assert answer.startswith(b"HTTP/1.1 408 "), (name, answer)


def test_a_body_that_never_completes_is_a_408_in_every_process(
    impatient: Cluster, token: str
) -> None:
    def stall(target: tuple[str, str]) -> tuple[float | None, bytes]:
        url, path = target
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {url.removeprefix('http://')}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            "Content-Length: 1000\r\n\r\n{"
        )
        return seconds_until_closed(port_of(url), head.encode())

    targets = body_readers(impatient)
    with ThreadPoolExecutor(len(targets)) as pool:
        results = dict(zip(targets, pool.map(stall, targets.values()), strict=True))
    for name, (took, answer) in results.items():
        assert took is not None, f"{name} still held the connection after 30 s"
        assert DEADLINE_S <= took < DEADLINE_S + 1.5, (name, took)
        assert answer.startswith(b"HTTP/1.1 408 "), (name, answer)
        assert b"application/problem+json" in answer, (name, answer)
