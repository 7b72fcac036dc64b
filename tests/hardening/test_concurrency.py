"""Racing clients and clients that hang up: one row per key, no lost update, nothing half-done."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from .conftest import Cluster, User, sign_up
from .db import connect
from .resources import PLANNABLE_PROFILE

pytestmark = pytest.mark.e2e

RACERS = 8


def race(count: int, call: Callable[[httpx.Client, int], httpx.Response]) -> list[httpx.Response]:
    """Run `call` from `count` threads released at the same instant; return the answers."""
    start = threading.Barrier(count)
    answers: list[httpx.Response | None] = [None] * count

    def one(index: int) -> None:
        with httpx.Client(timeout=30.0) as client:
            start.wait()
            answers[index] = call(client, index)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


def unhandled_errors(logs_dir: Path) -> int:
    """Count the tracebacks every process has logged so far."""
    return sum(
        line.count('"message": "unhandled error"')
        for log in logs_dir.glob("*.log")
        for line in log.read_text(errors="replace").splitlines()
    )


def assets_named(cluster: Cluster, user: User, name: str) -> int:
    with connect(cluster, "ledger") as conn:
        row = conn.execute(
            "SELECT count(*) FROM assets WHERE user_id = %s AND name = %s", (user.id, name)
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.fixture
def user(cluster: Cluster, http: httpx.Client) -> User:
    return sign_up(http, cluster.api(""), "race")


@pytest.fixture
def ready_afterwards(cluster: Cluster, http: httpx.Client) -> Iterator[None]:
    """Fail the test if a process is not ready once it is over."""
    yield
    time.sleep(0.5)  # let a handler that outlived its client finish
    for url in (*cluster.service_urls.values(), cluster.gateway_url):
        assert http.get(f"{url}/readyz").status_code == 200, url


@pytest.fixture
def no_tracebacks(cluster: Cluster) -> Iterator[None]:
    """Fail the test if a process logged an unhandled error meanwhile."""
    before = unhandled_errors(cluster.logs_dir)
    yield
    time.sleep(0.5)
    assert unhandled_errors(cluster.logs_dir) == before, "a process logged an unhandled error"


@pytest.mark.usefixtures("ready_afterwards", "no_tracebacks")
def test_concurrent_duplicate_posts_with_one_idempotency_key_create_one_row(
    cluster: Cluster, http: httpx.Client, user: User
) -> None:
    body = {"name": "Raced", "kind": "cash", "balance": "100.00"}
    headers = {**user.auth, "Idempotency-Key": "race-one"}
    answers = race(
        RACERS, lambda client, _: client.post(cluster.api("/assets"), json=body, headers=headers)
    )
    statuses = sorted(a.status_code for a in answers)
    created = [a for a in answers if a.status_code == 201]
    print(f"\nFAULT {RACERS} duplicate POSTs, one key: statuses {statuses}")
    assert set(statuses) <= {201, 409} and created, statuses
    assert len({a.json()["id"] for a in created}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") != "true" for a in created) == 1
    assert all("Retry-After" in a.headers for a in answers if a.status_code == 409)
    assert assets_named(cluster, user, "Raced") == 1
    retried = http.post(cluster.api("/assets"), json=body, headers=headers)
    assert retried.status_code == 201 and retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json()["id"] == created[0].json()["id"]


@pytest.mark.usefixtures("ready_afterwards", "no_tracebacks")
def test_concurrent_patches_with_one_etag_let_exactly_one_win(
    cluster: Cluster, http: httpx.Client, user: User
) -> None:
    made = http.post(
        cluster.api("/assets"),
        json={"name": "Start", "kind": "cash", "balance": "1.00"},
        headers=user.auth,
    )
    path, etag = f"/assets/{made.json()['id']}", made.headers["ETag"]
    answers = race(
        RACERS,
        lambda client, i: client.patch(
            cluster.api(path), json={"name": f"writer-{i}"}, headers={**user.auth, "If-Match": etag}
        ),
    )
    statuses = sorted(a.status_code for a in answers)
    print(f"\nFAULT {RACERS} PATCHes with one If-Match: statuses {statuses}")
    assert statuses == [200] + [412] * (RACERS - 1)
    winner = next(a for a in answers if a.status_code == 200)
    stored = http.get(cluster.api(path), headers=user.auth)
    assert stored.json() == winner.json() and stored.headers["ETag"] == winner.headers["ETag"]
    assert all(
        a.headers["content-type"].startswith("application/problem+json")
        for a in answers
        if a.status_code == 412
    )


@pytest.mark.usefixtures("ready_afterwards", "no_tracebacks")
def test_concurrent_patches_of_different_fields_lose_no_update(
    cluster: Cluster, http: httpx.Client, user: User
) -> None:
    made = http.post(
        cluster.api("/assets"),
        json={"name": "Start", "kind": "taxable", "balance": "1.00"},
        headers=user.auth,
    )
    path = f"/assets/{made.json()['id']}"
    changes = [
        {"name": "Renamed"},
        {"balance": "2222.00"},
        {"annual_contribution": "333.00"},
        {"contribution_end_age": 60},
        {"stock_allocation": 0.5},
    ]
    answers = race(
        len(changes),
        lambda client, i: client.patch(cluster.api(path), json=changes[i], headers=user.auth),
    )
    assert [a.status_code for a in answers] == [200] * len(changes)
    stored = http.get(cluster.api(path), headers=user.auth).json()
    assert {k: stored[k] for change in changes for k in change} == {
        "name": "Renamed",
        "balance": "2222.00",
        "annual_contribution": "333.00",
        "contribution_end_age": 60,
        "stock_allocation": 0.5,
    }


def partial_post(cluster: Cluster, user: User, url: str, path: str) -> tuple[bytes, int, bytes]:
    """Return a POST of an asset cut in the middle of its body, its port, and the whole body."""
    body = json.dumps({"name": "Half", "kind": "cash", "balance": "7.00"}).encode()
    headers = {
        "Authorization": user.auth["Authorization"],
        "Content-Type": "application/json",
        "Idempotency-Key": "half-written",
    }
    data, port = raw_request(url, "POST", path, headers, body)
    return data[: len(data) - len(body) // 2], port, body


def raw_request(
    url: str, method: str, path: str, headers: dict[str, str], body: bytes
) -> tuple[bytes, int]:
    """Return the bytes of an HTTP/1.1 request and the port to send them to."""
    where = urlsplit(url)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {where.netloc}"]
    lines += [f"{k}: {v}" for k, v in {**headers, "Content-Length": str(len(body))}.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body, where.port or 80


def hang_up(url: str, data: bytes, port: int, *, reset: bool, after_s: float = 0.0) -> None:
    """Send `data`, wait a moment, then close: with a FIN, or with an RST when `reset`."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        time.sleep(after_s)
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.usefixtures("ready_afterwards")
def test_a_client_that_hangs_up_mid_body_leaves_nothing_behind(
    cluster: Cluster, http: httpx.Client, user: User
) -> None:
    targets = [
        (cluster.gateway_url, "/api/v1/assets"),
        (cluster.service_urls["ledger"], "/assets"),  # the service itself, past the gateway
    ]
    for url, path in targets:
        data, port, body = partial_post(cluster, user, url, path)
        for reset in (False, True):
            hang_up(url, data, port, reset=reset, after_s=0.2)
    time.sleep(0.5)
    assert assets_named(cluster, user, "Half") == 0
    # The key was never claimed, so the complete request is a plain first creation.
    headers = {**user.auth, "Content-Type": "application/json", "Idempotency-Key": "half-written"}
    complete = http.post(cluster.api("/assets"), content=body, headers=headers)
    assert complete.status_code == 201, complete.text
    assert "Idempotent-Replayed" not in complete.headers
    assert assets_named(cluster, user, "Half") == 1


