"""What the accounts API does: register, log in, rotate and revoke tokens, read and set profiles.

Each function takes one unit of work (a connection and a transaction) and raises the shared
errors, which the problem middleware turns into responses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
import uuid
from dataclasses import dataclass

import asyncpg

from accounts import erasure, outbox, profiles, repository, throttling
from accounts.emails import email_key
from accounts.models import (
    AccountExport,
    Credentials,
    Me,
    PasswordChange,
    Registration,
    Session,
    TokenPair,
    User,
)
from accounts.passwords import Passwords, weak_password_reason
from accounts.profile_models import Profile, ProfilePartner, ProfilePatch, ProfileUpdate
from accounts.settings import AccountsSettings
from accounts.throttling import LoginSubjects
from accounts.tokens import SigningKey, issue_access_token, new_refresh_token, refresh_token_hash
from nestegg_common.db import Connection
from nestegg_common.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    ValidationFailed,
)
from nestegg_common.input_changes import ChangeAnnouncer

_LOGGER = logging.getLogger(__name__)

_BAD_CREDENTIALS = "The email or password is not correct."
_BAD_REFRESH = "The refresh token is not valid; log in again."
_STALE_PROFILE = "The profile changed since you read it; fetch it and retry."


@dataclass(frozen=True)
class Accounts:
    """The accounts service's dependencies, built once by `create_app`."""

    pool: asyncpg.Pool
    passwords: Passwords
    signing_key: SigningKey
    settings: AccountsSettings
    # Tells projections the profile's new version before a profile write commits (issue 19).
    announcer: ChangeAnnouncer


def client_hash(address: str, user_agent: str) -> bytes:
    """Return what identifies a client for the refresh grace: its address and User-Agent."""
    return hashlib.sha256(f"{address}\n{user_agent}".encode()).digest()


