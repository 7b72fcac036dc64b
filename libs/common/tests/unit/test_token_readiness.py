"""The verifier's keys at start (issue 13, item 4) and its set of erased users (item 1)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nestegg_common.auth import JwtVerifier
from nestegg_common.erasure import AccountErased, ErasedSince, ErasedUsers
from nestegg_common.errors import ServiceUnavailable

ISSUER = "nestegg-accounts"
AUDIENCE = "nestegg"


class FlakyJwks:
    """A JWKS source that fails until `up` is set, recording when it was asked."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.up = False
        self.asked_at: list[float] = []

    async def __call__(self) -> dict[str, Any]:
        self.asked_at.append(time.monotonic())
        if not self.up:
            raise ConnectionError("accounts is starting")
        return self.document


class ErasedSource:
    """What accounts would list as erased, failing while `up` is false."""

    def __init__(self, *rows: tuple[uuid.UUID, datetime]) -> None:
        self.rows = list(rows)
        self.up = True
        self.asked_since: list[datetime] = []

    async def __call__(self, since: datetime) -> ErasedSince:
        self.asked_since.append(since)
        if not self.up:
            raise ConnectionError("accounts is down")
        return [(u, at) for u, at in self.rows if at >= since]


async def test_keys_are_fetched_again_within_milliseconds_until_accounts_answers(
    jwks: dict[str, Any],
) -> None:
    source = FlakyJwks(jwks)
    verifier = JwtVerifier(
        source, issuer=ISSUER, audience=AUDIENCE, retry_base_s=0.01, retry_max_s=0.1
    )
    keeper = asyncio.create_task(verifier.keep_keys())
    await asyncio.sleep(0.5)
    assert not verifier.has_keys and verifier.not_ready() == ["keys"]
    # 10, 20, 40, 80 ms, then every 100 ms: a handful of tries, not one per request or per 10 s.
    assert 5 <= len(source.asked_at) <= 10
    source.up = True
    answering = time.monotonic()
    await asyncio.wait_for(keeper, 1.0)
    assert verifier.has_keys and verifier.not_ready() == []
    assert source.asked_at[-1] - answering <= 0.1 + 0.05


async def test_a_request_while_no_key_is_held_is_503_and_does_not_hammer_accounts(
    jwks: dict[str, Any], mint: Any
) -> None:
    source = FlakyJwks(jwks)
    verifier = JwtVerifier(
        source, issuer=ISSUER, audience=AUDIENCE, retry_base_s=0.2, retry_max_s=1.0
    )
    for _ in range(20):
        with pytest.raises(ServiceUnavailable):
            await verifier.verify(mint())
    assert len(source.asked_at) == 1  # the next try waits for the back-off


async def test_unknown_kids_while_accounts_is_down_ask_at_most_once_per_back_off_step(
    jwks: dict[str, Any], mint: Any
) -> None:
    source = FlakyJwks(jwks)
    source.up = True
    verifier = JwtVerifier(
        source, issuer=ISSUER, audience=AUDIENCE, min_refresh_s=0.0, retry_max_s=0.1
    )
    await verifier.verify(mint())
    source.up = False
    started = time.monotonic()
    while time.monotonic() - started < 0.5:
        with pytest.raises(Exception, match="unknown key"):
            await verifier.verify(mint(kid=f"random-{uuid.uuid4()}"))
        await asyncio.sleep(0.001)
    assert len(source.asked_at) <= 1 + 0.5 / 0.05  # back-off 50 ms doubling, capped at 100 ms


def erased_verifier(jwks: dict[str, Any], erased: ErasedUsers) -> JwtVerifier:
    async def fetch() -> dict[str, Any]:
        return jwks

    return JwtVerifier(fetch, issuer=ISSUER, audience=AUDIENCE, erased=erased)


async def test_an_erased_users_token_is_refused_even_when_remembered(
    jwks: dict[str, Any], mint: Any, user_id: uuid.UUID
) -> None:
    erased = ErasedUsers(ErasedSource())
    await erased.refresh()
    verifier = erased_verifier(jwks, erased)
    token = mint()
    assert (await verifier.verify(token)).user_id == user_id  # now remembered
    erased.add(user_id)
    with pytest.raises(AccountErased) as refused:
        await verifier.verify(token)
    assert refused.value.status == 401
    assert refused.value.detail == "This account was deleted."


async def test_no_token_is_judged_before_the_erased_users_are_loaded(
    jwks: dict[str, Any], mint: Any
) -> None:
    source = ErasedSource()
    source.up = False
    erased = ErasedUsers(source, retry_base_s=0.01, retry_max_s=0.05)
    verifier = erased_verifier(jwks, erased)
    loader = asyncio.create_task(erased.run())
    try:
        with pytest.raises(ServiceUnavailable):
            await verifier.verify(mint())
        assert verifier.not_ready() == ["keys", "erased_users"] or verifier.not_ready() == [
            "erased_users"
        ]
        source.up = True
        assert await erased.wait_loaded(1.0)
        assert (await verifier.verify(mint())).token_id == "token-1"
        assert verifier.not_ready() == []
    finally:
        loader.cancel()


async def test_a_restarted_process_loads_the_erasures_of_the_last_token_lifetime(
    jwks: dict[str, Any], mint: Any, user_id: uuid.UUID
) -> None:
    now = datetime.now(UTC)
    long_ago = uuid.uuid4()
    source = ErasedSource(
        (long_ago, now - timedelta(hours=3)), (user_id, now - timedelta(minutes=5))
    )
    erased = ErasedUsers(source)
    await erased.refresh()
    assert user_id in erased and long_ago not in erased
    assert now - timedelta(hours=1, minutes=2) < source.asked_since[0] < now - timedelta(hours=1)
    with pytest.raises(AccountErased):
        await erased_verifier(jwks, erased).verify(mint())


async def test_polls_ask_from_a_little_before_the_newest_erasure_seen() -> None:
    now = datetime.now(UTC)
    source = ErasedSource((uuid.uuid4(), now))
    erased = ErasedUsers(source)
    await erased.refresh()
    late_committer = uuid.uuid4()  # stamped earlier, committed after the first read
    source.rows.append((late_committer, now - timedelta(seconds=5)))
    await erased.refresh()
    assert source.asked_since[1] == now - timedelta(seconds=60)
    assert late_committer in erased


def test_users_erased_longer_ago_than_any_token_lives_are_forgotten() -> None:
    erased = ErasedUsers(ErasedSource(), remember_for_s=60.0)
    old, recent = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    erased.add(old, now - timedelta(seconds=61))
    erased.add(recent, now - timedelta(seconds=59))
    erased._forget_old(now)
    assert old not in erased and recent in erased
