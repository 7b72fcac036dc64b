"""Sign access tokens the way accounts does, and count statements, for service-level tests."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

ISSUER, AUDIENCE = "nestegg-accounts", "nestegg"


@dataclass
class TokenFactory:
    """Signs access tokens for users that exist only in the test; serves the matching JWKS."""

    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    kid: str = "test-key"
    # Users the service under test must treat as erased (what accounts would list).
    erased: list[tuple[uuid.UUID, datetime]] = field(default_factory=list)

    def jwks(self) -> dict[str, Any]:
        """Return the JWKS document a service under test verifies against."""
        jwk = json.loads(OKPAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}]}

    async def fetch_jwks(self) -> dict[str, Any]:
        """Serve the JWKS as an app's `fetch_jwks` hook would fetch it."""
        return self.jwks()

    async def fetch_erased(self, since: datetime) -> list[tuple[uuid.UUID, datetime]]:
        """Serve the erased users as an app's `fetch_erased` hook would read them."""
        return [(user_id, at) for user_id, at in self.erased if at >= since]

    def headers(self, user_id: uuid.UUID, *, ttl_s: int = 600) -> dict[str, str]:
        """Return an `Authorization` header signing `user_id` in."""
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(user_id),
            "iat": now,
            "nbf": now,
            "exp": now + ttl_s,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(
            claims, self.key, algorithm="EdDSA", headers={"kid": self.kid, "typ": "at+jwt"}
        )
        return {"Authorization": f"Bearer {token}"}


@dataclass
class QueryCounter:
    """Counts the statements a pool runs (pass `observe` as `create_pool(query_observer=…)`)."""

    count: int = 0

    def observe(self, _record: Any) -> None:
        """Count one statement."""
        self.count += 1