def successor_token(refresh_token: str, salt: bytes) -> str:
    """Return the refresh token that replaces `refresh_token` at a rotation salted `salt`.

    Derived (HMAC keyed by the token) rather than drawn, so a retry within the grace window can
    be answered with the same successor while only its hash is stored: without the presented
    token, the stored salt yields nothing.
    """
    digest = hmac.new(refresh_token.encode(), salt, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def profile_from_row(row: asyncpg.Record) -> Profile:
    """Map profile columns to the API model; no partner birth date means no partner."""
    partner = None
    if row["partner_birth_date"] is not None:  # the table's CHECK keeps the partner whole
        partner = ProfilePartner(
            name=row["partner_name"],
            birth_date=row["partner_birth_date"],
            sex=row["partner_sex"],
            retirement_age=row["partner_retirement_age"],
            life_expectancy=row["partner_life_expectancy"],
        )
    return Profile(
        display_name=row["display_name"],
        birth_date=row["birth_date"],
        sex=row["sex"],
        retirement_age=row["retirement_age"],
        life_expectancy=row["life_expectancy"],
        currency=row["currency"],
        filing_status=row["filing_status"],
        partner=partner,
    )


async def register(accounts: Accounts, body: Registration, *, client_address: str) -> User:
    """Create a user and their default profile; 409 when the email key is taken."""
    limits = throttling.registration_limits(accounts.settings, client_address)
    await throttling.count_attempt(accounts.pool, limits)  # before the costly hash
    password_hash = await accounts.passwords.hash(body.password)
    email = str(body.email)
    async with accounts.pool.acquire() as conn, conn.transaction():
        try:
            row = await repository.insert_user(
                conn,
                user_id=uuid.uuid4(),
                email=email,
                email_key=email_key(email),
                password_hash=password_hash,
            )
        except asyncpg.UniqueViolationError as err:
            raise Conflict("An account with this email already exists.") from err
        await repository.insert_default_profile(conn, user_id=row["id"])
    return User(id=row["id"], email=row["email"], created_at=row["created_at"])


def _pair(accounts: Accounts, *, user_id: uuid.UUID, refresh_token: str) -> TokenPair:
    settings = accounts.settings
    access_token = issue_access_token(
        accounts.signing_key,
        user_id=user_id,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        now=int(time.time()),
        ttl_s=settings.access_token_ttl_s,
    )
    return TokenPair(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_in=settings.access_token_ttl_s,
    )


async def _issue_pair(
    accounts: Accounts,
    conn: Connection,
    *,
    user_id: uuid.UUID,
    family_id: uuid.UUID,
    refresh_token: str | None = None,
) -> tuple[TokenPair, uuid.UUID]:
    settings = accounts.settings
    refresh_token, token_id = refresh_token or new_refresh_token(), uuid.uuid4()
    await repository.insert_refresh_token(
        conn,
        token_id=token_id,
        user_id=user_id,
        family_id=family_id,
        token_hash=refresh_token_hash(refresh_token),
        ttl_s=settings.refresh_token_ttl_s,
    )
    return _pair(accounts, user_id=user_id, refresh_token=refresh_token), token_id


async def login(accounts: Accounts, body: Credentials, *, client_address: str) -> TokenPair:
    """Check the password (throttled, accounts/throttling.py) and start a token family."""
    key = email_key(str(body.email))
    subjects = LoginSubjects.of(key, client_address)
    await throttling.count_attempt(
        accounts.pool, throttling.login_limits(accounts.settings, subjects)
    )
    async with accounts.pool.acquire() as conn:
        row = await repository.get_credentials(conn, email_key=key)
    stored_hash = row["password_hash"] if row else None
    if not await accounts.passwords.verify(stored_hash, body.password):
        raise Unauthorized(_BAD_CREDENTIALS)
    assert row is not None and stored_hash is not None
    async with accounts.pool.acquire() as conn, conn.transaction():
        await throttling.forget_login(conn, subjects)
        if accounts.passwords.needs_rehash(stored_hash):
            new_hash = await accounts.passwords.hash(body.password)
            await repository.update_password_hash(conn, user_id=row["id"], password_hash=new_hash)
        pair, _ = await _issue_pair(accounts, conn, user_id=row["id"], family_id=uuid.uuid4())
    return pair


async def _retried_pair(
    accounts: Accounts, conn: Connection, row: asyncpg.Record, refresh_token: str, client: bytes
) -> TokenPair | None:
    """Answer a retry of a just-rotated token with its successor, or None when it is not one.

    A retry is the same client (address and User-Agent) within `refresh_reuse_grace_s` of the
    rotation, while the successor is unused and live: a client whose answer was lost. Anything
    else presenting a rotated token is treated as a stolen copy.
    """
    if (
        accounts.settings.refresh_reuse_grace_s == 0
        or row["replaced_by"] is None
        or row["successor_salt"] is None
        or row["rotated_for"] != client
        or row["revoked_age_s"] > accounts.settings.refresh_reuse_grace_s
    ):
        return None
    successor = successor_token(refresh_token, bytes(row["successor_salt"]))
    live = await repository.lock_live_refresh_token(conn, token_id=row["replaced_by"])
    if live is None or bytes(live["token_hash"]) != refresh_token_hash(successor):
        return None
    return _pair(accounts, user_id=row["user_id"], refresh_token=successor)


async def refresh(accounts: Accounts, refresh_token: str, *, client: bytes) -> TokenPair:
    """Rotate a refresh token; reusing a rotated one revokes its whole family.

    `client` (`client_hash`) is who presents it: the same client retrying within the grace
    window gets the successor it missed instead of losing the session.
    """
    reused_family: uuid.UUID | None = None
    async with accounts.pool.acquire() as conn, conn.transaction():
        row = await repository.lock_refresh_token(
            conn, token_hash=refresh_token_hash(refresh_token)
        )
        if row is None or row["expired"]:
            raise Unauthorized(_BAD_REFRESH)
        if row["revoked_at"] is None:
            salt = secrets.token_bytes(32)
            pair, new_id = await _issue_pair(
                accounts,
                conn,
                user_id=row["user_id"],
                family_id=row["family_id"],
                refresh_token=successor_token(refresh_token, salt),
            )
            await repository.rotate_refresh_token(
                conn,
                token_id=row["id"],
                replaced_by=new_id,
                successor_salt=salt,
                rotated_for=client,
            )
        else:
            retried = await _retried_pair(accounts, conn, row, refresh_token, client)
            if retried is not None:
                _LOGGER.info(
                    "refresh retried within the grace window",
                    extra={"family_id": str(row["family_id"])},
                )
                return retried
            # Someone holds a copy of a retired token: end every session of that login.
            await repository.revoke_token_family(conn, family_id=row["family_id"])
            reused_family = row["family_id"]
    if reused_family is not None:
        _LOGGER.warning(
            "refresh token reuse; family revoked", extra={"family_id": str(reused_family)}
        )
        raise Unauthorized(_BAD_REFRESH)
    return pair


async def logout(accounts: Accounts, refresh_token: str) -> None:
    """Revoke the token's family; unknown tokens are ignored so nothing leaks."""
    async with accounts.pool.acquire() as conn, conn.transaction():
        row = await repository.lock_refresh_token(
            conn, token_hash=refresh_token_hash(refresh_token)
        )
        if row is not None:
            await repository.revoke_token_family(conn, family_id=row["family_id"])


async def get_me(accounts: Accounts, user_id: uuid.UUID) -> Me:
    """Return the signed-in user with their profile."""
    async with accounts.pool.acquire() as conn:
        row = await repository.get_user_with_profile(conn, user_id=user_id)
    if row is None:
        raise NotFound("This account no longer exists.")
    return Me(
        id=row["id"],
        email=row["email"],
        created_at=row["created_at"],
        profile=profile_from_row(row),
    )


async def get_profile(accounts: Accounts, user_id: uuid.UUID) -> tuple[Profile, int]:
    """Return the profile and its version."""
    async with accounts.pool.acquire() as conn:
        row = await repository.get_profile(conn, user_id=user_id)
    if row is None:
        raise NotFound("This account no longer exists.")
    return profile_from_row(row), int(row["version"])


async def get_profile_version(accounts: Accounts, user_id: uuid.UUID) -> int:
    """Return the profile's version alone (what a stored projection result was made from)."""
    async with accounts.pool.acquire() as conn:
        version = await repository.get_profile_version(conn, user_id=user_id)
    if version is None:
        raise NotFound("This account no longer exists.")
    return version


async def _store_profile(
    accounts: Accounts,
    conn: Connection,
    user_id: uuid.UUID,
    body: ProfileUpdate,
    *,
    expected_version: int | None,
) -> tuple[Profile, int]:
    row = await repository.replace_profile(
        conn, user_id=user_id, profile=body, expected_version=expected_version
    )
    if row is None:
        if await repository.get_profile(conn, user_id=user_id) is None:
            raise NotFound("This account no longer exists.")
        raise PreconditionFailed(_STALE_PROFILE)
    # The profile's version is its change counter: one profile per user, raised by every write
    # under the row's lock (nestegg_common.input_changes); 503 and rollback if not announced.
    await accounts.announcer.announce(user_id, int(row["version"]))
    return profile_from_row(row), int(row["version"])


async def replace_profile(
    accounts: Accounts, user_id: uuid.UUID, body: ProfileUpdate, *, expected_version: int | None
) -> tuple[Profile, int]:
    """Replace the profile (omitted fields take their defaults); 412 when the version is stale."""
    async with accounts.pool.acquire() as conn, conn.transaction():
        return await _store_profile(
            accounts, conn, user_id, body, expected_version=expected_version
        )


async def patch_profile(
    accounts: Accounts, user_id: uuid.UUID, patch: ProfilePatch, *, expected_version: int | None
) -> tuple[Profile, int]:
    """Merge a JSON merge patch into the profile (accounts/profiles.py); 412 when stale."""
    async with accounts.pool.acquire() as conn, conn.transaction():
        stored = await repository.lock_profile(conn, user_id=user_id)
        if stored is None:
            raise NotFound("This account no longer exists.")
        if expected_version is not None and stored["version"] != expected_version:
            raise PreconditionFailed(_STALE_PROFILE)
        body = profiles.patched_profile(profile_from_row(stored), patch)
        return await _store_profile(accounts, conn, user_id, body, expected_version=None)


async def change_password(
    accounts: Accounts, user_id: uuid.UUID, body: PasswordChange, *, client_address: str
) -> TokenPair:
    """Replace the password after checking the current one; end every session, start a new one.

    Guesses of the current password count against the same throttle as logins (by account and
    by address), so a stolen access token does not open an unthrottled password oracle.
    """
    async with accounts.pool.acquire() as conn:
        row = await repository.get_user_with_profile(conn, user_id=user_id)
    if row is None:
        raise NotFound("This account no longer exists.")
    subjects = LoginSubjects.of(email_key(row["email"]), client_address)
    await throttling.count_attempt(
        accounts.pool, throttling.login_limits(accounts.settings, subjects)
    )
    reason = weak_password_reason(body.new_password, email=row["email"])
    if reason is not None:
        raise ValidationFailed(
            "The new password is too easy to guess.",
            errors=[
                {
                    "field": "new_password",
                    "message": f"the password {reason}",
                    "type": "value_error",
                }
            ],
        )
    new_hash = await accounts.passwords.hash(body.new_password)  # before the lock: it is slow
    async with accounts.pool.acquire() as conn, conn.transaction():
        stored = await repository.lock_credentials(conn, user_id=user_id)
        if stored is None:
            raise NotFound("This account no longer exists.")
        if not await accounts.passwords.verify(stored["password_hash"], body.current_password):
            raise Forbidden(
                "The current password is not correct.",
                errors=[
                    {
                        "field": "current_password",
                        "message": "this is not your current password",
                        "type": "value_error",
                    }
                ],
            )
        await throttling.forget_login(conn, subjects)
        await repository.update_password_hash(conn, user_id=user_id, password_hash=new_hash)
        await repository.revoke_user_tokens(conn, user_id=user_id)
        pair, _ = await _issue_pair(accounts, conn, user_id=user_id, family_id=uuid.uuid4())
    _LOGGER.info("password changed")
    return pair


async def delete_account(
    accounts: Accounts, user_id: uuid.UUID, *, held_for_s: float = 0.0
) -> uuid.UUID:
    """Erase the user here and record `user.deleted` for the other services, all or nothing.

    Return the event's id, so the caller can push it at once (`OutboxDispatcher.deliver_now`,
    holding the deliveries from the dispatchers for `held_for_s` meanwhile).
    """
    async with accounts.pool.acquire() as conn, conn.transaction():
        email = await repository.delete_user(conn, user_id=user_id)
        if email is None:
            raise NotFound("This account no longer exists.")
        # The tombstone every token verifier reads (docs/ARCHITECTURE.md, Erasure).
        await erasure.record_tombstone(conn, user_id=user_id)
        # The throttling counter is keyed by a hash of the email key: erase it with the account.
        await repository.clear_attempts(
            conn, scope="account", subject_hash=throttling.subject_hash(email_key(email))
        )
        event_id = await outbox.record_event(
            conn,
            event_type=outbox.USER_DELETED,
            payload={"user_id": str(user_id)},
            subscribers=list(accounts.settings.subscriber_urls()),
            held_for_s=held_for_s,
        )
    _LOGGER.info("account erased", extra={"event_id": str(event_id)})
    return event_id


async def export_user(accounts: Accounts, user_id: uuid.UUID) -> AccountExport:
    """Return everything accounts holds about a user, for their data export."""
    async with (
        accounts.pool.acquire() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        row = await repository.get_user_with_profile(conn, user_id=user_id)
        if row is None:
            raise NotFound("No such user.")
        sessions = await repository.list_sessions(conn, user_id=user_id)
    user = Me(
        id=row["id"],
        email=row["email"],
        created_at=row["created_at"],
        profile=profile_from_row(row),
    )
    return AccountExport(user=user, sessions=[Session.model_validate(dict(s)) for s in sessions])
