"""SQL of the accounts service: one function per statement, always scoped to one user."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from accounts.profile_models import ProfileUpdate
from nestegg_common.db import Connection

_INSERT_USER = """
INSERT INTO users (id, email, email_key, password_hash)
VALUES ($1, $2, $3, $4)
RETURNING id, email, created_at
"""

_INSERT_DEFAULT_PROFILE = """
INSERT INTO profiles (user_id) VALUES ($1)
"""

# By the one key of accounts.emails, never by SQL lower(): see that module.
_SELECT_CREDENTIALS_BY_EMAIL_KEY = """
SELECT id, password_hash FROM users WHERE email_key = $1
"""

_UPDATE_PASSWORD_HASH = """
UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1
"""

_SELECT_CREDENTIALS_BY_ID = """
SELECT email, password_hash FROM users WHERE id = $1 FOR UPDATE
"""

# A new password ends every session: all the user's live refresh tokens, every family.
_REVOKE_USER_TOKENS = """
UPDATE refresh_tokens SET revoked_at = now()
WHERE user_id = $1 AND revoked_at IS NULL
"""

_SELECT_USER_WITH_PROFILE = """
SELECT u.id, u.email, u.created_at,
       p.display_name, p.birth_date, p.sex, p.retirement_age, p.life_expectancy, p.currency,
       p.filing_status, p.partner_name, p.partner_birth_date, p.partner_sex,
       p.partner_retirement_age, p.partner_life_expectancy, p.version
FROM users u
JOIN profiles p ON p.user_id = u.id
WHERE u.id = $1
"""

_SELECT_PROFILE = """
SELECT display_name, birth_date, sex, retirement_age, life_expectancy, currency, filing_status,
       partner_name, partner_birth_date, partner_sex, partner_retirement_age,
       partner_life_expectancy, version
FROM profiles
WHERE user_id = $1
"""

# Projections' check of a stored result: every change of the profile bumps its version.
_SELECT_PROFILE_VERSION = "SELECT version FROM profiles WHERE user_id = $1"

# PATCH reads, merges and writes back in one transaction: the lock keeps a concurrent change
# from being overwritten by a merge made on the older profile.
_SELECT_PROFILE_FOR_UPDATE = """
SELECT display_name, birth_date, sex, retirement_age, life_expectancy, currency, filing_status,
       partner_name, partner_birth_date, partner_sex, partner_retirement_age,
       partner_life_expectancy, version
FROM profiles
WHERE user_id = $1
FOR UPDATE
"""

_REPLACE_PROFILE = """
UPDATE profiles
SET display_name = $2, birth_date = $3, sex = $4, retirement_age = $5, life_expectancy = $6,
    currency = $7, filing_status = $8, partner_name = $9, partner_birth_date = $10,
    partner_sex = $11, partner_retirement_age = $12, partner_life_expectancy = $13,
    version = version + 1, updated_at = now()
WHERE user_id = $1 AND ($14::integer IS NULL OR version = $14)
RETURNING display_name, birth_date, sex, retirement_age, life_expectancy, currency, filing_status,
          partner_name, partner_birth_date, partner_sex, partner_retirement_age,
          partner_life_expectancy, version
"""

# Profiles and refresh tokens go with the user (ON DELETE CASCADE).
_DELETE_USER = """
DELETE FROM users WHERE id = $1
RETURNING email
"""

_SELECT_SESSIONS = """
SELECT family_id, issued_at, expires_at, revoked_at
FROM refresh_tokens
WHERE user_id = $1
ORDER BY issued_at
"""

_INSERT_REFRESH_TOKEN = """
INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at)
VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
"""

_SELECT_REFRESH_TOKEN_FOR_UPDATE = """
SELECT id, user_id, family_id, revoked_at, expires_at <= now() AS expired, replaced_by,
       successor_salt, rotated_for, extract(epoch FROM now() - revoked_at)::float8 AS revoked_age_s
