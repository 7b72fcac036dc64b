"""One email key for identity, more throttling scopes, and the refresh-token retry grace (issue 13).

- `users.email_key`: the NFKC + case-folded address (accounts/emails.py), unique. It replaces
  the unique index on `lower(email)`: PostgreSQL's `lower()` and Python's disagree on letters
  such as U+0130, which let a look-alike address log in past the owner's lock-out. Existing
  rows are keyed here, in Python, because PostgreSQL has no full case folding (`ß` → `ss`).
  When two existing accounts have the same key (only possible with non-ASCII addresses that
  `lower()` kept apart), the migration stops and names their ids: an operator decides which
  one keeps the address (docs/OPERATIONS.md, Email keys); nothing is merged or hidden silently.
- `login_failures` also counts per (account, address) and registrations per address.
- During a rollout the release before this one still inserts users without a key: a trigger
  keys those rows in SQL (docs/OPERATIONS.md, Email keys), until a contract migration drops it.
- `refresh_tokens.successor_salt` / `rotated_for`: what a retried refresh needs to be answered
  with the same successor within the grace window instead of revoking the family.

A Python migration (the key needs Python's Unicode tables), self-contained: the migration image
holds no service code, so `email_key` below is a frozen copy of accounts.emails.email_key as of
this migration (tests/unit/test_email_key.py checks they agree).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from yoyo import step

__depends__ = {"0004.erased_users"}

_OLD_SCOPES = ("account", "address")
_NEW_SCOPES = (*_OLD_SCOPES, "account_address", "register_minute", "register_day")


def email_key(email: str) -> str:
    """Frozen copy of accounts.emails.email_key (NFKC, case-folded, NFKC)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email).casefold())


