"""Sign access tokens with Ed25519, publish the JWKS, and mint opaque refresh tokens."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

ALGORITHM = "EdDSA"
# RFC 9068 §2.1: the header says this JWT is an access token (a type, not a secret).
ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105

_PUBLIC_KEY_PEM = re.compile(
    rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", flags=re.DOTALL
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    """Return the public key as a JWK whose `kid` is its RFC 7638 thumbprint."""
    jwk: dict[str, str] = json.loads(OKPAlgorithm.to_jwk(public_key))
    required = {k: jwk[k] for k in ("crv", "kty", "x")}
    thumbprint = hashlib.sha256(
        json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
    )
    return {**required, "kid": _b64url(thumbprint.digest()), "alg": ALGORITHM, "use": "sig"}


def load_public_keys(pem_bundle: bytes) -> tuple[Ed25519PublicKey, ...]:
    """Load every Ed25519 public key (SubjectPublicKeyInfo PEM) of a concatenated bundle."""
    blocks = _PUBLIC_KEY_PEM.findall(pem_bundle)
    if pem_bundle.strip() and not blocks:
        raise ValueError("the previous JWT keys must be PEM public keys (BEGIN PUBLIC KEY)")
    keys = []
    for block in blocks:
        key = serialization.load_pem_public_key(block)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("each previous JWT key must be an Ed25519 public key")
        keys.append(key)
    return tuple(keys)


@dataclass(frozen=True)
class SigningKey:
    """The private key that signs new tokens, with its `kid`, and other keys to publish.

    `previous` are public keys the JWKS lists after the signing key: the one it replaced (its
    tokens stay valid until they expire) or the next one, published before it signs
    (docs/OPERATIONS.md, Rotating the signing key).
    """

    private_key: Ed25519PrivateKey
    kid: str
    previous: tuple[Ed25519PublicKey, ...] = ()

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        """Load an Ed25519 private key in PEM (PKCS#8)."""
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the JWT signing key must be an Ed25519 private key")
        return cls(private_key=key, kid=public_jwk(key.public_key())["kid"])

    @classmethod
    def load(cls, pem: str, path: Path | None) -> SigningKey:
        """Load the key from `NESTEGG_JWT_PRIVATE_KEY` or `NESTEGG_JWT_PRIVATE_KEY_FILE`."""
        if pem:
            return cls.from_pem(pem.encode())
        if path is not None:
            return cls.from_pem(path.read_bytes())
        raise RuntimeError(
            "No JWT signing key: set NESTEGG_JWT_PRIVATE_KEY (PEM) or NESTEGG_JWT_PRIVATE_KEY_FILE "
            "(`make run` generates one under .nestegg/ for local use)"
        )

    def with_previous(self, pem_bundle: bytes) -> SigningKey:
        """Return this key publishing also the public keys of `pem_bundle` (PEMs, concatenated)."""
        return dataclasses.replace(self, previous=load_public_keys(pem_bundle))

    def jwks(self) -> dict[str, Any]:
        """Return the JWKS document that verifiers fetch: the signing key first, then the rest."""
        keys = [public_jwk(self.private_key.public_key())]
        for key in self.previous:
            jwk = public_jwk(key)
            if all(jwk["kid"] != known["kid"] for known in keys):
                keys.append(jwk)
        return {"keys": keys}


def generate_private_key_pem() -> bytes:
    """Return a new Ed25519 private key in PEM (PKCS#8)."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def issue_access_token(
    key: SigningKey, *, user_id: uuid.UUID, issuer: str, audience: str, now: int, ttl_s: int
) -> str:
    """Return a signed JWT for `user_id`, valid for `ttl_s` seconds from `now`.

    Exactly what docs/ARCHITECTURE.md says and `JwtVerifier` requires: header `typ: at+jwt`
    (RFC 9068) and `kid`; claims `iss`, `aud` (one string), `sub`, `iat`, `nbf`, `exp` (integers)
    and `jti`.
    """
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": str(user_id),
        "iat": now,
        "nbf": now,
        "exp": now + ttl_s,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(
        claims,
        key.private_key,
        algorithm=ALGORITHM,
        headers={"kid": key.kid, "typ": ACCESS_TOKEN_TYPE},
    )


def new_refresh_token() -> str:
    """Return a new opaque refresh token (256 random bits)."""
    return secrets.token_urlsafe(32)


def refresh_token_hash(token: str) -> bytes:
    """Return what is stored of a refresh token: its SHA-256."""
    return hashlib.sha256(token.encode()).digest()
