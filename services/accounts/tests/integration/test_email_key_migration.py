"""Migration 0005 keys the accounts that exist, and refuses to guess between two that clash."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from accounts.app import MIGRATIONS_DIR
from accounts.emails import email_key
from nestegg_common.migrations import apply_migrations, migration_status, rollback_migrations
from nestegg_common.testing.postgres import create_database, drop_database, unique_database_name

BEFORE_0005 = 3  # 0001..0003: the schema with the unique index on lower(email)
HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"


@pytest.fixture
def old_schema(pg_server_url: str) -> Iterator[str]:
    name = unique_database_name("mig_email_key")
    dsn = create_database(pg_server_url, name)
    apply_migrations(dsn, MIGRATIONS_DIR, steps=BEFORE_0005)
    try:
        yield dsn
    finally:
        drop_database(pg_server_url, name)


def add_users(dsn: str, *emails: str) -> None:
    # The users of an old release, inserted with that release's columns.
    with psycopg.connect(dsn) as conn:
        for email in emails:
            conn.execute(
                "INSERT INTO users (id, email, password_hash) VALUES (%s, %s, %s)",
                (uuid.uuid4(), email, HASH),
            )


def test_existing_accounts_get_the_key_the_service_computes(old_schema: str) -> None:
    emails = [
        "Bob@example.com",
        "ＣＡＲＯＬ@example.com",
        "Stra\u00dfe@example.com",
        "al\u0130ce@x.org",
    ]
    add_users(old_schema, *emails)
    apply_migrations(old_schema, MIGRATIONS_DIR)
    with psycopg.connect(old_schema) as conn:
        stored = dict(conn.execute("SELECT email, email_key FROM users").fetchall())
    assert stored == {email: email_key(email) for email in emails}


def test_accounts_whose_keys_clash_stop_the_migration_and_are_named(old_schema: str) -> None:
    # Distinct under lower() (so both exist today), one address under the key.
    add_users(old_schema, "stra\u00dfe@example.com", "strasse@example.com", "ok@example.com")
    with pytest.raises(Exception, match="share one email key") as caught:
        apply_migrations(old_schema, MIGRATIONS_DIR)
    with psycopg.connect(old_schema) as conn:
        ids = [str(r[0]) for r in conn.execute("SELECT id FROM users WHERE email LIKE 'str%'")]
    assert all(user_id in str(caught.value) for user_id in ids)
    # Nothing of 0005 stayed: the operator resolves the clash and migrates again.
    assert any(m.startswith("0005") for m in migration_status(old_schema, MIGRATIONS_DIR).pending)


def test_rolling_back_restores_case_insensitive_uniqueness(old_schema: str) -> None:
    add_users(old_schema, "Dave@example.com")
    apply_migrations(old_schema, MIGRATIONS_DIR)
    rollback_migrations(old_schema, MIGRATIONS_DIR, steps=1)
    with pytest.raises(psycopg.errors.UniqueViolation):
        add_users(old_schema, "dave@EXAMPLE.com")


def test_the_release_before_0005_can_still_register_during_a_rollout(old_schema: str) -> None:
    apply_migrations(old_schema, MIGRATIONS_DIR)
    add_users(old_schema, "Erin@Example.com")  # the old INSERT, without email_key
    with psycopg.connect(old_schema) as conn:
        (key,) = conn.execute("SELECT email_key FROM users").fetchone() or (None,)
    assert key == email_key("Erin@Example.com")
    with pytest.raises(psycopg.errors.UniqueViolation):  # and its 409 still works
        add_users(old_schema, "erin@example.com")
