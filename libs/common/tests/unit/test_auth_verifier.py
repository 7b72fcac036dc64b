"""JwtVerifier against a JWKS built here and tokens signed here with PyJWT."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from nestegg_common.auth import (
    ACCESS_TOKEN_TYPES,
    CLOCK_LEEWAY_S,
    REQUIRED_CLAIMS,
    AccessClaims,
    JwtVerifier,
)
from nestegg_common.errors import ServiceUnavailable, Unauthorized

ISSUER = "nestegg-accounts"
AUDIENCE = "nestegg"


class CountingJwks:
    """A JWKS source that serves a document (or fails) and counts its fetches."""

    def __init__(self, document: dict[str, Any] | None) -> None:
        self.document = document
        self.calls = 0

    async def __call__(self) -> dict[str, Any]:
        self.calls += 1
        if self.document is None:
            raise ConnectionError("accounts is down")
        return self.document


def verifier_for(fetch: Callable[[], Awaitable[dict[str, Any]]], **kwargs: Any) -> JwtVerifier:
    return JwtVerifier(fetch, issuer=ISSUER, audience=AUDIENCE, **kwargs)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def refused_with(verifier: JwtVerifier, token: str) -> str:
    with pytest.raises(Unauthorized) as caught:
        await verifier.verify(token)
    assert caught.value.status == 401
    return caught.value.detail


async def test_a_valid_token_gives_its_claims(
    jwks: dict[str, Any], mint: Any, claims: dict[str, Any], user_id: uuid.UUID
) -> None:
    verifier = verifier_for(CountingJwks(jwks))
    assert await verifier.verify(mint()) == AccessClaims(
        user_id=user_id, expires_at=claims["exp"], token_id="token-1"
    )


async def test_keys_are_fetched_once_for_many_tokens(jwks: dict[str, Any], mint: Any) -> None:
    source = CountingJwks(jwks)
    verifier = verifier_for(source)
    for _ in range(3):
        await verifier.verify(mint())
    assert source.calls == 1


async def test_an_expired_token_is_refused(
    jwks: dict[str, Any], mint: Any, claims: dict[str, Any]
) -> None:
    token = mint(exp=claims["iat"] - 120, iat=claims["iat"] - 600)
    detail = await refused_with(verifier_for(CountingJwks(jwks)), token)
    assert detail == "The access token has expired; refresh it."


@pytest.mark.parametrize(
    "override",
    [{"aud": "someone-else"}, {"iss": "evil-issuer"}, {"sub": "not-a-uuid"}],
    ids=["wrong-audience", "wrong-issuer", "subject-not-a-uuid"],
)
async def test_a_token_with_a_wrong_claim_is_refused(
    jwks: dict[str, Any], mint: Any, override: dict[str, str]
) -> None:
    detail = await refused_with(verifier_for(CountingJwks(jwks)), mint(**override))
    assert detail == "The access token is not valid."


@pytest.mark.parametrize("claim", ["jti", "sub", "exp", "iat", "nbf", "aud", "iss"])
async def test_a_token_missing_a_required_claim_is_refused(
    jwks: dict[str, Any], mint: Any, claim: str
) -> None:
    detail = await refused_with(verifier_for(CountingJwks(jwks)), mint(drop=(claim,)))
    assert detail == "The access token is not valid."


async def test_a_tampered_payload_is_refused(
    jwks: dict[str, Any], mint: Any, claims: dict[str, Any]
) -> None:
    header, _, signature = mint().split(".")
    forged = b64url(json.dumps({**claims, "sub": str(uuid.uuid4())}).encode())
    detail = await refused_with(verifier_for(CountingJwks(jwks)), f"{header}.{forged}.{signature}")
    assert detail == "The access token is not valid."


async def test_a_token_signed_by_another_key_with_our_kid_is_refused(
    jwks: dict[str, Any], mint: Any
) -> None:
    token = mint(key=Ed25519PrivateKey.generate())
    assert await refused_with(verifier_for(CountingJwks(jwks)), token) == (
        "The access token is not valid."
    )


async def test_an_unsigned_alg_none_token_is_refused(
    jwks: dict[str, Any], claims: dict[str, Any]
) -> None:
    header = b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": "key-1"}).encode())
    payload = b64url(json.dumps(claims).encode())
    source = CountingJwks(jwks)
    detail = await refused_with(verifier_for(source), f"{header}.{payload}.")
    assert detail == "The access token uses an algorithm that is not accepted."
    assert source.calls == 0


@pytest.mark.parametrize("encoding", ["raw", "pem"])
async def test_an_hs256_token_keyed_with_the_public_key_is_refused(
    jwks: dict[str, Any], signing_key: Ed25519PrivateKey, claims: dict[str, Any], encoding: str
) -> None:
    public = signing_key.public_key()
    secret = (
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if encoding == "raw"
        else public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "key-1"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signature = b64url(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    detail = await refused_with(verifier_for(CountingJwks(jwks)), f"{header}.{payload}.{signature}")
    assert detail == "The access token uses an algorithm that is not accepted."


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "eyJ.eyJ."])
async def test_a_malformed_token_is_refused(jwks: dict[str, Any], token: str) -> None:
    assert await refused_with(verifier_for(CountingJwks(jwks)), token) == (
        "The access token is malformed."
    )


async def test_a_token_without_a_kid_is_refused(
    jwks: dict[str, Any], signing_key: Ed25519PrivateKey, claims: dict[str, Any]
) -> None:
    token = jwt.encode(claims, signing_key, algorithm="EdDSA", headers={"typ": "at+jwt"})
    assert await refused_with(verifier_for(CountingJwks(jwks)), token) == (
        "The access token names no key (`kid`)."
    )


async def test_an_unknown_kid_refreshes_the_keys_and_accepts_a_rotated_key(
    jwks: dict[str, Any], mint: Any, make_jwk: Any, user_id: uuid.UUID
) -> None:
    source = CountingJwks(jwks)
    verifier = verifier_for(source, min_refresh_s=0.0)
    await verifier.verify(mint())
    assert source.calls == 1
    new_key = Ed25519PrivateKey.generate()
    source.document = {"keys": [*jwks["keys"], make_jwk(new_key, "key-2")]}
    claims = await verifier.verify(mint(kid="key-2", key=new_key))
    assert claims.user_id == user_id
    assert source.calls == 2
    await verifier.verify(mint())
    await verifier.verify(mint(kid="key-2", key=new_key))
    assert source.calls == 2


async def test_unknown_kids_refresh_the_keys_at_most_once_per_interval(
    jwks: dict[str, Any], mint: Any
) -> None:
    source = CountingJwks(jwks)
    verifier = verifier_for(source, min_refresh_s=60.0)
    await verifier.verify(mint())
    for n in range(5):
        detail = await refused_with(verifier, mint(kid=f"random-{n}"))
        assert detail == "The access token was signed with an unknown key."
    assert source.calls == 1


async def test_keys_are_fetched_again_after_their_ttl(jwks: dict[str, Any], mint: Any) -> None:
    source = CountingJwks(jwks)
    verifier = verifier_for(source, ttl_s=0.0, min_refresh_s=0.0)
    await verifier.verify(mint())
    await verifier.verify(mint())
    assert source.calls == 2


async def unavailable_with(verifier: JwtVerifier, token: str) -> str:
    with pytest.raises(ServiceUnavailable) as caught:
        await verifier.verify(token)
    assert caught.value.headers["Retry-After"] == "1"
    return caught.value.detail


async def test_an_unreachable_jwks_with_no_cached_keys_is_503_not_a_verdict(mint: Any) -> None:
    # A 401 would tell the client its token is bad; it is accounts that is not answering.
    source = CountingJwks(None)
    detail = await unavailable_with(verifier_for(source), mint())
    assert detail == "Tokens cannot be checked right now; try again."
    assert source.calls == 1


async def test_an_unreachable_jwks_keeps_the_cached_keys(jwks: dict[str, Any], mint: Any) -> None:
    source = CountingJwks(jwks)
    verifier = verifier_for(source, ttl_s=0.0, min_refresh_s=0.0)
    await verifier.verify(mint())
    source.document = None
    assert (await verifier.verify(mint())).token_id == "token-1"
    assert source.calls == 2


async def test_a_jwks_document_that_does_not_parse_is_503(mint: Any) -> None:
    source = CountingJwks({"keys": "nonsense"})
    assert await unavailable_with(verifier_for(source), mint()) == (
        "Tokens cannot be checked right now; try again."
    )


async def test_a_failing_jwks_fetch_is_not_retried_on_every_request(mint: Any) -> None:
    source = CountingJwks(None)
    verifier = verifier_for(source, retry_base_s=60.0)
    for _ in range(3):
        await unavailable_with(verifier, mint())
    assert source.calls == 1


async def test_an_es256_token_is_accepted_with_an_ec_key(
    claims: dict[str, Any], user_id: uuid.UUID
) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    numbers = ec_key.public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
        "kid": "ec-1",
    }
    token = jwt.encode(claims, ec_key, algorithm="ES256", headers={"kid": "ec-1", "typ": "at+jwt"})
    claims_out = await verifier_for(CountingJwks({"keys": [jwk]})).verify(token)
    assert claims_out.user_id == user_id


async def test_an_es256_token_naming_an_ed25519_key_is_refused(
    jwks: dict[str, Any], claims: dict[str, Any]
) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(claims, ec_key, algorithm="ES256", headers={"kid": "key-1", "typ": "at+jwt"})
    assert await refused_with(verifier_for(CountingJwks(jwks)), token) == (
        "The access token's algorithm does not match its key."
    )


# --- Exactly the access token docs/ARCHITECTURE.md describes (issue 13, item 7) ---------------


@pytest.mark.parametrize(
    "override",
    [
        {"aud": [AUDIENCE]},
        {"aud": [AUDIENCE, "someone-else"]},
        {"exp": "9999999999"},
        {"iat": "1700000000"},
        {"nbf": "1700000000"},
        {"exp": 9999999999.5},
        {"nbf": True},
        {"jti": 7},
        {"jti": ""},
        {"sub": 12},
    ],
    ids=[
        "audience-as-a-list",
        "audience-list-with-another",
        "exp-as-a-string",
        "iat-as-a-string",
        "nbf-as-a-string",
        "exp-as-a-float",
        "nbf-as-a-boolean",
        "jti-as-a-number",
        "jti-empty",
        "sub-as-a-number",
    ],
)
async def test_a_claim_of_another_shape_than_documented_is_refused(
    jwks: dict[str, Any], mint: Any, override: dict[str, Any]
) -> None:
    detail = await refused_with(verifier_for(CountingJwks(jwks)), mint(**override))
    assert detail == "The access token is not valid."


@pytest.mark.parametrize(
    "typ", ["refresh", "JWT", "id+jwt", None], ids=["refresh", "plain-jwt", "id-token", "none"]
)
async def test_a_token_that_does_not_say_it_is_an_access_token_is_refused(
    jwks: dict[str, Any], mint: Any, typ: str | None
) -> None:
    detail = await refused_with(verifier_for(CountingJwks(jwks)), mint(typ=typ))
    assert detail == "The token is not an access token (header `typ` must be at+jwt)."


@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "application/at+jwt"])
async def test_each_spelling_rfc_9068_allows_for_the_type_is_accepted(
    jwks: dict[str, Any], mint: Any, typ: str
) -> None:
    assert (await verifier_for(CountingJwks(jwks)).verify(mint(typ=typ))).token_id == "token-1"


async def test_a_token_not_valid_before_a_later_time_is_refused(
    jwks: dict[str, Any], mint: Any, claims: dict[str, Any]
) -> None:
    token = mint(nbf=claims["iat"] + CLOCK_LEEWAY_S + 5)
    detail = await refused_with(verifier_for(CountingJwks(jwks)), token)
    assert detail == "The access token is not valid yet."


async def test_a_token_issued_in_the_future_is_refused(
    jwks: dict[str, Any], mint: Any, claims: dict[str, Any]
) -> None:
    later = claims["iat"] + CLOCK_LEEWAY_S + 5
    detail = await refused_with(verifier_for(CountingJwks(jwks)), mint(iat=later, nbf=later))
    assert detail == "The access token is not valid yet."


async def test_a_clock_a_few_seconds_behind_the_issuer_still_accepts_a_fresh_token(
    jwks: dict[str, Any], mint: Any, claims: dict[str, Any]
) -> None:
    ahead = claims["iat"] + 5
    token = mint(iat=ahead, nbf=ahead)
    assert (await verifier_for(CountingJwks(jwks)).verify(token)).token_id == "token-1"


def test_accounts_tokens_and_the_verifier_agree_on_the_claims() -> None:
    assert REQUIRED_CLAIMS == ("iss", "aud", "sub", "iat", "nbf", "exp", "jti")
    assert ACCESS_TOKEN_TYPES[0] == "at+jwt"
