"""The public operations of the accounts service, as the gateway serves them (OpenAPI)."""

from __future__ import annotations

from accounts.models import (
    Credentials,
    Me,
    Profile,
    ProfileUpdate,
    RefreshRequest,
    Registration,
    TokenPair,
    User,
)
from nestegg_common.openapi import Operation, Reply, fragment_handler

PREFIX = "/api/v1"
TAGS = {
    "auth": "Register, log in, rotate and revoke tokens. No access token needed.",
    "me": "The signed-in user, their profile, and erasure.",
}
_NO_STORE = ("Cache-Control",)
# A token outlives the account it was issued for by at most its lifetime.
_GONE = {404: "The account no longer exists (erased after the token was issued)."}


def operations() -> list[Operation]:
    """List the public operations of accounts."""
    return [
        Operation(
            "post",
            f"{PREFIX}/auth/register",
            "registerUser",
            "Create an account",
            ("auth",),
            {201: Reply("The account was created.", User, ("Location",))},
            request=Registration,
            auth=False,
            errors={409: "An account with this email exists (emails compare case-insensitively)."},
        ),
        Operation(
            "post",
            f"{PREFIX}/auth/login",
            "logIn",
            "Exchange email and password for a token pair",
            ("auth",),
            {200: Reply("A new access and refresh token.", TokenPair, _NO_STORE)},
            request=Credentials,
            auth=False,
            errors={
                401: "Bad email or password (the same answer for an unknown email).",
                429: "Too many failed attempts; `Retry-After` says when to try again.",
            },
        ),
        Operation(
            "post",
            f"{PREFIX}/auth/refresh",
            "refreshTokens",
            "Rotate a refresh token into a new pair",
            ("auth",),
            {200: Reply("A new pair; the refresh token sent stops working.", TokenPair, _NO_STORE)},
            description="Reusing a rotated refresh token revokes its whole family.",
            request=RefreshRequest,
            auth=False,
            errors={401: "The refresh token is unknown, expired, revoked or reused."},
        ),
        Operation(
            "post",
            f"{PREFIX}/auth/logout",
            "logOut",
            "Revoke a refresh token's family",
            ("auth",),
            {204: Reply("Logged out (also when the token was already unusable).")},
            request=RefreshRequest,
            auth=False,
        ),
        Operation(
            "get",
            f"{PREFIX}/me",
            "getMe",
            "Show the signed-in user and their profile",
            ("me",),
            {200: Reply("The user.", Me)},
            errors=_GONE,
        ),
        Operation(
            "delete",
            f"{PREFIX}/me",
            "deleteMe",
            "Erase the signed-in user and every record of theirs in every service",
            ("me",),
            {204: Reply("Erased; the other services follow through the outbox.")},
            errors=_GONE,
        ),
        Operation(
            "get",
            f"{PREFIX}/me/profile",
            "getProfile",
            "Show the signed-in user's profile",
            ("me",),
            {200: Reply("The profile.", Profile, ("ETag",))},
            errors=_GONE,
        ),
        Operation(
            "put",
            f"{PREFIX}/me/profile",
            "replaceProfile",
            "Replace the profile; omitted fields take their defaults",
            ("me",),
            {200: Reply("The profile as stored.", Profile, ("ETag",))},
            request=ProfileUpdate,
            request_headers=("If-Match",),
            errors=_GONE,
        ),
    ]


get_openapi_fragment = fragment_handler(operations, title="Nestegg accounts", tags=TAGS)
