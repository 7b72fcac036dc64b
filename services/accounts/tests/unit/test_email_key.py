"""The email key: what is one address, and migration 0005's frozen copy agrees."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from yoyo import read_migrations

from accounts.emails import email_key

MIGRATION = (
    Path(__file__).resolve().parents[2] / "migrations" / "0005.email_key_throttles_refresh_grace.py"
)

SAMPLES = [
    "alice@example.com",
    "Alice@Example.COM",
    "ＡＬＩＣＥ@example.com",
    "al\u0130ce@example.com",
    "Stra\u00dfe@example.com",
    "STRASSE@example.com",
    "\u03c3\u03bf\u03c6\u03b9\u03b1\u03c2@example.com",  # final sigma
    "\ufb01le@example.com",  # the fi ligature
    "\u0430lice@example.com",  # Cyrillic a
    "e\u0301cole@example.com",  # e + combining acute
    "\u00e9cole@example.com",
]


def frozen_copy() -> ModuleType:
    """Load migration 0005 as yoyo does (its `step` needs yoyo's collector)."""
    (migration,) = [m for m in read_migrations(str(MIGRATION.parent)) if m.id == MIGRATION.stem]
    migration.load()
    module: ModuleType = migration.module
    return module


def test_the_migration_keys_existing_rows_exactly_as_the_service_does() -> None:
    migration = frozen_copy()
    for sample in SAMPLES:
        assert migration.email_key(sample) == email_key(sample), sample


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("Alice@Example.COM", "alice@example.com", True),
        ("ＡＬＩＣＥ@example.com", "alice@example.com", True),
        ("Stra\u00dfe@example.com", "strasse@example.com", True),
        ("\ufb01le@example.com", "file@example.com", True),
        ("e\u0301cole@example.com", "\u00e9cole@example.com", True),
        (
            "\u03c3\u03bf\u03c6\u03b9\u03b1\u03c2@x.org",
            "\u03a3\u039f\u03a6\u0399\u0391\u03a3@x.org",
            True,
        ),
        ("al\u0130ce@example.com", "alice@example.com", False),
        ("\u0430lice@example.com", "alice@example.com", False),
    ],
)
def test_two_addresses_are_one_account_when_their_keys_agree(
    one: str, other: str, same: bool
) -> None:
    assert (email_key(one) == email_key(other)) is same


def test_the_key_is_stable() -> None:
    for sample in SAMPLES:
        assert email_key(email_key(sample)) == email_key(sample)
