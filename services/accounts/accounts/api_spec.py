"""The public operations of the accounts service, as the gateway serves them (OpenAPI)."""

from __future__ import annotations

from accounts.models import (
    Credentials,
    Me,
    PasswordChange,
    RefreshRequest,
    Registration,
    TokenPair,
    User,
)
from accounts.profile_models import Profile, ProfilePatch, ProfileUpdate
from nestegg_common.openapi import Operation, Reply, fragment_handler

PREFIX = "/api/v1"
TAGS = {
    "auth": "Register, log in, rotate and revoke tokens. No access token needed.",
    "me": "The signed-in user, their profile, and erasure.",
}
_NO_STORE = ("Cache-Control",)
# A token outlives the account it was issued for by at most its lifetime.
_GONE = {404: "The account no longer exists (erased after the token was issued)."}
_REGISTER = (
    "The password must be 12 to 256 characters, not one of the 10,000 most common passwords "
    "(nor one padded with digits or symbols, nor repeated), not a run such as `abcdef…`, with "
    "at least 5 different characters, and not (little more than) the email address; otherwise "
    "422 naming `password`. By default at most 20 registrations a minute and 200 a day per "
    "client address."
)
_REFRESH = (
    "Reusing a rotated refresh token revokes its whole family, except a retry: the client that "
    "rotated it (same address and User-Agent), within `NESTEGG_REFRESH_REUSE_GRACE_S` (20 s) and "
    "while the new token is unused, gets the same new refresh token again (and a new access "
    "token)."
)
_PUT_PROFILE = (
    "A full replacement: every field left out takes its default (`display_name`, `birth_date` "
    "and `partner` null, `sex` unspecified, `retirement_age` 65, `life_expectancy` 95, `currency` "
    "USD, `filing_status` single), whatever was stored; so do the partner's members (`name` "
    "null, `sex` unspecified, `retirement_age` 65, `life_expectancy` 95; `birth_date` is "
    "required). `married_joint` without a partner → 422 naming `filing_status`. To change some "
    "fields only, use PATCH."
)
_PATCH_PROFILE = (
    "A JSON merge patch (RFC 7396; `application/merge-patch+json` or `application/json`): fields "
    "left out keep their stored value, a field set to null goes back to its default (as with "
    "PUT), nested objects merge: `partner: {retirement_age: 63}` changes that member of the "
    "stored partner, `partner: null` removes the partner (422 naming `filing_status` while it "
    "is `married_joint`). The result is validated as a whole, like a PUT body."
)


_CHANGE_LOGIN_DOC = (
    "Checks `current_password` (a wrong one: 403 naming `current_password`; guesses count "
    "against the login throttle, 429 with `Retry-After`), applies the registration rules to "
    "`new_password` (422 naming it), then revokes every refresh token of the user and answers "
    "a new pair. Access tokens already issued stay valid until they expire (15 minutes)."
)


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
            description=_REGISTER,
            errors={
                409: "An account with this email exists (compared by their NFKC case-folded key).",
                429: "Too many registrations from this address; `Retry-After` says when to retry.",
            },
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
            description=_REFRESH,
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
            "post",
            f"{PREFIX}/me/password",
            "changePassword",
            "Change the password; every session ends and a new token pair is answered",
            ("me",),
            {200: Reply("The new password is set; a fresh token pair for this client.", TokenPair)},
            description=_CHANGE_LOGIN_DOC,
            request=PasswordChange,
            errors={
                **_GONE,
                403: "`current_password` is not the account's password.",
                429: "Too many wrong passwords; wait `Retry-After` seconds.",
            },
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
            description=_PUT_PROFILE,
            request=ProfileUpdate,
            request_headers=("If-Match",),
            errors=_GONE,
        ),
        Operation(
            "patch",
            f"{PREFIX}/me/profile",
            "patchProfile",
            "Change some profile fields (JSON merge patch)",
            ("me",),
            {200: Reply("The profile as stored.", Profile, ("ETag",))},
            description=_PATCH_PROFILE,
            request=ProfilePatch,
            example={"retirement_age": 62, "display_name": None, "partner": {"retirement_age": 63}},
            request_headers=("If-Match",),
            errors=_GONE,
        ),
    ]


get_openapi_fragment = fragment_handler(operations, title="Nestegg accounts", tags=TAGS)
