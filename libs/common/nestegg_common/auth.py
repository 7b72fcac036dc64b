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

from nestegg_common.erasure import AccountErased, ErasedUsers
from nestegg_common.errors import ServiceUnavailable, Unauthorized
from nestegg_common.logs import unreachable_peer_level
from nestegg_common.problems import Handler
from nestegg_common.retry import doubling_delay_s

_LOGGER = logging.getLogger(__name__)

# Only asymmetric algorithms: a token can never pick HS256 (key confusion) or `none`.
ALLOWED_ALGORITHMS = ("EdDSA", "ES256")

# RFC 9068 §2.1: an access token says what it is in its header, so no other JWT accounts might
# ever sign (an ID or refresh token, say) can pass for one (RFC 8725 §3.11).
ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")
# Every claim docs/ARCHITECTURE.md lists; a token without one of them is refused.
REQUIRED_CLAIMS = ("iss", "aud", "sub", "iat", "nbf", "exp", "jti")
# How far ahead of our clock `nbf` and `iat` may be: hosts' clocks differ by a little.
CLOCK_LEEWAY_S = 30
# A request that arrives while the process is still reading the erased users waits this long.
_STARTING_WAIT_S = 1.0

USER_ID = web.RequestKey("user_id", uuid.UUID)

_SIGNATURE_ONLY: jwt.types.Options = {
    "verify_signature": True,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "verify_sub": False,
    "verify_jti": False,
}

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
    """Check a token's header, signature and claims with keys from a JWKS document.

    Keys: `keep_keys()` (run for the app's lifetime by `service.add_token_checks`) fetches them at
    start, retrying a failure after 50 ms, doubling to at most 1 s, so a process that started
    before accounts holds them within a second of accounts answering; until then `has_keys`
    is false and `/readyz` says 503. The set is then cached for `ttl_s` and fetched again at
    once when a token names an unknown `kid` (a key rotation), but at most every
    `min_refresh_s` after a fetch that worked, and after a failure no sooner than the back-off,
    so random `kid`s cannot make us hammer accounts.

    Erased users: with an `ErasedUsers`, a token of a user in it is refused, remembered or not,
    and no token is accepted until the set has been loaded once.

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
        retry_base_s: float = 0.05,
        retry_max_s: float = 1.0,
        cache_size: int = 10_000,
        cache_max_age_s: float = 60.0,
        erased: ErasedUsers | None = None,
    ) -> None:
        if cache_size < 0:
            raise ValueError("cache_size is a number of tokens, 0 to remember none.")
        self._fetch_jwks = fetch_jwks
        self._issuer = issuer
        self._audience = audience
        self._ttl_s = ttl_s
        self._min_refresh_s = min(min_refresh_s, ttl_s)
        self._retry_base_s = retry_base_s
        self._retry_max_s = retry_max_s
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")  # the last fetch that worked
        self._next_fetch_at = float("-inf")  # no fetch before this, whatever a token says
        self._failures = 0
        self._lock = asyncio.Lock()
        self._cache_size = cache_size
        self._cache_max_age_s = cache_max_age_s
        self._verified: OrderedDict[str, _Verified] = OrderedDict()
        self._erased = erased

    @property
    def has_keys(self) -> bool:
        """Say whether the verifier holds a key set (it cannot accept any token before)."""
        return bool(self._keys)

    def not_ready(self) -> list[str]:
        """Name what the verifier still lacks to check tokens: `keys`, `erased_users`."""
        missing = [] if self._keys else ["keys"]
        if self._erased is not None and not self._erased.loaded:
            missing.append("erased_users")
        return missing

    async def keep_keys(self) -> None:
        """Fetch the key set until one fetch works, as often as the back-off allows."""
        while True:
            await self._refresh(force=True)
            if self._keys:
                return
            await asyncio.sleep(max(0.0, self._next_fetch_at - time.monotonic()))

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            now = time.monotonic()
            if now < self._next_fetch_at or (not force and now - self._fetched_at < self._ttl_s):
                return
            try:
                document = await self._fetch_jwks()
                keys = jwt.PyJWKSet.from_dict(document).keys
            except Exception as err:  # an unreachable accounts must not turn into a 500
                self._failures += 1
                level = unreachable_peer_level(self._failures, starting=not self._keys)
                if level is not None:
                    _LOGGER.log(
                        level,
                        "could not refresh the JWKS: %s",
                        type(err).__name__,
                        extra={"failures": self._failures},
                    )
                # Milliseconds at first (accounts may be starting), never more than once per
                # `retry_max_s` while it stays down.
                self._next_fetch_at = time.monotonic() + doubling_delay_s(
                    self._failures, base_s=self._retry_base_s, max_s=self._retry_max_s
                )
                return
            self._keys = self._keep_unchanged({k.key_id: k for k in keys if k.key_id})
            self._failures = 0
            self._fetched_at = time.monotonic()
            self._next_fetch_at = self._fetched_at + self._min_refresh_s

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
        if not self._keys:
            raise ServiceUnavailable(
                "Tokens cannot be checked right now; try again.", retry_after_s=1
            )
        key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("The access token was signed with an unknown key.")
        return key

    async def verify(self, token: str) -> AccessClaims:
        """Return a valid access token's claims; 401 for anything else, 503 if it cannot tell."""
        erased = self._erased
        if (
            erased is not None
            and not erased.loaded
            and not await erased.wait_loaded(_STARTING_WAIT_S)
        ):
            # Without the recent erasures, an erased user's token would pass: refuse to judge.
            raise ServiceUnavailable(
                "Tokens cannot be checked right now; try again.", retry_after_s=1
            )
        claims = await self._verify(token)
        if self._erased is not None and claims.user_id in self._erased:
            raise AccountErased()
        return claims

    async def _verify(self, token: str) -> AccessClaims:
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
            # No leeway: a token is expired from the second `exp` names.
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
        algorithm, kid, typ = header.get("alg"), header.get("kid"), header.get("typ")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise Unauthorized("The access token uses an algorithm that is not accepted.")
        if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
            raise Unauthorized("The token is not an access token (header `typ` must be at+jwt).")
        if not isinstance(kid, str):
            raise Unauthorized("The access token names no key (`kid`).")
        key = await self._key_for(kid)
        if key.algorithm_name != algorithm:
            # A token may not pick how a key is used: an ES256 header on an Ed25519 key is forged.
            raise Unauthorized("The access token's algorithm does not match its key.")
        try:
            # The signature only: every claim is checked below, more strictly than PyJWT would
            # (which takes `aud` as a list, numbers as strings, and no `nbf` at all).
            claims = jwt.decode(token, key.key, algorithms=[algorithm], options=_SIGNATURE_ONLY)
        except jwt.PyJWTError as err:
            raise Unauthorized("The access token is not valid.") from err
        access = access_claims(claims, issuer=self._issuer, audience=self._audience)
        return _Verified(access, kid, key, time.monotonic() + self._cache_max_age_s)


