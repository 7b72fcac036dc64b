"""Verify access tokens against accounts' JWKS, and the service token on `/internal/`."""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import web

from nestegg_common.errors import Unauthorized
from nestegg_common.problems import Handler

_LOGGER = logging.getLogger(__name__)

# Only asymmetric algorithms: a token can never pick HS256 (key confusion) or `none`.
ALLOWED_ALGORITHMS = ("EdDSA", "ES256")

USER_ID = web.RequestKey("user_id", uuid.UUID)

FetchJwks = Callable[[], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says."""

    user_id: uuid.UUID
    expires_at: int
    token_id: str


class JwtVerifier:
    """Check signature, algorithm, `exp`, `iss` and `aud` with keys from a JWKS document.

    The key set is cached for `ttl_s` and fetched again at once when a token names an unknown
    `kid` (a key rotation), but at most every `min_refresh_s`, so random `kid`s cannot make us
    hammer accounts.
    """

    def __init__(
        self,
        fetch_jwks: FetchJwks,
        *,
        issuer: str,
        audience: str,
        ttl_s: float = 300.0,
        min_refresh_s: float = 10.0,
    ) -> None:
        self._fetch_jwks = fetch_jwks
        self._issuer = issuer
        self._audience = audience
        self._ttl_s = ttl_s
        self._min_refresh_s = min(min_refresh_s, ttl_s)
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            if age < self._min_refresh_s or (not force and age < self._ttl_s):
                return
            try:
                document = await self._fetch_jwks()
                keys = jwt.PyJWKSet.from_dict(document).keys
            except Exception as err:  # an unreachable accounts must not turn into a 500
                _LOGGER.warning("could not refresh the JWKS: %s", type(err).__name__)
                # A failed fetch counts as a fetch, so a down accounts is not asked on every call.
                self._fetched_at = time.monotonic()
                if not self._keys:
                    raise Unauthorized("Tokens cannot be checked right now; try again.") from err
                return
            self._keys = {k.key_id: k for k in keys if k.key_id}
            self._fetched_at = time.monotonic()

    async def _key_for(self, kid: str) -> jwt.PyJWK:
        if time.monotonic() - self._fetched_at >= self._ttl_s:
            await self._refresh(force=False)
        if kid not in self._keys:
            await self._refresh(force=True)
        key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("The access token was signed with an unknown key.")
        return key

    async def verify(self, token: str) -> AccessClaims:
        """Return the claims of a valid access token; raise 401 for anything else."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as err:
            raise Unauthorized("The access token is malformed.") from err
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise Unauthorized("The access token uses an algorithm that is not accepted.")
        if not isinstance(kid, str):
            raise Unauthorized("The access token names no key (`kid`).")
        key = await self._key_for(kid)
        if key.algorithm_name != algorithm:
            # A token may not pick how a key is used: an ES256 header on an Ed25519 key is forged.
            raise Unauthorized("The access token's algorithm does not match its key.")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
            )
            return AccessClaims(
                user_id=uuid.UUID(claims["sub"]),
                expires_at=int(claims["exp"]),
                token_id=str(claims["jti"]),
            )
        except jwt.ExpiredSignatureError as err:
            raise Unauthorized("The access token has expired; refresh it.") from err
        except (jwt.PyJWTError, ValueError, TypeError) as err:
            raise Unauthorized("The access token is not valid.") from err


def bearer_token(request: web.Request) -> str:
    """Return the bearer token of the `Authorization` header, or raise 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an access token as `Authorization: Bearer <token>`.")
    return token.strip()


def user_auth_middleware(verifier: JwtVerifier, *, public_prefixes: Iterable[str]) -> Any:
    """Require a valid access token everywhere except the public and `/internal/` paths."""
    public = (*public_prefixes, "/internal/")

    @web.middleware
    async def authenticate_user(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(public) or request.path in ("/healthz", "/readyz", "/metrics"):
            return await handler(request)
        claims = await verifier.verify(bearer_token(request))
        request[USER_ID] = claims.user_id
        return await handler(request)

    return authenticate_user


def internal_auth_middleware(internal_token: str) -> Any:
    """Require the deployment's service token on every `/internal/` path."""
    expected = internal_token.encode()

    @web.middleware
    async def authenticate_service(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/internal/"):
            given = bearer_token(request).encode()
            # An empty configured token must not match an empty header: refuse everything then.
            if not expected or not hmac.compare_digest(given, expected):
                raise Unauthorized("This endpoint is for Nestegg's own services.")
        return await handler(request)

    return authenticate_service


def current_user_id(request: web.Request) -> uuid.UUID:
    """Return the authenticated user's id (set by the auth middleware)."""
    return request[USER_ID]