FROM refresh_tokens
WHERE token_hash = $1
FOR UPDATE
"""

_SELECT_LIVE_REFRESH_TOKEN_FOR_UPDATE = """
SELECT token_hash
FROM refresh_tokens
WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()
FOR UPDATE
"""

_ROTATE_REFRESH_TOKEN = """
UPDATE refresh_tokens
SET revoked_at = now(), replaced_by = $2, successor_salt = $3, rotated_for = $4
WHERE id = $1
"""

_REVOKE_TOKEN_FAMILY = """
UPDATE refresh_tokens SET revoked_at = now()
WHERE family_id = $1 AND revoked_at IS NULL
"""

_COUNT_ATTEMPT = """
INSERT INTO login_failures AS f (scope, subject_hash, attempts, window_started_at)
VALUES ($1, $2, 1, now())
ON CONFLICT (scope, subject_hash) DO UPDATE SET
    attempts = CASE WHEN f.window_started_at <= now() - make_interval(secs => $3)
                    THEN 1 ELSE f.attempts + 1 END,
    window_started_at = CASE WHEN f.window_started_at <= now() - make_interval(secs => $3)
                             THEN now() ELSE f.window_started_at END
RETURNING attempts,
          ceil(extract(epoch FROM f.window_started_at + make_interval(secs => $3) - now()))::integer
              AS seconds_left
"""

_FORGIVE_ATTEMPT = """
UPDATE login_failures SET attempts = greatest(attempts - 1, 0)
WHERE scope = $1 AND subject_hash = $2
"""

_CLEAR_ATTEMPTS = """
DELETE FROM login_failures WHERE scope = $1 AND subject_hash = $2
"""


async def insert_user(
    conn: Connection, *, user_id: uuid.UUID, email: str, email_key: str, password_hash: str
) -> asyncpg.Record:
    """Insert a user; raises asyncpg.UniqueViolationError when the email key is taken."""
    row: asyncpg.Record | None = await conn.fetchrow(
        _INSERT_USER, user_id, email, email_key, password_hash
    )
    assert row is not None  # INSERT ... RETURNING yields the row or raises
    return row


async def insert_default_profile(conn: Connection, *, user_id: uuid.UUID) -> None:
    """Give a new user a profile with the schema's defaults."""
    await conn.execute(_INSERT_DEFAULT_PROFILE, user_id)


async def get_credentials(conn: Connection, *, email_key: str) -> asyncpg.Record | None:
    """Return `id` and `password_hash` of the account with this email key."""
    row: asyncpg.Record | None = await conn.fetchrow(_SELECT_CREDENTIALS_BY_EMAIL_KEY, email_key)
    return row


async def update_password_hash(conn: Connection, *, user_id: uuid.UUID, password_hash: str) -> None:
    """Store a re-hashed password (after the hashing cost was raised)."""
    await conn.execute(_UPDATE_PASSWORD_HASH, user_id, password_hash)


async def lock_credentials(conn: Connection, *, user_id: uuid.UUID) -> asyncpg.Record | None:
    """Return the user's email and password hash, locked until the transaction ends."""
    return await conn.fetchrow(_SELECT_CREDENTIALS_BY_ID, user_id)


async def revoke_user_tokens(conn: Connection, *, user_id: uuid.UUID) -> None:
    """Revoke every live refresh token of the user."""
    await conn.execute(_REVOKE_USER_TOKENS, user_id)


async def get_user_with_profile(conn: Connection, *, user_id: uuid.UUID) -> asyncpg.Record | None:
    """Return the user joined with their profile."""
    row: asyncpg.Record | None = await conn.fetchrow(_SELECT_USER_WITH_PROFILE, user_id)
    return row


async def get_profile(conn: Connection, *, user_id: uuid.UUID) -> asyncpg.Record | None:
    """Return the user's profile with its version."""
    row: asyncpg.Record | None = await conn.fetchrow(_SELECT_PROFILE, user_id)
    return row


async def get_profile_version(conn: Connection, *, user_id: uuid.UUID) -> int | None:
    """Return the version of the user's profile, None when there is no such user."""
    version: int | None = await conn.fetchval(_SELECT_PROFILE_VERSION, user_id)
    return version


