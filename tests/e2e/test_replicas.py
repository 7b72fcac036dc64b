"""Two replicas of projections behind the gateway share each user's computation limits.

Issue 19, "Scale beyond one machine": the per-user limits were a dict in each process, so N
replicas let a user compute N times as much. They are rows in the projections database now
(projections/limits.py). Here two projections processes listen on one port
(`NESTEGG_REUSE_PORT=1`: the kernel spreads the gateway's connections between them, as a
Kubernetes Service spreads them between pods), and one user's concurrent computations reach
both: the per-minute limit still admits exactly its number, and a stored result stays a read.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from nestegg_common.testing.services import start_process, stop_process

from .conftest import Cluster, cluster_on

pytestmark = pytest.mark.e2e

PER_MINUTE = 5
SENT = 24  # at once: the gateway opens as many connections, which the two replicas share
DETERMINISTIC = {"mode": "deterministic", "tax": {"regime": "flat"}, "income_tax_rate": 0}


@pytest.fixture(scope="module")
def replicas(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with cluster_on(
        pg_server_url,
        tmp_path_factory.mktemp("replicas-logs"),
        label="replicas",
        NESTEGG_REUSE_PORT="1",
        NESTEGG_RUNS_PER_MINUTE_PER_USER=str(PER_MINUTE),
        NESTEGG_RUNS_IN_FLIGHT_PER_USER="1000",  # the minute is what this test counts
        NESTEGG_PROJECTION_WORKERS="2",
        NESTEGG_COMPUTE_MAX_PENDING="1000",
    ) as cluster:
        log = cluster.logs_dir / "projections.second.log"
        second = start_process("projections", cluster.env, log_path=log)
        try:
            cluster.processes["projections (second)"] = second
            # Both replicas listen once the second answers its own readiness: ask until the
            # kernel has given one of several fresh connections to it.
            for _ in range(200):
                if second.poll() is not None:
                    raise RuntimeError(log.read_text()[-2000:])
                httpx.get(f"{cluster.service_urls['projections']}/readyz", timeout=5)
                if b"/readyz" in log.read_bytes():
                    break
            else:
                raise RuntimeError("the second replica never answered")
            yield cluster
        finally:
            stop_process(second)
            cluster.processes.pop("projections (second)", None)


def sign_up(cluster: Cluster) -> tuple[dict[str, str], str]:
    """Register someone with a profile, savings and a projection; return auth and its id."""
    email = f"replicas-{uuid.uuid4().hex[:10]}@example.com"
    with httpx.Client(timeout=15) as http:
        body = {"email": email, "password": "correct horse battery"}
        assert http.post(cluster.api("/auth/register"), json=body).status_code == 201
        tokens = http.post(cluster.api("/auth/login"), json=body).json()
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        profile = {
            "birth_date": f"{date.today().year - 60}-01-01",
            "retirement_age": 65,
            "life_expectancy": 90,
        }
        assert http.put(cluster.api("/me/profile"), json=profile, headers=auth).is_success
        asset = {"name": "Savings", "kind": "taxable", "balance": "800000"}
        assert http.post(cluster.api("/assets"), json=asset, headers=auth).is_success
        body = {"name": "Plan", "assumptions": DETERMINISTIC}
        created = http.post(cluster.api("/projections"), json=body, headers=auth)
        assert created.status_code == 201, created.text
        return auth, created.json()["id"]


async def at_once(cluster: Cluster, path: str, bodies: list[dict], auth: dict[str, str]) -> list:
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        return list(
            await asyncio.gather(
                *(client.post(cluster.api(path), json=body, headers=auth) for body in bodies)
            )
        )


def served(cluster: Cluster, action: str) -> list[int]:
    """How many `action` requests each replica's access log shows."""
    logs = (cluster.logs_dir / "projections.log", cluster.logs_dir / "projections.second.log")
    return [log.read_text(errors="replace").count(f"/{action}") for log in logs]


def test_the_per_minute_limit_holds_across_two_replicas(replicas: Cluster) -> None:
    auth, pid = sign_up(replicas)
    before = served(replicas, "solve")
    # Solves are never stored: each admitted one is a computation.
    bodies = [{"target": "annual_spending", "success_rate": 0.5 + n / 100} for n in range(SENT)]
    answers = asyncio.run(at_once(replicas, f"/projections/{pid}/solve", bodies, auth))
    statuses = sorted(a.status_code for a in answers)
    after = served(replicas, "solve")
    each = [b - a for a, b in zip(before, after, strict=True)]
    assert sum(each) == SENT and min(each) > PER_MINUTE, each  # each alone could admit 5
    assert statuses == [200] * PER_MINUTE + [429] * (SENT - PER_MINUTE), statuses
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.json()["type"] == "urn:nestegg:problem:too-many-requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 61


def test_stored_results_are_read_on_either_replica_past_the_limit(replicas: Cluster) -> None:
    auth, pid = sign_up(replicas)
    first = httpx.post(replicas.api(f"/projections/{pid}/run"), json={}, headers=auth, timeout=30)
    assert first.status_code == 200 and first.json()["cached"] is False, first.text[:300]
    before = served(replicas, "run")
    answers = asyncio.run(at_once(replicas, f"/projections/{pid}/run", [{}] * SENT, auth))
    each = [b - a for a, b in zip(before, served(replicas, "run"), strict=True)]
    assert min(each) > 0, each
    assert [a.status_code for a in answers] == [200] * SENT
    assert {a.json()["run_id"] for a in answers} == {first.json()["run_id"]}
    assert all(a.json()["cached"] for a in answers)
