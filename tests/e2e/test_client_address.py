"""Login throttling counts a client by its real address, whatever X-Forwarded-For it sends.

A cluster of its own that allows 3 login attempts per address. Before, a client that reached
accounts directly picked its own address (the last hop of any X-Forwarded-For it sent) and so
was never throttled; only the gateway's signed header is believed now.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from .conftest import Cluster, cluster_on

pytestmark = pytest.mark.e2e

PER_ADDRESS = 3


@pytest.fixture(scope="module")
def strict(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    logs = tmp_path_factory.mktemp("client-address")
    with cluster_on(
        pg_server_url,
        logs,
        label="xff",
        NESTEGG_LOGIN_MAX_ATTEMPTS_PER_ADDRESS=str(PER_ADDRESS),
    ) as running:
        yield running


def wrong_guesses(url: str, count: int) -> list[int]:
    """Fail `count` logins, each for another account and claiming another address."""
    statuses = []
    with httpx.Client(timeout=15.0) as http:
        for n in range(count):
            spoofed = f"203.0.113.{n + 1}"
            answer = http.post(
                url,
                json={"email": f"nobody-{uuid.uuid4().hex[:8]}@example.com", "password": "x" * 12},
                headers={
                    "X-Forwarded-For": f"198.51.100.7, {spoofed}",
                    "X-Nestegg-Forwarded-Proof": "0" * 64,
                },
            )
            statuses.append(answer.status_code)
    return statuses


def test_a_client_calling_accounts_directly_is_throttled_by_its_real_address(
    strict: Cluster,
) -> None:
    statuses = wrong_guesses(f"{strict.service_urls['accounts']}/auth/login", PER_ADDRESS + 1)
    assert statuses == [401] * PER_ADDRESS + [429]


def test_a_client_spoofing_x_forwarded_for_at_the_gateway_is_throttled_by_its_real_address(
    strict: Cluster,
) -> None:
    # Through the gateway the address is its TCP peer, signed: the same loopback address as
    # above, whose attempts are already spent.
    assert wrong_guesses(strict.api("/auth/login"), 1) == [429]