async def lock_profile(conn: Connection, *, user_id: uuid.UUID) -> asyncpg.Record | None:
    """Return the user's profile with its version, locked until the transaction ends."""
    row: asyncpg.Record | None = await conn.fetchrow(_SELECT_PROFILE_FOR_UPDATE, user_id)
    return row


async def replace_profile(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    profile: ProfileUpdate,
    expected_version: int | None,
) -> asyncpg.Record | None:
    """Replace the profile (a null partner clears its columns); None when the version is stale."""
    partner = profile.partner
    row: asyncpg.Record | None = await conn.fetchrow(
        _REPLACE_PROFILE,
        user_id,
        profile.display_name,
        profile.birth_date,
        profile.sex,
        profile.retirement_age,
        profile.life_expectancy,
        profile.currency,
        profile.filing_status,
        None if partner is None else partner.name,
        None if partner is None else partner.birth_date,
        None if partner is None else partner.sex,
        None if partner is None else partner.retirement_age,
        None if partner is None else partner.life_expectancy,
        expected_version,
    )
    return row


async def delete_user(conn: Connection, *, user_id: uuid.UUID) -> str | None:
    """Delete the user with their profile and tokens; return their email, None when absent."""
    email: str | None = await conn.fetchval(_DELETE_USER, user_id)
    return email


async def insert_refresh_token(
    conn: Connection,
    *,
    token_id: uuid.UUID,
    user_id: uuid.UUID,
    family_id: uuid.UUID,
    token_hash: bytes,
    ttl_s: int,
) -> None:
    """Store a new refresh token (its hash) in a family."""
    await conn.execute(
        _INSERT_REFRESH_TOKEN, token_id, user_id, family_id, token_hash, float(ttl_s)
    )


async def lock_refresh_token(conn: Connection, *, token_hash: bytes) -> asyncpg.Record | None:
    """Return the token row, locked until the transaction ends, so one use wins."""
    row: asyncpg.Record | None = await conn.fetchrow(_SELECT_REFRESH_TOKEN_FOR_UPDATE, token_hash)
    return row


async def lock_live_refresh_token(
    conn: Connection, *, token_id: uuid.UUID
) -> asyncpg.Record | None:
    """Return the token's hash, locked, if it is neither revoked nor expired."""
    row: asyncpg.Record | None = await conn.fetchrow(
        _SELECT_LIVE_REFRESH_TOKEN_FOR_UPDATE, token_id
    )
    return row


async def rotate_refresh_token(
    conn: Connection,
    *,
    token_id: uuid.UUID,
    replaced_by: uuid.UUID,
    successor_salt: bytes,
    rotated_for: bytes,
) -> None:
    """Retire a token in favour of its successor, keeping what a retry needs to find it."""
    await conn.execute(_ROTATE_REFRESH_TOKEN, token_id, replaced_by, successor_salt, rotated_for)


async def revoke_token_family(conn: Connection, *, family_id: uuid.UUID) -> None:
    """Revoke every live token of a family."""
    await conn.execute(_REVOKE_TOKEN_FAMILY, family_id)


async def count_attempt(
    conn: Connection, *, scope: str, subject_hash: bytes, window_s: int
) -> tuple[int, int]:
    """Count one attempt in the current window; return (attempts, seconds left in the window)."""
    row: Any = await conn.fetchrow(_COUNT_ATTEMPT, scope, subject_hash, float(window_s))
    return int(row["attempts"]), int(row["seconds_left"])


async def forgive_attempt(conn: Connection, *, scope: str, subject_hash: bytes) -> None:
    """Take back one counted attempt (it succeeded)."""
    await conn.execute(_FORGIVE_ATTEMPT, scope, subject_hash)


async def clear_attempts(conn: Connection, *, scope: str, subject_hash: bytes) -> None:
    """Forget the attempts of a subject (after a successful login, or with the account)."""
    await conn.execute(_CLEAR_ATTEMPTS, scope, subject_hash)


async def list_sessions(conn: Connection, *, user_id: uuid.UUID) -> list[asyncpg.Record]:
    """Return the user's refresh tokens without their hashes, oldest first."""
    return list(await conn.fetch(_SELECT_SESSIONS, user_id))
