"""A verifier across a key rotation: both keys accepted while both are published, the old one
refused once accounts stops publishing it and the cached JWKS has aged out."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from nestegg_common.auth import JwtVerifier
from nestegg_common.errors import Unauthorized

ISSUER, AUDIENCE = "nestegg-accounts", "nestegg"


class Jwks:
    """A JWKS source whose document the test changes, as accounts' restarts would."""

    def __init__(self, *keys: dict[str, Any]) -> None:
        self.keys = list(keys)

    async def __call__(self) -> dict[str, Any]:
        return {"keys": list(self.keys)}


async def test_tokens_of_the_old_and_the_new_key_are_accepted_while_both_are_published(
    mint: Any, make_jwk: Callable[[Ed25519PrivateKey, str], dict[str, Any]]
) -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    source = Jwks(make_jwk(old, "old"))
    verifier = JwtVerifier(source, issuer=ISSUER, audience=AUDIENCE, min_refresh_s=0.0)
    old_token = mint(kid="old", key=old)
    assert (await verifier.verify(old_token)).token_id == "token-1"
    source.keys = [make_jwk(new, "new"), make_jwk(old, "old")]  # rotated: new signs, old kept
    # The new kid is unknown to the cache, so the verifier fetches the JWKS again at once.
    assert (await verifier.verify(mint(kid="new", key=new))).token_id == "token-1"
    assert (await verifier.verify(old_token)).token_id == "token-1"


async def test_a_removed_key_is_refused_once_the_cached_jwks_ages_out(
    mint: Any, make_jwk: Callable[[Ed25519PrivateKey, str], dict[str, Any]]
) -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    source = Jwks(make_jwk(new, "new"), make_jwk(old, "old"))
    # The default pause between refreshes (10 s) is shortened to the TTL when that is shorter.
    verifier = JwtVerifier(source, issuer=ISSUER, audience=AUDIENCE, ttl_s=0.2)
    old_token, new_token = mint(kid="old", key=old), mint(kid="new", key=new)
    await verifier.verify(old_token)
    source.keys = [make_jwk(new, "new")]
    await verifier.verify(old_token)  # still cached: a removal takes up to the TTL
    await asyncio.sleep(0.25)
    with pytest.raises(Unauthorized, match="unknown key"):
        await verifier.verify(old_token)
    assert (await verifier.verify(new_token)).token_id == "token-1"
