"""A record owned by the partner is stored only when accounts says the profile has a partner.

Accounts is a stand-in served on a real socket, answering `GET /internal/users/{id}/profile` as
accounts does (service token required); each user's answer is set by the test.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ledger.app import MIGRATIONS_DIR, create_app
from ledger.settings import LedgerSettings
from nestegg_common.migrations import apply_migrations
from nestegg_common.testing.services import UNREACHABLE_URL, database_name_of
from nestegg_common.testing.tokens import TokenFactory

# The service token this module's ledger sends and its stand-in accounts expects.
INTERNAL_TOKEN = "ledger-partner-test-internal-token"
PARTNER = {
    "name": "Sam",
    "birth_date": "1968-04-02",
    "sex": "female",
    "retirement_age": 65,
    "life_expectancy": 92,
}


def profile(partner: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "display_name": "Alex",
        "birth_date": "1966-09-30",
        "sex": "male",
        "retirement_age": 67,
        "life_expectancy": 90,
        "currency": "USD",
        "filing_status": "single" if partner is None else "married_joint",
        "partner": partner,
    }


@dataclass
class Accounts:
    """Answers each user's profile as set in `profiles`; 503 for users in `down`."""

    profiles: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    down: set[uuid.UUID] = field(default_factory=set)
    garbled: set[uuid.UUID] = field(default_factory=set)
    asked: list[uuid.UUID] = field(default_factory=list)
    url: str = ""

    def app(self) -> web.Application:
        async def answer(request: web.Request) -> web.StreamResponse:
            if request.headers.get("Authorization") != f"Bearer {INTERNAL_TOKEN}":
                return web.json_response({"detail": "service token required"}, status=401)
            user_id = uuid.UUID(request.match_info["user_id"])
            self.asked.append(user_id)
            if user_id in self.down:
                return web.json_response({"detail": "down for the test"}, status=503)
            if user_id in self.garbled:
                return web.Response(text="<html>proxy error</html>", content_type="text/html")
            if user_id not in self.profiles:
                return web.json_response({"detail": "no such user"}, status=404)
            return web.json_response(self.profiles[user_id])

        app = web.Application()
        app.router.add_get("/internal/users/{user_id}/profile", answer)
        return app


@pytest_asyncio.fixture(scope="module")
async def accounts() -> AsyncIterator[Accounts]:
    stand_in = Accounts()
    server = TestServer(stand_in.app())
    await server.start_server()
    stand_in.url = str(server.make_url("/")).rstrip("/")
    yield stand_in
    await server.close()


@pytest.fixture(scope="module")
def ledger_settings(module_database_url: str, accounts: Accounts) -> LedgerSettings:
    apply_migrations(module_database_url, MIGRATIONS_DIR)
    return LedgerSettings(
        database_url=module_database_url,
        ledger_database=database_name_of(module_database_url),
        internal_token=INTERNAL_TOKEN,
        accounts_url=accounts.url,
        announce_input_changes=False,
    )


@pytest.fixture
def couple(new_user, accounts: Accounts):
    def make():
        me = new_user()
        accounts.profiles[me.id] = profile(PARTNER)
        return me

    return make


@pytest.fixture
def single(new_user, accounts: Accounts):
    def make():
        me = new_user()
        accounts.profiles[me.id] = profile(None)
        return me

    return make


async def no_partner_problem(api, response) -> bool:
    """Say whether `response` is the 422 naming `owner` because the profile has no partner."""
    errors = (await api.problem(response, 422))["errors"]
    return [(e["field"], e["type"]) for e in errors] == [("owner", "partner_missing")]


PARTNER_RECORDS = {
    "assets": {"kind": "tax_deferred", "owner": "partner"},
    "debts": {"owner": "partner"},
    "incomes": {"kind": "pension", "owner": "partner", "survivor_fraction": 0.5},
    "expenses": {"owner": "partner"},
}


