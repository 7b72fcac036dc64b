"""JwtVerifier remembers verified tokens: checked once, and never trusted past their `exp`, their
maximum age, or the key that signed them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from nestegg_common.auth import JwtVerifier
from nestegg_common.errors import Unauthorized

ISSUER, AUDIENCE = "nestegg-accounts", "nestegg"


class Jwks:
    """A JWKS source whose document the test changes, as accounts' key rotations would."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    async def __call__(self) -> dict[str, Any]:
        return self.document


@pytest.fixture
def signature_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every token that reaches `jwt.decode`, where the signature is checked."""
    checked: list[str] = []
    decode = jwt.decode

    def counting_decode(token: str, *args: Any, **kwargs: Any) -> Any:
        checked.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)
    return checked


def verifier_for(document: dict[str, Any] | Jwks, **kwargs: Any) -> JwtVerifier:
    source = document if isinstance(document, Jwks) else Jwks(document)
    return JwtVerifier(source, issuer=ISSUER, audience=AUDIENCE, **kwargs)


async def test_a_token_verified_once_is_not_checked_again(
    jwks: dict[str, Any], mint: Any, signature_checks: list[str]
) -> None:
    verifier, token = verifier_for(jwks), mint()
    first = await verifier.verify(token)
    assert await verifier.verify(token) == first
    assert await verifier.verify(token) == first
    assert len(signature_checks) == 1


async def test_a_remembered_token_is_refused_once_it_expires(
    jwks: dict[str, Any], mint: Any, signature_checks: list[str]
) -> None:
    # `exp` is in whole seconds: at least half a second to verify in, at most 1.5 s to wait.
    expires_at = int(time.time() + 0.5) + 1
    verifier, token = verifier_for(jwks), mint(exp=expires_at)
    await verifier.verify(token)
    await asyncio.sleep(expires_at - time.time() + 0.01)
    with pytest.raises(Unauthorized, match="expired"):
        await verifier.verify(token)
    assert len(signature_checks) == 2


async def test_a_remembered_token_is_refused_once_its_key_leaves_the_jwks(
    mint: Any, make_jwk: Callable[[Ed25519PrivateKey, str], dict[str, Any]]
) -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    source = Jwks({"keys": [make_jwk(new, "new"), make_jwk(old, "old")]})
    verifier = verifier_for(source, ttl_s=0.05)
    old_token = mint(kid="old", key=old)
    await verifier.verify(old_token)
    source.document = {"keys": [make_jwk(new, "new")]}
    await verifier.verify(old_token)  # the key set is not refreshed yet
    await asyncio.sleep(0.06)
    for _ in range(2):
        with pytest.raises(Unauthorized, match="unknown key"):
            await verifier.verify(old_token)


async def test_a_refresh_that_keeps_the_key_keeps_its_tokens_remembered(
    jwks: dict[str, Any], mint: Any, signature_checks: list[str]
) -> None:
    source = Jwks(jwks)
    verifier = verifier_for(source, ttl_s=0.0, min_refresh_s=0.0)  # a fetch on every verify
    token = mint()
    for _ in range(3):
        source.document = {"keys": [dict(key) for key in jwks["keys"]]}  # equal, not the same
        await verifier.verify(token)
    assert len(signature_checks) == 1


async def test_a_kid_that_comes_to_name_another_key_drops_its_remembered_tokens(
    jwks: dict[str, Any],
    mint: Any,
    make_jwk: Callable[[Ed25519PrivateKey, str], dict[str, Any]],
    signature_checks: list[str],
) -> None:
    source = Jwks(jwks)
    verifier = verifier_for(source, ttl_s=0.0, min_refresh_s=0.0)
    token = mint()
    await verifier.verify(token)
    source.document = {"keys": [make_jwk(Ed25519PrivateKey.generate(), "key-1")]}
    with pytest.raises(Unauthorized, match="not valid"):
        await verifier.verify(token)
    assert len(signature_checks) == 2


async def test_a_tampered_or_malformed_token_is_refused_every_time(
    jwks: dict[str, Any], mint: Any, signature_checks: list[str]
) -> None:
    verifier, token = verifier_for(jwks), mint()
    await verifier.verify(token)
    header, payload, signature = token.split(".")
    other = mint(jti="token-2").split(".")[1]
    tampered = f"{header}.{other}.{signature}"
    for _ in range(3):
        with pytest.raises(Unauthorized, match="not valid"):
            await verifier.verify(tampered)
        with pytest.raises(Unauthorized, match="malformed"):
            await verifier.verify(f"{header}.{payload}")
    assert signature_checks == [token, tampered, tampered, tampered]


async def test_a_token_signed_by_another_key_is_refused_every_time(
    jwks: dict[str, Any], mint: Any, signature_checks: list[str]
) -> None:
    verifier, forged = verifier_for(jwks), mint(key=Ed25519PrivateKey.generate())
    for _ in range(3):
        with pytest.raises(Unauthorized, match="not valid"):
            await verifier.verify(forged)
    assert len(signature_checks) == 3


async def test_a_token_is_checked_again_after_the_maximum_age(
    jwks: dict[str, Any], mint: Any, signature_checks: list[str]
) -> None:
    verifier, token = verifier_for(jwks, cache_max_age_s=0.05), mint()
    await verifier.verify(token)
    await verifier.verify(token)
    await asyncio.sleep(0.06)
    await verifier.verify(token)
    await verifier.verify(token)
    assert len(signature_checks) == 2


async def test_the_cache_never_grows_past_its_size(
    jwks: dict[str, Any], mint: Any, signature_checks: list[str]
) -> None:
    verifier = verifier_for(jwks, cache_size=3)
    tokens = [mint(jti=f"token-{n}") for n in range(10)]
    for token in tokens:
        await verifier.verify(token)
        assert len(verifier._verified) <= 3
    del signature_checks[:]
    for token in reversed(tokens):
        await verifier.verify(token)
    assert signature_checks == tokens[6::-1]  # only the last three were remembered


async def test_the_least_recently_used_token_is_forgotten_first(
    jwks: dict[str, Any], mint: Any, signature_checks: list[str]
) -> None:
    verifier = verifier_for(jwks, cache_size=3)
    tokens = [mint(jti=f"token-{n}") for n in range(4)]
    for token in tokens[:3]:
        await verifier.verify(token)
    await verifier.verify(tokens[0])  # the oldest, but now the most recently used
    await verifier.verify(tokens[3])
    del signature_checks[:]
    await verifier.verify(tokens[0])
    await verifier.verify(tokens[1])
    assert signature_checks == [tokens[1]]


async def test_a_cache_size_of_zero_remembers_nothing(
    jwks: dict[str, Any], mint: Any, signature_checks: list[str]
) -> None:
    verifier, token = verifier_for(jwks, cache_size=0), mint()
    for _ in range(3):
        await verifier.verify(token)
    assert len(signature_checks) == 3
    assert not verifier._verified


def test_a_negative_cache_size_is_refused() -> None:
    with pytest.raises(ValueError, match="cache_size"):
        verifier_for({"keys": []}, cache_size=-1)
