"""Throttle logins and registrations: count each attempt first, refuse with 429 past a limit.

Counters are fixed windows in `login_failures`, keyed by (scope, SHA-256 of the subject), so no
raw email or address is stored. Attempts are counted *before* the password is checked or hashed,
in their own transaction, so parallel guesses cannot overshoot and a refused one still counts.

Logins (docs/ARCHITECTURE.md, Login throttling):
- `account_address`: one account from one client address, `login_max_attempts_per_account_address`
  (10) per window. What stops a guesser, and only them: the owner elsewhere is not locked out.
- `account`: one account from everywhere, `login_max_attempts_per_account` (100) per window. The
  ceiling on a distributed attack (NIST SP 800-63B §5.2.2 asks for at most 100); only an attack
  from 10 or more addresses can reach it, and that does lock the owner out until the window ends.
- `address`: one client address, any accounts, `login_max_attempts_per_address` (100).
Registrations: per client address, `registrations_per_address_per_minute` (20) and
`registrations_per_address_per_day` (200): a family or an office behind one address is never
refused, a script creating accounts is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import asyncpg

from accounts import repository
from accounts.settings import AccountsSettings
from nestegg_common.db import Connection
from nestegg_common.errors import TooManyRequests

_DAY_S = 24 * 3600


@dataclass(frozen=True)
class Limit:
    """At most `max_attempts` per `window_s` for one subject of one scope."""

    scope: str
    subject: bytes
    window_s: int
    max_attempts: int
    refusal: str


def subject_hash(*parts: str) -> bytes:
    """Return what a counter is keyed by: the SHA-256 of its parts (an email key, an address)."""
    return hashlib.sha256("\n".join(parts).encode()).digest()


@dataclass(frozen=True)
class LoginSubjects:
    """The three counters one login attempt moves."""

    account: bytes
    address: bytes
    account_address: bytes

    @classmethod
    def of(cls, key: str, client_address: str) -> LoginSubjects:
        """Key the counters by the email key and the client address."""
        return cls(
            account=subject_hash(key),
            address=subject_hash(client_address),
            account_address=subject_hash(key, client_address),
        )


def login_limits(settings: AccountsSettings, subjects: LoginSubjects) -> tuple[Limit, ...]:
    """Return the limits of one login attempt, the narrowest first."""
    window = settings.login_window_s
    return (
        Limit(
            "account_address",
            subjects.account_address,
            window,
            settings.login_max_attempts_per_account_address,
            "Too many login attempts for this account from this address; wait and try again.",
        ),
        Limit(
            "account",
            subjects.account,
            window,
            settings.login_max_attempts_per_account,
            "Too many login attempts for this account; wait before trying again.",
        ),
        Limit(
            "address",
            subjects.address,
            window,
            settings.login_max_attempts_per_address,
            "Too many login attempts from this address; wait before trying again.",
        ),
    )


def registration_limits(settings: AccountsSettings, client_address: str) -> tuple[Limit, ...]:
    """Return the limits of one registration from `client_address`."""
    address = subject_hash(client_address)
    refusal = "Too many accounts registered from this address; wait before trying again."
    return (
        Limit(
            "register_minute", address, 60, settings.registrations_per_address_per_minute, refusal
        ),
        Limit("register_day", address, _DAY_S, settings.registrations_per_address_per_day, refusal),
    )


async def count_attempt(pool: asyncpg.Pool, limits: tuple[Limit, ...]) -> None:
    """Count one attempt against every limit; 429 naming the first one exceeded."""
    async with pool.acquire() as conn, conn.transaction():
        counted = [
            await repository.count_attempt(
                conn, scope=limit.scope, subject_hash=limit.subject, window_s=limit.window_s
            )
            for limit in limits
        ]
    exceeded = [
        (limit, left)
        for limit, (attempts, left) in zip(limits, counted, strict=True)
        if attempts > limit.max_attempts
    ]
    if exceeded:
        # Retry-After is the longest wait, so a client that obeys it is not refused again.
        raise TooManyRequests(
            exceeded[0][0].refusal, retry_after_s=max(left for _, left in exceeded)
        )


async def forget_login(conn: Connection, subjects: LoginSubjects) -> None:
    """After a successful login: clear this address's count for the account, take back its own.

    The account-wide and address-wide counters only lose this attempt: a distributed attack in
    progress keeps its count when the owner signs in.
    """
    await repository.clear_attempts(
        conn, scope="account_address", subject_hash=subjects.account_address
    )
    await repository.forgive_attempt(conn, scope="account", subject_hash=subjects.account)
    await repository.forgive_attempt(conn, scope="address", subject_hash=subjects.address)
