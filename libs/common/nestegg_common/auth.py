"""Verify access tokens against accounts' JWKS, and the service token on `/internal/`."""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
import uuid
from collections import OrderedDict
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


@dataclass(frozen=True, slots=True)
class _Verified:
    """A token that passed every check, the key that signed it, and until when to trust it."""

    claims: AccessClaims
    kid: str
    key: jwt.PyJWK
    fresh_until: float  # time.monotonic()


class JwtVerifier:
    """Check signature, algorithm, `exp`, `iss` and `aud` with keys from a JWKS document.

    The key set is cached for `ttl_s` and fetched again at once when a token names an unknown
    `kid` (a key rotation), but at most every `min_refresh_s`, so random `kid`s cannot make us
    hammer accounts.

    Verified tokens are remembered (the `cache_size` most recently used; 0 turns this off), so
    the gateway and a service check a token's signature once, not on every request. A
    remembered token is trusted until its `exp`, for at most `cache_max_age_s`, and only while
    the key that signed it is still in the key set: a key taken out of the JWKS takes its
    tokens with it at the next refresh. Refusals are never remembered.
    """

    def __init__(
        self,
        fetch_jwks: FetchJwks,
        *,
        issuer: str,
        audience: str,
        ttl_s: float = 300.0,
        min_refresh_s: float = 10.0,
        cache_size: int = 10_000,
        cache_max_age_s: float = 60.0,
    ) -> None:
        if cache_size < 0:
            raise ValueError("cache_size is a number of tokens, 0 to remember none.")
        self._fetch_jwks = fetch_jwks
        self._issuer = issuer
        self._audience = audience
        self._ttl_s = ttl_s
        self._min_refresh_s = min(min_refresh_s, ttl_s)
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()
        self._cache_size = cache_size
        self._cache_max_age_s = cache_max_age_s
        self._verified: OrderedDict[str, _Verified] = OrderedDict()

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
            self._keys = self._keep_unchanged({k.key_id: k for k in keys if k.key_id})
            self._fetched_at = time.monotonic()

    def _keep_unchanged(self, keys: dict[str, jwt.PyJWK]) -> dict[str, jwt.PyJWK]:
        """Reuse the objects of keys published as before, so their remembered tokens stay valid.

        A remembered token is only trusted while its key object is still in the set, so a `kid`
        that now names other key material drops what was verified with the old one.
        """
        kept = {}
        for kid, key in keys.items():
            old = self._keys.get(kid)
            if old is not None and old.algorithm_name == key.algorithm_name and old.key == key.key:
                kept[kid] = old
            else:
                kept[kid] = key
        return kept

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
        if token in self._verified:
            # A remembered token still waits for the periodic refresh, which is how a key taken
            # out of the JWKS stops being trusted; between refreshes this is one clock read.
            if time.monotonic() - self._fetched_at >= self._ttl_s:
                await self._refresh(force=False)
            claims = self._remembered(token)
            if claims is not None:
                return claims
        verified = await self._verify_in_full(token)
        if self._cache_size:
            self._verified[token] = verified
            self._verified.move_to_end(token)  # a concurrent verify may have stored it already
            if len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)
        return verified.claims

    def _remembered(self, token: str) -> AccessClaims | None:
        """Return the claims of a remembered token that may still be trusted, else forget it."""
        entry = self._verified.get(token)
        if entry is None:
            return None
        if (
            self._keys.get(entry.kid) is entry.key
            # As PyJWT, with no leeway: a token is expired from the second `exp` names.
            and time.time() < entry.claims.expires_at
            and time.monotonic() < entry.fresh_until
        ):
            self._verified.move_to_end(token)
            return entry.claims
        del self._verified[token]
        return None

    async def _verify_in_full(self, token: str) -> _Verified:
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
            access = AccessClaims(
                user_id=uuid.UUID(claims["sub"]),
                expires_at=int(claims["exp"]),
                token_id=str(claims["jti"]),
            )
        except jwt.ExpiredSignatureError as err:
            raise Unauthorized("The access token has expired; refresh it.") from err
        except (jwt.PyJWTError, ValueError, TypeError) as err:
            raise Unauthorized("The access token is not valid.") from err
        return _Verified(access, kid, key, time.monotonic() + self._cache_max_age_s)


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
