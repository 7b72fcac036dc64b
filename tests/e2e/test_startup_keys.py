"""Processes that start before accounts take tokens within a second of it (issue 13, item 4).

Before, the first JWKS fetch failed while accounts was starting and the next was allowed 10 s
later: valid tokens got 401 "unknown key" while `/readyz` said 200.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from nestegg_common.testing.services import start_process, wait_until_healthy

from .conftest import Cluster

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"


def status(http: httpx.Client, url: str, headers: dict[str, str] | None = None) -> int:
    try:
        return http.get(url, timeout=2.0, headers=headers).status_code
    except httpx.HTTPError:
        return 0


def test_a_gateway_and_service_started_before_accounts_accept_tokens_as_soon_as_it_answers(
    cluster: Cluster, http: httpx.Client
) -> None:
    email = f"early-{uuid.uuid4().hex[:10]}@example.com"
    http.post(cluster.api("/auth/register"), json={"email": email, "password": PASSWORD})
    login = http.post(cluster.api("/auth/login"), json={"email": email, "password": PASSWORD})
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    ledger_url, accounts_url = cluster.service_urls["ledger"], cluster.service_urls["accounts"]

    for name in ("gateway", "ledger", "accounts"):
        cluster.stop(name)
    for name in ("gateway", "ledger"):  # as `make run` may: before accounts answers
        cluster.processes[name] = start_process(
            name, cluster.env, log_path=cluster.logs_dir / f"{name}.early.log"
        )
    wait_until_healthy(f"{ledger_url}/healthz", process=cluster.processes["ledger"])
    wait_until_healthy(f"{cluster.gateway_url}/healthz", process=cluster.processes["gateway"])
    time.sleep(2.0)  # both have been failing to fetch keys for a while

    # Not ready, and saying what they wait for, while they cannot check a token.
    ledger_ready = http.get(f"{ledger_url}/readyz")
    assert ledger_ready.status_code == 503
    assert ledger_ready.json()["waiting_for"] == ["keys", "erased_users"]
    assert http.get(f"{cluster.gateway_url}/readyz").status_code == 503
    # Nor is a valid token called invalid meanwhile: "try again", not 401.
    assert http.get(cluster.api("/assets"), headers=auth).status_code == 503

    cluster.processes["accounts"] = start_process(
        "accounts", cluster.env, log_path=cluster.logs_dir / "accounts.late.log"
    )
    while status(http, f"{accounts_url}/healthz") != 200:
        assert cluster.processes["accounts"].poll() is None, "accounts died"
        time.sleep(0.01)
    answering = time.monotonic()
    while (code := status(http, cluster.api("/assets"), headers=auth)) != 200:
        assert code in (0, 502, 503), code  # never a 401 for a valid token
        assert time.monotonic() - answering < 5.0, "the token was not accepted within 5 s"
        time.sleep(0.01)
    took_s = time.monotonic() - answering
    print(f"valid token accepted {took_s:.3f} s after accounts answered")
    assert took_s < 1.5
    wait_until_healthy(f"{cluster.gateway_url}/readyz", process=cluster.processes["gateway"])
    assert http.get(f"{ledger_url}/readyz").status_code == 200