def access_claims(
    claims: dict[str, Any], *, issuer: str, audience: str, now: float | None = None
) -> AccessClaims:
    """Return the claims of a signed token if they are exactly an access token's, else 401.

    Every claim of `REQUIRED_CLAIMS` must be there; `iss` and `aud` are single strings equal to
    ours; `exp`, `iat` and `nbf` are integers (a string or a float is refused); `exp` is in the
    future (no leeway) and `nbf` and `iat` are not later than `CLOCK_LEEWAY_S` from now.
    """
    now = time.time() if now is None else now
    invalid = Unauthorized("The access token is not valid.")
    if any(name not in claims for name in REQUIRED_CLAIMS):
        raise invalid
    times = [claims[name] for name in ("exp", "iat", "nbf")]
    if any(type(value) is not int for value in times):  # bool is an int subclass: refuse it too
        raise invalid
    subject, token_id = claims["sub"], claims["jti"]
    if (
        not isinstance(claims["iss"], str)
        or claims["iss"] != issuer
        or not isinstance(claims["aud"], str)
        or claims["aud"] != audience
        or not isinstance(subject, str)
        or not isinstance(token_id, str)
        or not token_id
    ):
        raise invalid
    try:
        user_id = uuid.UUID(subject)
    except ValueError as err:
        raise invalid from err
    expires_at, issued_at, not_before = times
    if now >= expires_at:
        raise Unauthorized("The access token has expired; refresh it.")
    if not_before > now + CLOCK_LEEWAY_S or issued_at > now + CLOCK_LEEWAY_S:
        raise Unauthorized("The access token is not valid yet.")
    return AccessClaims(user_id=user_id, expires_at=expires_at, token_id=token_id)


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


def internal_auth_middleware(internal_token: str, *, hide: bool = False) -> Any:
    """Require the deployment's service token on every `/internal/` path.

    With `hide` (the gateway's public port), a caller without it gets the 404 of an unknown
    route instead of a 401, so the public port shows no internal path at all.
    """
    expected = internal_token.encode()

    @web.middleware
    async def authenticate_service(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/internal/"):
            scheme, _, given = request.headers.get("Authorization", "").partition(" ")
            # An empty configured token must not match an empty header: refuse everything then.
            if (
                not expected
                or scheme.lower() != "bearer"
                or not hmac.compare_digest(given.strip().encode(), expected)
            ):
                if hide:
                    raise web.HTTPNotFound()  # answered exactly as an unknown route
                if scheme.lower() != "bearer" or not given.strip():
                    bearer_token(request)  # the same 401 as a missing user token
                raise Unauthorized("This endpoint is for Nestegg's own services.")
        return await handler(request)

    return authenticate_service


def current_user_id(request: web.Request) -> uuid.UUID:
    """Return the authenticated user's id (set by the auth middleware)."""
    return request[USER_ID]