def test_a_client_that_hangs_up_mid_body_is_not_logged_as_a_server_error(
    cluster: Cluster, user: User
) -> None:
    before = unhandled_errors(cluster.logs_dir)
    data, port, _ = partial_post(cluster, user, cluster.gateway_url, "/api/v1/assets")
    hang_up(cluster.gateway_url, data, port, reset=False, after_s=0.2)
    time.sleep(0.5)
    assert unhandled_errors(cluster.logs_dir) == before


@pytest.mark.usefixtures("ready_afterwards", "no_tracebacks")
def test_a_client_that_hangs_up_before_the_answer_gets_all_or_nothing(
    cluster: Cluster, http: httpx.Client, user: User
) -> None:
    body = json.dumps({"name": "Unread", "kind": "cash", "balance": "8.00"}).encode()
    headers = {
        "Authorization": user.auth["Authorization"],
        "Content-Type": "application/json",
        "Idempotency-Key": "never-read",
    }
    data, port = raw_request(cluster.gateway_url, "POST", "/api/v1/assets", headers, body)
    hang_up(cluster.gateway_url, data, port, reset=True)
    time.sleep(0.5)
    # Either the creation and its stored answer both happened, or neither: a retry tells.
    retried = http.post(cluster.api("/assets"), content=body, headers=headers)
    assert retried.status_code == 201, retried.text
    assert assets_named(cluster, user, "Unread") == 1
    replayed = retried.headers.get("Idempotent-Replayed")
    print(f"\nFAULT hang-up before the answer: the retry was a replay: {replayed}")

    # A computation whose client leaves: stored once at most, and the next run answers.
    assert http.put(cluster.api("/me/profile"), json=PLANNABLE_PROFILE, headers=user.auth)
    projection = http.post(
        cluster.api("/projections"),
        json={"name": "Left", "assumptions": {"paths": 5000}},
        headers=user.auth,
    ).json()
    run_path = f"/api/v1/projections/{projection['id']}/run"
    plain = {k: v for k, v in headers.items() if k != "Idempotency-Key"}
    data, port = raw_request(cluster.gateway_url, "POST", run_path, plain, b"{}")
    hang_up(cluster.gateway_url, data, port, reset=True, after_s=0.05)
    answer = http.post(cluster.api(run_path.removeprefix("/api/v1")), headers=user.auth)
    if answer.status_code == 429:  # the abandoned run still held the user's one slot: the
        # gateway and the service notice a client leaving within 0.1 s each, then free it
        time.sleep(int(answer.headers["Retry-After"]))
        answer = http.post(cluster.api(run_path.removeprefix("/api/v1")), headers=user.auth)
    assert answer.status_code == 200, answer.text
    export = http.get(cluster.api("/me/export"), headers=user.auth).json()
    runs = [r for r in export["projections"]["runs"] if r["projection_id"] == projection["id"]]
    assert len(runs) == 1

    # A reader that stops half-way through an answer.
    with http.stream("GET", cluster.api("/me/export"), headers=user.auth) as streamed:
        assert streamed.status_code == 200
        next(streamed.iter_raw(64))
    assert http.get(cluster.api("/assets"), headers=user.auth).status_code == 200
