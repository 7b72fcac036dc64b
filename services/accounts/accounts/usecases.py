"""What the accounts API does: register, log in, rotate and revoke tokens, read and set profiles.

Each function takes one unit of work (a connection and a transaction) and raises the shared
errors, which the problem middleware turns into responses.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass

import asyncpg

from accounts import erasure, outbox, repository
from accounts.models import (
    AccountExport,
    Credentials,
    Me,
    Profile,
    ProfileUpdate,
    Registration,
    Session,
    TokenPair,
    User,
)
from accounts.passwords import Passwords
from accounts.settings import AccountsSettings
from accounts.tokens import SigningKey, issue_access_token, new_refresh_token, refresh_token_hash
from nestegg_common.db import Connection
from nestegg_common.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    TooManyRequests,
    Unauthorized,
)

_LOGGER = logging.getLogger(__name__)

_BAD_CREDENTIALS = "The email or password is not correct."
_BAD_REFRESH = "The refresh token is not valid; log in again."


@dataclass(frozen=True)
class Accounts:
    """The accounts service's dependencies, built once by `create_app`."""

    pool: asyncpg.Pool
    passwords: Passwords
    signing_key: SigningKey
    settings: AccountsSettings


def _subject_hash(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


def profile_from_row(row: asyncpg.Record) -> Profile:
    """Map profile columns to the API model."""
    return Profile(
        display_name=row["display_name"],
        birth_date=row["birth_date"],
        retirement_age=row["retirement_age"],
        life_expectancy=row["life_expectancy"],
        currency=row["currency"],
    )


async def register(accounts: Accounts, body: Registration) -> User:
    """Create a user and their default profile; 409 when the email is taken in any case."""
    password_hash = await accounts.passwords.hash(body.password)
    async with accounts.pool.acquire() as conn, conn.transaction():
        try:
            row = await repository.insert_user(
                conn, user_id=uuid.uuid4(), email=str(body.email), password_hash=password_hash
            )
        except asyncpg.UniqueViolationError as err:
            raise Conflict("An account with this email already exists.") from err
        await repository.insert_default_profile(conn, user_id=row["id"])
    return User(id=row["id"], email=row["email"], created_at=row["created_at"])


async def _issue_pair(
    accounts: Accounts, conn: Connection, *, user_id: uuid.UUID, family_id: uuid.UUID
) -> tuple[TokenPair, uuid.UUID]:
    settings = accounts.settings
    refresh_token, token_id = new_refresh_token(), uuid.uuid4()
    await repository.insert_refresh_token(
        conn,
        token_id=token_id,
        user_id=user_id,
        family_id=family_id,
        token_hash=refresh_token_hash(refresh_token),
        ttl_s=settings.refresh_token_ttl_s,
    )
    access_token = issue_access_token(
        accounts.signing_key,
        user_id=user_id,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        now=int(time.time()),
        ttl_s=settings.access_token_ttl_s,
    )
    pair = TokenPair(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_in=settings.access_token_ttl_s,
    )
    return pair, token_id


async def _count_attempts(accounts: Accounts, account: bytes, address: bytes) -> None:
    settings = accounts.settings
    # Counted in their own transaction so a failed login still counts after we answer 401.
    async with accounts.pool.acquire() as conn, conn.transaction():
        by_account, account_left = await repository.count_login_attempt(
            conn, scope="account", subject_hash=account, window_s=settings.login_window_s
        )
        by_address, address_left = await repository.count_login_attempt(
            conn, scope="address", subject_hash=address, window_s=settings.login_window_s
        )
    if by_account > settings.login_max_attempts_per_account:
        raise TooManyRequests(
            "Too many login attempts for this account; wait before trying again.",
            retry_after_s=account_left,
        )
    if by_address > settings.login_max_attempts_per_address:
        raise TooManyRequests(
            "Too many login attempts from this address; wait before trying again.",
            retry_after_s=address_left,
        )


async def login(accounts: Accounts, body: Credentials, *, client_address: str) -> TokenPair:
    """Check the password (throttled per account and per address) and start a token family."""
    account, address = _subject_hash(str(body.email).lower()), _subject_hash(client_address)
    await _count_attempts(accounts, account, address)
    async with accounts.pool.acquire() as conn:
        row = await repository.get_credentials_by_email(conn, email=str(body.email))
    stored_hash = row["password_hash"] if row else None
    if not await accounts.passwords.verify(stored_hash, body.password):
        raise Unauthorized(_BAD_CREDENTIALS)
    assert row is not None and stored_hash is not None
    async with accounts.pool.acquire() as conn, conn.transaction():
        await repository.clear_login_attempts(conn, scope="account", subject_hash=account)
        await repository.forgive_login_attempt(conn, scope="address", subject_hash=address)
        if accounts.passwords.needs_rehash(stored_hash):
            new_hash = await accounts.passwords.hash(body.password)
            await repository.update_password_hash(conn, user_id=row["id"], password_hash=new_hash)
        pair, _ = await _issue_pair(accounts, conn, user_id=row["id"], family_id=uuid.uuid4())
    return pair


async def refresh(accounts: Accounts, refresh_token: str) -> TokenPair:
    """Rotate a refresh token; reusing a rotated one revokes its whole family."""
    reused_family: uuid.UUID | None = None
    async with accounts.pool.acquire() as conn, conn.transaction():
        row = await repository.lock_refresh_token(
            conn, token_hash=refresh_token_hash(refresh_token)
        )
        if row is None or row["expired"]:
            raise Unauthorized(_BAD_REFRESH)
        if row["revoked_at"] is not None:
            # Someone holds a copy of a retired token: end every session of that login.
            await repository.revoke_token_family(conn, family_id=row["family_id"])
            reused_family = row["family_id"]
        else:
            pair, new_id = await _issue_pair(
                accounts, conn, user_id=row["user_id"], family_id=row["family_id"]
            )
            await repository.rotate_refresh_token(conn, token_id=row["id"], replaced_by=new_id)
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


async def replace_profile(
    accounts: Accounts, user_id: uuid.UUID, body: ProfileUpdate, *, expected_version: int | None
) -> tuple[Profile, int]:
    """Replace the profile; 412 when `expected_version` is stale."""
    async with accounts.pool.acquire() as conn, conn.transaction():
        row = await repository.replace_profile(
            conn,
            user_id=user_id,
            display_name=body.display_name,
            birth_date=body.birth_date,
            retirement_age=body.retirement_age,
            life_expectancy=body.life_expectancy,
            currency=body.currency,
            expected_version=expected_version,
        )
        if row is None:
            if await repository.get_profile(conn, user_id=user_id) is None:
                raise NotFound("This account no longer exists.")
            raise PreconditionFailed("The profile changed since you read it; fetch it and retry.")
    return profile_from_row(row), int(row["version"])


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
        # The throttling counter is keyed by a hash of the email: erase it with the account.
        await repository.clear_login_attempts(
            conn, scope="account", subject_hash=_subject_hash(email.lower())
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
