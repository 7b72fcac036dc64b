"""The JWKS publishes the signing key first and the previous public keys after it."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accounts.settings import AccountsSettings
from accounts.tokens import SigningKey, generate_private_key_pem, public_jwk


def public_pem(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_the_jwks_lists_the_signing_key_then_each_previous_key_once() -> None:
    current = SigningKey.from_pem(generate_private_key_pem())
    old_1, old_2 = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    bundle = public_pem(old_1) + public_pem(old_2) + public_pem(old_1)
    bundle += public_pem(current.private_key)  # the current key listed again is not repeated
    keys = current.with_previous(bundle).jwks()["keys"]
    assert [k["kid"] for k in keys] == [
        current.kid,
        public_jwk(old_1.public_key())["kid"],
        public_jwk(old_2.public_key())["kid"],
    ]
    assert all("d" not in k and k["alg"] == "EdDSA" for k in keys)


def test_no_previous_keys_publishes_the_signing_key_alone() -> None:
    current = SigningKey.from_pem(generate_private_key_pem())
    assert [k["kid"] for k in current.with_previous(b"\n").jwks()["keys"]] == [current.kid]


def test_a_previous_key_that_is_not_ed25519_is_refused() -> None:
    current = SigningKey.from_pem(generate_private_key_pem())
    with pytest.raises(ValueError, match="Ed25519"):
        current.with_previous(public_pem(ec.generate_private_key(ec.SECP256R1())))


def test_text_that_holds_no_public_key_is_refused() -> None:
    current = SigningKey.from_pem(generate_private_key_pem())
    with pytest.raises(ValueError, match="BEGIN PUBLIC KEY"):
        current.with_previous(generate_private_key_pem())  # a private key, by mistake


def test_previous_keys_are_read_inline_and_from_a_file(tmp_path) -> None:
    inline, in_file = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    path = tmp_path / "previous.pem"
    path.write_bytes(public_pem(in_file))
    settings = AccountsSettings(
        jwt_previous_public_keys=public_pem(inline).decode(), jwt_previous_public_keys_file=path
    )
    current = SigningKey.from_pem(generate_private_key_pem())
    kids = [
        k["kid"] for k in current.with_previous(settings.previous_public_keys_pem()).jwks()["keys"]
    ]
    assert kids[1:] == [
        public_jwk(inline.public_key())["kid"],
        public_jwk(in_file.public_key())["kid"],
    ]


@pytest.mark.parametrize("ttl", [29, 3601])
def test_the_access_token_lifetime_is_bounded(ttl: int) -> None:
    with pytest.raises(ValueError, match="access_token_ttl_s"):
        AccountsSettings(access_token_ttl_s=ttl)


def test_access_tokens_live_fifteen_minutes_by_default() -> None:
    assert AccountsSettings().access_token_ttl_s == 900


def test_an_empty_key_file_setting_means_no_file() -> None:
    settings = AccountsSettings(jwt_private_key_file="", jwt_previous_public_keys_file=" ")
    assert settings.jwt_private_key_file is None and settings.jwt_previous_public_keys_file is None