def _scope_check(scopes: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{s}'" for s in scopes)
    return (
        "ALTER TABLE login_failures DROP CONSTRAINT login_failures_scope_check, "
        f"ADD CONSTRAINT login_failures_scope_check CHECK (scope IN ({listed}))"
    )


_APPLY_DDL = (
    _scope_check(_NEW_SCOPES),
    "COMMENT ON TABLE login_failures IS 'Attempt counters of the current throttling window: "
    "logins per account, per client address and per (account, address); registrations per "
    "client address per minute and per day.'",
    "COMMENT ON COLUMN login_failures.scope IS 'account (per email key), address (per client "
    "IP), account_address (per email key and client IP), register_minute / register_day "
    "(registrations per client IP).'",
    "COMMENT ON COLUMN login_failures.subject_hash IS 'SHA-256 of the email key, of the client "
    "address, or of both (accounts.throttling); no raw personal data.'",
    "COMMENT ON COLUMN login_failures.attempts IS 'Attempts counted in the current window.'",
    "ALTER TABLE refresh_tokens "
    "ADD COLUMN successor_salt bytea CHECK (length(successor_salt) = 32), "
    "ADD COLUMN rotated_for bytea CHECK (length(rotated_for) = 32)",
    "COMMENT ON COLUMN refresh_tokens.successor_salt IS 'Set at rotation: with the presented "
    "token it derives the successor (HMAC), so a retry within the grace window gets the same one; "
    "useless without the token, which is never stored.'",
    "COMMENT ON COLUMN refresh_tokens.rotated_for IS 'SHA-256 of the client (address and "
    "User-Agent) that rotated the token; only that client may retry within the grace window.'",
    "ALTER TABLE users ADD COLUMN email_key text",
)

_KEY_DDL = (
    "ALTER TABLE users ALTER COLUMN email_key SET NOT NULL, "
    "ADD CONSTRAINT users_email_key_check CHECK (position('@' IN email_key) > 1)",
    "CREATE UNIQUE INDEX users_email_key_key ON users (email_key)",
    "DROP INDEX users_email_lower_key",
    "COMMENT ON COLUMN users.email IS 'Sign-in email as entered (domain lower-cased); shown and "
    "mailed to. Identity is email_key.'",
    "COMMENT ON COLUMN users.email_key IS 'NFKC + case-folded email (accounts.emails.email_key); "
    "unique: two addresses with the same key are one account. Used for lookup and throttling.'",
    # Expand step: the release still running during a rollout inserts users without the key.
    # The trigger keys them in SQL (exact for ASCII addresses; lower() is no full case folding,
    # so `ß` stays). Drop it, with the function, in a contract migration once no such release
    # runs.
    """CREATE FUNCTION users_fill_email_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.email_key := normalize(lower(normalize(NEW.email, NFKC)), NFKC);
    RETURN NEW;
END
$$""",
    "CREATE TRIGGER users_fill_email_key BEFORE INSERT ON users FOR EACH ROW "
    "WHEN (NEW.email_key IS NULL) EXECUTE FUNCTION users_fill_email_key()",
    "COMMENT ON FUNCTION users_fill_email_key() IS 'Keys a user inserted without email_key (by "
    "the release before 0005, during a rollout); to be dropped once none runs.'",
)

_ROLLBACK_DDL = (
    # Rows of the new scopes cannot satisfy the old check; they are only throttling windows.
    "DELETE FROM login_failures WHERE scope NOT IN ('account', 'address')",
    _scope_check(_OLD_SCOPES),
    "COMMENT ON TABLE login_failures IS 'Login attempts per account and per client address "
    "within the current throttling window.'",
    "COMMENT ON COLUMN login_failures.scope IS 'account (per email) or address (per client IP).'",
    "COMMENT ON COLUMN login_failures.subject_hash IS 'SHA-256 of the lower-cased email or of "
    "the client address; no raw personal data.'",
    "COMMENT ON COLUMN login_failures.attempts IS 'Unsuccessful attempts counted in the current "
    "window.'",
    "ALTER TABLE refresh_tokens DROP COLUMN successor_salt, DROP COLUMN rotated_for",
    "DROP TRIGGER users_fill_email_key ON users",
    "DROP FUNCTION users_fill_email_key()",
    # Fails, and so keeps 0005, if two accounts now differ only in ways lower() ignores.
    "CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))",
    "ALTER TABLE users DROP COLUMN email_key",
    "COMMENT ON COLUMN users.email IS 'Sign-in email as entered; unique case-insensitively "
    "(users_email_lower_key).'",
)


def _execute(conn: Any, statements: tuple[str, ...]) -> None:
    cursor = conn.cursor()
    for statement in statements:
        cursor.execute(statement)


def _fill_email_keys(conn: Any) -> None:
    cursor = conn.cursor()
    cursor.execute("SELECT id, email FROM users ORDER BY created_at, id")
    by_key: dict[str, list[Any]] = {}
    for user_id, email in cursor.fetchall():
        by_key.setdefault(email_key(email), []).append(user_id)
    clashes = [ids for ids in by_key.values() if len(ids) > 1]
    if clashes:
        listed = "; ".join(", ".join(str(i) for i in ids) for ids in clashes)
        raise RuntimeError(
            f"{len(clashes)} group(s) of accounts share one email key and cannot all keep their "
            f"address; resolve them first (docs/OPERATIONS.md, Email keys). User ids: {listed}"
        )
    cursor.executemany(
        "UPDATE users SET email_key = %s WHERE id = %s",
        [(key, ids[0]) for key, ids in by_key.items()],
    )


def apply(conn: Any) -> None:
    """Add the new columns and scopes, key every existing user, then enforce the key."""
    _execute(conn, _APPLY_DDL)
    _fill_email_keys(conn)
    _execute(conn, _KEY_DDL)


def rollback(conn: Any) -> None:
    """Go back to `lower(email)` uniqueness and the two login scopes."""
    _execute(conn, _ROLLBACK_DDL)


steps = [step(apply, rollback)]
