"""Migration 0006 (the household): old profiles keep working, the rollback round trip, CHECKs.

The module's database is migrated to 0005 and given a profile exactly as the release before
0006 wrote it; then the service's migrations run and the service is served over it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import psycopg
import pytest
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher

from accounts.app import MIGRATIONS_DIR
from nestegg_common.migrations import apply_migrations, rollback_migrations
from nestegg_common.testing.postgres import create_database, drop_database, unique_database_name
from nestegg_common.testing.services import TestSecrets

from .helpers import PASSWORD, bearer, logged_in

BEFORE_0006 = 5  # 0001..0005: one person per profile
OLD_USER = uuid.UUID("00000000-0000-4000-8000-000000000006")
OLD_EMAIL = "before-0006@example.com"
OLD_PROFILE = {
    "display_name": "Grace",
    "birth_date": "1961-04-30",
    "retirement_age": 63,
    "life_expectancy": 91,
    "currency": "GBP",
}
ONE_PERSON = {"sex": "unspecified", "filing_status": "single", "partner": None}
HOUSEHOLD_COLUMNS = {
    "sex",
    "filing_status",
    "partner_name",
    "partner_birth_date",
    "partner_sex",
    "partner_retirement_age",
    "partner_life_expectancy",
}


def insert_old_profile(dsn: str) -> None:
    """Insert a user and profile with the columns the release before 0006 knew."""
    password_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "INSERT INTO users (id, email, email_key, password_hash) VALUES (%s, %s, %s, %s)",
            (OLD_USER, OLD_EMAIL, OLD_EMAIL, password_hash),
        )
        conn.execute(
            "INSERT INTO profiles (user_id, display_name, birth_date, retirement_age, "
            "life_expectancy, currency) VALUES (%s, %s, %s, %s, %s, %s)",
            (OLD_USER, *OLD_PROFILE.values()),
        )


@pytest.fixture(scope="module")
def module_database_url(module_database_url: str) -> str:
    # Before conftest's accounts_settings applies every migration: the pre-0006 profile.
    apply_migrations(module_database_url, MIGRATIONS_DIR, steps=BEFORE_0006)
    insert_old_profile(module_database_url)
    return module_database_url


async def test_a_profile_from_before_0006_reads_back_as_one_person(
    client: TestClient, test_secrets: TestSecrets
) -> None:
    service = {"Authorization": f"Bearer {test_secrets.internal_token}"}
    internal = await client.get(f"/internal/users/{OLD_USER}/profile", headers=service)
    assert await internal.json() == {**OLD_PROFILE, **ONE_PERSON}
    headers = bearer(await logged_in(client, OLD_EMAIL))
    got = await client.get("/me/profile", headers=headers)
    assert (got.headers["ETag"], await got.json()) == ('"v1"', {**OLD_PROFILE, **ONE_PERSON})
    # And it can be changed as before, the household fields untouched.
    patch = await client.patch("/me/profile", json={"retirement_age": 64}, headers=headers)
    assert await patch.json() == {**OLD_PROFILE, **ONE_PERSON, "retirement_age": 64}


@pytest.fixture
def old_schema(pg_server_url: str) -> Iterator[str]:
    name = unique_database_name("mig_household")
    dsn = create_database(pg_server_url, name)
    apply_migrations(dsn, MIGRATIONS_DIR, steps=BEFORE_0006)
    try:
        yield dsn
    finally:
        drop_database(pg_server_url, name)


def profile_columns(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'profiles'"
        ).fetchall()
    return {name for (name,) in rows}


def stored_profile(dsn: str) -> dict[str, object]:
    with psycopg.connect(dsn) as conn:
        cursor = conn.execute("SELECT * FROM profiles WHERE user_id = %s", (OLD_USER,))
        row = cursor.fetchone()
        assert row is not None and cursor.description is not None
        return {c.name: v for c, v in zip(cursor.description, row, strict=True)}


def test_0006_applies_rolls_back_and_applies_again_keeping_old_profiles(old_schema: str) -> None:
    insert_old_profile(old_schema)
    before = stored_profile(old_schema)
    apply_migrations(old_schema, MIGRATIONS_DIR)
    applied = stored_profile(old_schema)
    assert set(applied) - set(before) == HOUSEHOLD_COLUMNS
    assert applied == {
        **before,
        "sex": "unspecified",
        "filing_status": "single",
        **dict.fromkeys(HOUSEHOLD_COLUMNS - {"sex", "filing_status"}),
    }
    with psycopg.connect(old_schema) as conn:  # a couple, which the rollback will forget
        conn.execute(
            "UPDATE profiles SET filing_status = 'married_joint', partner_birth_date = "
            "'1960-01-01', partner_sex = 'male', partner_retirement_age = 65, "
            "partner_life_expectancy = 90 WHERE user_id = %s",
            (OLD_USER,),
        )
    rollback_migrations(old_schema, MIGRATIONS_DIR, steps=1)
    assert profile_columns(old_schema) == set(before)
    assert stored_profile(old_schema) == before
    apply_migrations(old_schema, MIGRATIONS_DIR)
    assert stored_profile(old_schema) == applied


@pytest.mark.parametrize(
    "change",
    [
        "sex = 'other'",
        "filing_status = 'married'",
        "filing_status = 'married_joint'",  # without a partner
        "partner_birth_date = '1960-01-01'",  # a partner with only a birth date
        "partner_name = 'Bo'",  # a name without a partner
        "partner_birth_date = CURRENT_DATE, partner_sex = 'male', partner_retirement_age = 65, "
        "partner_life_expectancy = 90",
        "partner_birth_date = '1899-12-31', partner_sex = 'male', partner_retirement_age = 65, "
        "partner_life_expectancy = 90",
        "partner_birth_date = '1960-01-01', partner_sex = 'x', partner_retirement_age = 65, "
        "partner_life_expectancy = 90",
        "partner_birth_date = '1960-01-01', partner_sex = 'male', partner_retirement_age = 121, "
        "partner_life_expectancy = 121",
        "partner_birth_date = '1960-01-01', partner_sex = 'male', partner_retirement_age = 65, "
        "partner_life_expectancy = 0",
        "partner_birth_date = '1960-01-01', partner_sex = 'male', partner_retirement_age = 70, "
        "partner_life_expectancy = 69",
        "partner_name = '', partner_birth_date = '1960-01-01', partner_sex = 'male', "
        "partner_retirement_age = 65, partner_life_expectancy = 90",
    ],
)
def test_the_database_refuses_a_household_the_api_refuses(old_schema: str, change: str) -> None:
    insert_old_profile(old_schema)
    apply_migrations(old_schema, MIGRATIONS_DIR)
    statement = f"UPDATE profiles SET {change} WHERE user_id = %s"  # noqa: S608 - the cases above
    with psycopg.connect(old_schema) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(statement, (OLD_USER,))


def test_the_database_takes_a_whole_married_couple(old_schema: str) -> None:
    insert_old_profile(old_schema)
    apply_migrations(old_schema, MIGRATIONS_DIR)
    with psycopg.connect(old_schema) as conn:
        conn.execute(
            "UPDATE profiles SET filing_status = 'married_joint', partner_birth_date = %s, "
            "partner_sex = 'female', partner_retirement_age = 0, partner_life_expectancy = 1 "
            "WHERE user_id = %s",
            (date(1950, 2, 28), OLD_USER),
        )
    assert stored_profile(old_schema)["filing_status"] == "married_joint"
