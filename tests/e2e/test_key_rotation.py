"""Rotating the signing key as docs/OPERATIONS.md describes it, with real processes.

Accounts, ledger and the gateway run on their own here (accounts is restarted with new keys):
key A signs; B is published beside it; B signs and A stays published: tokens of both keys are
accepted everywhere; A is retired: once the verifiers' JWKS cache ages out
(NESTEGG_JWKS_CACHE_TTL_S, 2 s here), A's tokens are refused everywhere and B's still work.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from accounts.tokens import SigningKey, generate_private_key_pem
from nestegg_common.migrations import apply_migrations
from nestegg_common.settings import with_database
from nestegg_common.testing.postgres import drop_database, unique_database_name
from nestegg_common.testing.services import (
    TestSecrets,
    free_port,
    start_process,
    stop_process,
    wait_until_healthy,
)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
JWKS_TTL_S = 2.0


@dataclass
class Trio:
    """Accounts, ledger and the gateway, and how to restart accounts with other keys."""

    env: dict[str, str]
    ports: dict[str, int]
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self, name: str, **extra: str) -> None:
        log = self.logs / f"{name}-{len(list(self.logs.iterdir()))}.log"
        self.processes[name] = start_process(name, {**self.env, **extra}, log_path=log)
        wait_until_healthy(f"{self.url(name)}/healthz", process=self.processes[name])

    def restart_accounts(self, *, signing: str, previous: str = "") -> None:
        stop_process(self.processes["accounts"])
        self.start(
            "accounts",
            NESTEGG_JWT_PRIVATE_KEY=signing,
            NESTEGG_JWT_PREVIOUS_PUBLIC_KEYS=previous,
        )


@pytest.fixture(scope="module")
def trio(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trio]:
    names = ("accounts", "ledger", "gateway")
    ports = {name: free_port() for name in names}
    databases = {name: unique_database_name(f"rotation_{name}") for name in names[:2]}
    for name, database in databases.items():
        apply_migrations(
            with_database(pg_server_url, database), ROOT / "services" / name / "migrations"
        )
    env = {
        "NESTEGG_INTERNAL_TOKEN": TestSecrets().internal_token,
        "NESTEGG_DATABASE_URL": pg_server_url,
        "NESTEGG_JWKS_CACHE_TTL_S": str(JWKS_TTL_S),
        "NESTEGG_EVENT_SUBSCRIBERS": "ledger",
        "NESTEGG_OUTBOX_DISPATCHER_ENABLED": "false",
        **{f"NESTEGG_{n.upper()}_PORT": str(p) for n, p in ports.items()},
        **{f"NESTEGG_{n.upper()}_DATABASE": d for n, d in databases.items()},
        **{f"NESTEGG_{n.upper()}_URL": f"http://127.0.0.1:{ports[n]}" for n in names[:2]},
    }
    trio = Trio(env=env, ports=ports, logs=tmp_path_factory.mktemp("rotation-logs"))
    try:
        yield trio
    finally:
        for process in trio.processes.values():
            stop_process(process)
        for database in databases.values():
            drop_database(pg_server_url, database)


def public_pem(private_pem: bytes) -> str:
    key = SigningKey.from_pem(private_pem).private_key
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def statuses(trio: Trio, token: str) -> dict[str, int]:
    """Where the token is checked: the gateway (then accounts or ledger), and each directly."""
    headers = {"Authorization": f"Bearer {token}"}
    gateway = f"{trio.url('gateway')}/api/v1"
    urls = {
        "gateway → accounts": f"{gateway}/me",
        "gateway → ledger": f"{gateway}/assets",
        "accounts": f"{trio.url('accounts')}/me",
        "ledger": f"{trio.url('ledger')}/assets",
    }
    return {where: httpx.get(url, headers=headers).status_code for where, url in urls.items()}


def log_in(trio: Trio, email: str) -> dict[str, str]:
    login = httpx.post(
        f"{trio.url('gateway')}/api/v1/auth/login", json={"email": email, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    pair: dict[str, str] = login.json()
    return pair


def kid_of(token: str) -> str:
    kid: str = jwt.get_unverified_header(token)["kid"]
    return kid


def test_tokens_of_the_old_key_are_accepted_after_rotation_until_the_key_is_removed(
    trio: Trio,
) -> None:
    key_a, key_b = generate_private_key_pem(), generate_private_key_pem()
    kid_a, kid_b = SigningKey.from_pem(key_a).kid, SigningKey.from_pem(key_b).kid
    everywhere_ok = dict.fromkeys(
        ("gateway → accounts", "gateway → ledger", "accounts", "ledger"), 200
    )

    # 1. A signs.
    trio.start("accounts", NESTEGG_JWT_PRIVATE_KEY=key_a.decode())
    trio.start("ledger")
    trio.start("gateway")
    email = f"rotation-{uuid.uuid4().hex[:10]}@example.com"
    gateway = f"{trio.url('gateway')}/api/v1"
    httpx.post(f"{gateway}/auth/register", json={"email": email, "password": PASSWORD})
    old = log_in(trio, email)
    assert kid_of(old["access_token"]) == kid_a
    assert statuses(trio, old["access_token"]) == everywhere_ok

    # 2. Publish B beside A; A still signs.
    trio.restart_accounts(signing=key_a.decode(), previous=public_pem(key_b))
    jwks = httpx.get(f"{trio.url('accounts')}/.well-known/jwks.json").json()
    assert [k["kid"] for k in jwks["keys"]] == [kid_a, kid_b]
    assert kid_of(log_in(trio, email)["access_token"]) == kid_a
    assert statuses(trio, old["access_token"]) == everywhere_ok

    # 3. Rotate: B signs, A's public key stays published.
    trio.restart_accounts(signing=key_b.decode(), previous=public_pem(key_a))
    jwks = httpx.get(f"{trio.url('accounts')}/.well-known/jwks.json").json()
    assert [k["kid"] for k in jwks["keys"]] == [kid_b, kid_a]
    time.sleep(JWKS_TTL_S + 0.5)  # every verifier has fetched the new JWKS by now
    new = log_in(trio, email)
    assert kid_of(new["access_token"]) == kid_b
    assert statuses(trio, new["access_token"]) == everywhere_ok
    assert statuses(trio, old["access_token"]) == everywhere_ok
    # A refresh token from before the rotation still works and gets a token signed by B.
    refreshed = httpx.post(f"{gateway}/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert refreshed.status_code == 200 and kid_of(refreshed.json()["access_token"]) == kid_b

    # 4. A's tokens would have expired by now (≤ 15 min); 5. retire A.
    trio.restart_accounts(signing=key_b.decode())
    time.sleep(JWKS_TTL_S + 0.5)
    assert statuses(trio, old["access_token"]) == dict.fromkeys(everywhere_ok, 401)
    refused = httpx.get(
        f"{trio.url('ledger')}/assets", headers={"Authorization": f"Bearer {old['access_token']}"}
    )
    assert refused.json()["detail"] == "The access token was signed with an unknown key."
    assert statuses(trio, new["access_token"]) == everywhere_ok