async def test_a_partners_record_is_stored_when_the_profile_has_a_partner(
    api, couple, accounts, collection
) -> None:
    me = couple()
    created = await api.create(collection, me, api.body(collection, **PARTNER_RECORDS[collection]))
    assert created["owner"] == "partner"
    assert accounts.asked.count(me.id) == 1


async def test_a_partners_record_is_a_422_on_owner_without_a_partner(
    client, api, single, collection
) -> None:
    me = single()
    body = api.body(collection, **PARTNER_RECORDS[collection])
    response = await client.post(f"/{collection}", json=body, headers=me.headers)
    assert await no_partner_problem(api, response)
    assert await api.items(collection, me) == []


async def test_a_patch_to_the_partner_is_checked_like_a_create(client, api, single, accounts):
    me = single()
    created = await api.create("expenses", me)
    response = await client.patch(
        f"/expenses/{created['id']}", json={"owner": "partner"}, headers=me.headers
    )
    assert await no_partner_problem(api, response)
    assert await api.get("expenses", created["id"], me) == created
    accounts.profiles[me.id] = profile(PARTNER)  # PATCH /me/profile adds the partner
    response = await client.patch(
        f"/expenses/{created['id']}", json={"owner": "partner"}, headers=me.headers
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["owner"] == "partner"


async def test_records_of_the_user_or_joint_never_ask_accounts(api, new_user, accounts) -> None:
    me = new_user()  # accounts does not even know this user
    created = await api.create("assets", me, api.body("assets", owner="joint"))
    await api.create("incomes", me, api.body("incomes", owner="self"))
    await api.client.patch(f"/assets/{created['id']}", json={"owner": "self"}, headers=me.headers)
    assert me.id not in accounts.asked


async def test_a_partners_record_stays_when_the_partner_is_removed_but_an_edit_is_refused(
    client, api, couple, accounts
) -> None:
    me = couple()
    body = api.body("incomes", **PARTNER_RECORDS["incomes"])
    created = await api.create("incomes", me, body)
    accounts.profiles[me.id] = profile(None)  # the partner is removed from the profile
    assert await api.get("incomes", created["id"], me) == created  # never deleted
    response = await client.patch(
        f"/incomes/{created['id']}", json={"amount": "1"}, headers=me.headers
    )
    assert await no_partner_problem(api, response)
    # Giving it to the user fixes it, with no need for accounts.
    accounts.down.add(me.id)
    response = await client.patch(
        f"/incomes/{created['id']}", json={"owner": "self"}, headers=me.headers
    )
    assert response.status == 200, await response.text()


@pytest.mark.parametrize("failure", ["down", "garbled", "unknown"])
async def test_accounts_failing_is_a_503_with_retry_after_and_nothing_is_written(
    client, api, couple, accounts, failure
) -> None:
    me = couple()
    if failure == "down":
        accounts.down.add(me.id)
    elif failure == "garbled":
        accounts.garbled.add(me.id)
    else:
        del accounts.profiles[me.id]  # 404: the account is gone
    body = api.body("debts", owner="partner")
    response = await client.post("/debts", json=body, headers=me.headers)
    if failure == "unknown":
        await api.problem(response, 401)
    else:
        problem = await api.problem(response, 503)
        assert response.headers["Retry-After"] == "5"
        assert "accounts" in problem["detail"]
    assert await api.items("debts", me) == []


async def test_accounts_unreachable_is_a_503_not_a_500(
    ledger_settings: LedgerSettings, pool: asyncpg.Pool, tokens: TokenFactory, api, new_user
) -> None:
    settings = ledger_settings.model_copy(update={"accounts_url": UNREACHABLE_URL})
    app = create_app(
        settings, pool=pool, fetch_jwks=tokens.fetch_jwks, fetch_erased=tokens.fetch_erased
    )
    me = new_user()
    async with TestClient(TestServer(app)) as unreachable:
        body = api.body("expenses", owner="partner")
        response = await unreachable.post("/expenses", json=body, headers=me.headers)
        await api.problem(response, 503)
        # Everything else goes on without accounts.
        response = await unreachable.post(
            "/expenses", json=api.body("expenses"), headers=me.headers
        )
        assert response.status == 201
