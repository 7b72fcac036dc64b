"""One email key for storage, lookup, uniqueness and throttling (issue 13, item 3)."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from accounts.emails import email_key
from accounts.settings import AccountsSettings

from .helpers import PASSWORD, assert_problem, logged_in


def fresh_local() -> str:
    return f"alice{uuid.uuid4().hex[:8]}"


async def register(client: TestClient, email: str) -> int:
    response = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
    return int(response.status)


async def login(client: TestClient, email: str, password: str = PASSWORD) -> int:
    response = await client.post("/auth/login", json={"email": email, "password": password})
    return int(response.status)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    ("variant", "same"),
    [
        (lambda local: local.upper(), True),
        (fullwidth, True),  # NFKC: ａｌｉｃｅ is alice
        (lambda local: local.replace("alice", "al\u0130ce"), False),  # İ folds to i + U+0307
        (lambda local: local.replace("alice", "\u0430lice"), False),  # Cyrillic а
    ],
)
async def test_an_address_is_the_same_account_exactly_when_its_key_is(
    client: TestClient, variant: object, same: bool
) -> None:
    local = fresh_local()
    assert await register(client, f"{local}@example.com") == 201
    other = f"{variant(local)}@example.com"  # type: ignore[operator]
    assert await login(client, other) == (200 if same else 401)
    assert await register(client, other) == (409 if same else 201)


async def test_sharp_s_and_ss_are_one_address(client: TestClient) -> None:
    local = f"stra\u00dfe{uuid.uuid4().hex[:8]}"
    assert await register(client, f"{local}@example.com") == 201
    assert await register(client, f"{local.replace('ß', 'ss')}@example.com") == 409
    await logged_in(client, f"{local.replace('ß', 'SS')}@example.com")


async def test_the_key_is_stored_and_the_address_kept_as_typed(
    client: TestClient, db: asyncpg.Connection
) -> None:
    typed = f"{fullwidth(fresh_local())}@Example.COM"
    assert await register(client, typed) == 201
    row = await db.fetchrow(
        "SELECT email, email_key FROM users WHERE email_key = $1", email_key(typed)
    )
    assert row is not None
    assert row["email"] == typed.replace("Example.COM", "example.com")  # the domain is lowered
    assert row["email_key"].isascii() and row["email_key"] == row["email_key"].lower()


async def test_a_dotted_capital_i_cannot_log_in_past_a_locked_account(
    client: TestClient, accounts_settings: AccountsSettings
) -> None:
    local = fresh_local()
    email = f"{local}@example.com"
    assert await register(client, email) == 201
    for _ in range(accounts_settings.login_max_attempts_per_account_address):
        assert await login(client, email, "wrong password!") == 401
    assert await login(client, email) == 429
    # Today's bug: PostgreSQL's lower() took al\u0130ce for alice while the counter did not.
    look_alike = email.replace("alice", "al\u0130ce")
    assert await login(client, look_alike) == 401


async def test_every_spelling_of_an_address_counts_against_one_lock(
    client: TestClient, accounts_settings: AccountsSettings
) -> None:
    local = fresh_local()
    assert await register(client, f"{local}@example.com") == 201
    spellings = [f"{local.upper()}@example.com", f"{fullwidth(local)}@EXAMPLE.com"]
    for n in range(accounts_settings.login_max_attempts_per_account_address):
        assert await login(client, spellings[n % 2], "wrong password!") == 401
    response = await client.post(
        "/auth/login", json={"email": f"{local}@example.com", "password": PASSWORD}
    )
    await assert_problem(response, 429)
