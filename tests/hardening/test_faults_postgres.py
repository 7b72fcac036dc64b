"""PostgreSQL restarts under load: every service recovers by itself, `/readyz` tells the truth.

This needs a server the test may stop, so it brings its own (and its own four processes); the
session's server is left alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..e2e.conftest import cluster_on
from .conftest import Cluster, sign_up
from .db import rows_of
from .load import Load, Poller, describe, wait_for
from .own_cluster import OwnPostgres, own_postgres
from .resources import PLANNABLE_PROFILE

pytestmark = pytest.mark.e2e

OUTAGE_S = 4.0
RECOVERY_LIMIT_S = 20.0  # from the server's return to every /readyz answering 200


@pytest.fixture(scope="module")
def restartable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OwnPostgres, Cluster]]:
    logs: Path = tmp_path_factory.mktemp("own-pg-logs")
    with own_postgres() as server, cluster_on(server.url, logs) as own:
        yield server, own


def test_every_service_recovers_by_itself_from_a_postgres_restart_and_readyz_tells_the_truth(
    restartable: tuple[OwnPostgres, Cluster], http: httpx.Client
) -> None:
    server, cluster = restartable
    user = sign_up(http, cluster.api(""), "pg")
    asset = {"name": "Cash", "kind": "cash", "balance": "10.00"}
    assert http.post(cluster.api("/assets"), json=asset, headers=user.auth).status_code == 201
    readiness = {name: f"{url}/readyz" for name, url in cluster.service_urls.items()}
    readiness["gateway"] = f"{cluster.gateway_url}/readyz"

    with (
        Load(cluster.api("/assets"), user.auth, clients=3) as load,
        Poller(readiness) as ready,
    ):
        time.sleep(1.0)
        stop_from = time.monotonic()
        server.stop()
        stopped_at = time.monotonic()
        time.sleep(OUTAGE_S)
        start_from = time.monotonic()
        server.start()
        started_at = time.monotonic()
        wait_for(
            lambda: all(ready.first_ok_after(n, started_at) for n in readiness),
            timeout_s=RECOVERY_LIMIT_S,
        )
        recovered = {n: (ready.first_ok_after(n, started_at) or 0) - started_at for n in readiness}
        all_ready_at = started_at + max(recovered.values())
        time.sleep(2.0)
        done_at = time.monotonic()

    before = load.between(0, stop_from)
    down = load.between(stopped_at, start_from)
    after = load.between(all_ready_at, done_at)
    first_api_ok = next(
        (s.ended - started_at for s in load.samples if s.started >= started_at and s.status == 200),
        None,
    )
    print(
        f"\nFAULT postgres restart: stop took {stopped_at - stop_from:.1f} s, down {OUTAGE_S} s, "
        f"start took {started_at - start_from:.1f} s; API before {describe(before)}; "
        f"down {describe(down)}; readyz 200 again after "
        f"{ {n: round(t, 2) for n, t in recovered.items()} } s; first API 200 after "
        f"{first_api_ok:.2f} s; after {describe(after)}; readyz while down "
        f"{ {n: sorted({s.status for s in ready.between(n, stopped_at, start_from)}) for n in readiness} }"  # noqa: E501
    )
    assert before and all(s.status == 200 for s in before)
    # While the server is down: every /readyz says 503, every API answer is a quick problem.
    for name in readiness:
        while_down = ready.between(name, stopped_at, start_from)
        assert while_down and {s.status for s in while_down} == {503}, name
    assert down and all(s.status is not None and s.status >= 500 for s in down), describe(down)
    assert all(s.content_type.startswith("application/problem+json") for s in down)
    assert max(s.elapsed for s in down) < 10.0, "a request hung while the database was down"
    # Afterwards, by themselves: every /readyz says 200 and the API answers again.
    assert after and all(s.status == 200 for s in after), describe(after)
    for name in readiness:
        assert all(s.status == 200 for s in ready.between(name, all_ready_at + 0.5, done_at))

    # Writes, logins and accounts' outbox dispatcher work again too.
    again = sign_up(http, cluster.api(""), "pg-after")
    assert (
        http.put(cluster.api("/me/profile"), json=PLANNABLE_PROFILE, headers=again.auth).status_code
        == 200
    )
    assert http.post(cluster.api("/assets"), json=asset, headers=again.auth).status_code == 201
    assert http.delete(cluster.api("/me"), headers=again.auth).status_code == 204
    delivered_in = wait_for(lambda: not any(rows_of(cluster, again.id).values()), timeout_s=15)
    print(f"FAULT postgres restart: an erasure after it reached the ledger in {delivered_in:.1f} s")


def test_while_the_database_is_down_the_api_answers_a_documented_503(
    restartable: tuple[OwnPostgres, Cluster], http: httpx.Client
) -> None:
    server, cluster = restartable
    user = sign_up(http, cluster.api(""), "pg-503")
    server.stop()
    try:
        answer = http.get(cluster.api("/assets"), headers=user.auth)
    finally:
        server.start()
        wait_for(
            lambda: all(
                http.get(f"{url}/readyz").status_code == 200
                for url in (*cluster.service_urls.values(), cluster.gateway_url)
            ),
            timeout_s=RECOVERY_LIMIT_S,
        )
    document = http.get(cluster.api("/openapi.json")).json()
    assert answer.status_code == 503, answer.text
    assert "Retry-After" in answer.headers
    assert "503" in document["paths"]["/api/v1/assets"]["get"]["responses"]
