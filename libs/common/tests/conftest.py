"""Fixtures shared by the libs/common tests: an Ed25519 signing key, its JWKS, token minting."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ISSUER = "nestegg-accounts"
AUDIENCE = "nestegg"

MintToken = Callable[..., str]


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def ed25519_jwk(key: Ed25519PrivateKey, kid: str) -> dict[str, Any]:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "kid": kid, "use": "sig"}


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def jwks(signing_key: Ed25519PrivateKey) -> dict[str, Any]:
    return {"keys": [ed25519_jwk(signing_key, "key-1")]}


@pytest.fixture
def user_id() -> uuid.UUID:
    return uuid.UUID("0b7e2a52-6f0c-4c4e-9d0e-2f5d8f2b9a11")


@pytest.fixture
def claims(user_id: uuid.UUID) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": str(user_id),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": "token-1",
    }


@pytest.fixture
def mint(signing_key: Ed25519PrivateKey, claims: dict[str, Any]) -> MintToken:
    """Return a function that signs `claims` (with overrides) as an EdDSA token."""

    def mint_token(
        *,
        kid: str = "key-1",
        key: Any = None,
        drop: tuple[str, ...] = (),
        typ: str | None = "at+jwt",
        **overrides: Any,
    ) -> str:
        payload = {k: v for k, v in {**claims, **overrides}.items() if k not in drop}
        headers = {"kid": kid} if typ is None else {"kid": kid, "typ": typ}
        return jwt.encode(payload, key or signing_key, algorithm="EdDSA", headers=headers)

    return mint_token


@pytest.fixture
def make_jwk() -> Callable[[Ed25519PrivateKey, str], dict[str, Any]]:
    return ed25519_jwk
