"""Every profile write tells projections the profile's new version before it commits (issue 19,
nestegg_common.input_changes): projections serves a stored result by these counters without
asking accounts, so a profile write it was not told of must not happen at all."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from accounts.app import create_app
from accounts.settings import AccountsSettings

from .helpers import assert_problem, bearer, logged_in, registered_user

PROFILE = {"birth_date": "1970-02-03", "retirement_age": 63, "life_expectancy": 90}


@dataclass
class Projections:
    """Stands in for projections' announcement endpoint; sees what is committed when told."""

    dsn: str = ""
    url: str = ""
    down: bool = False
    heard: list[tuple[uuid.UUID, dict[str, Any], int]] = field(default_factory=list)

    def app(self, token: str) -> web.Application:
        async def hear(request: web.Request) -> web.StreamResponse:
            if request.headers.get("Authorization") != f"Bearer {token}":
                return web.json_response({"detail": "service token required"}, status=401)
            if self.down:
                return web.json_response({"detail": "down for the test"}, status=503)
            user_id = uuid.UUID(request.match_info["user_id"])
            conn = await asyncpg.connect(self.dsn)  # what others see while the write waits
            try:
                committed = await conn.fetchval(
                    "SELECT version FROM profiles WHERE user_id = $1", user_id
                )
            finally:
                await conn.close()
            self.heard.append((user_id, await request.json(), committed))
            return web.Response(status=204)

        app = web.Application()
        app.router.add_post("/internal/users/{user_id}/input-changes", hear)
        return app


@pytest_asyncio.fixture(scope="module")
async def announcing(
    accounts_settings: AccountsSettings,
) -> AsyncIterator[tuple[TestClient, Projections]]:
    token = accounts_settings.internal_token.get_secret_value()
    projections = Projections(dsn=accounts_settings.database_dsn())
    server = TestServer(projections.app(token))
    await server.start_server()
    projections.url = str(server.make_url("/")).rstrip("/")
    settings = AccountsSettings(
        **{
            **accounts_settings.model_dump(),
            "projections_url": projections.url,
            "announce_input_changes": True,
        }
    )
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client, projections
    await server.close()


async def _user(client: TestClient) -> tuple[uuid.UUID, dict[str, str]]:
    email, user = await registered_user(client, prefix="changes")
    return uuid.UUID(user["id"]), bearer(await logged_in(client, email))


async def test_each_profile_write_announces_its_version_before_it_commits(announcing) -> None:
    client, projections = announcing
    projections.down = False
    user_id, headers = await _user(client)
    assert (await client.put("/me/profile", json=PROFILE, headers=headers)).status == 200
    patched = await client.patch("/me/profile", json={"retirement_age": 64}, headers=headers)
    assert patched.status == 200
    mine = [(body, committed) for who, body, committed in projections.heard if who == user_id]
    # (announcement, the version committed when told): each announced before its commit
    assert mine == [
        ({"source": "profile", "counter": 2}, 1),
        ({"source": "profile", "counter": 3}, 2),
    ]


async def test_a_profile_write_projections_cannot_be_told_of_is_refused_and_not_stored(
    announcing,
) -> None:
    client, projections = announcing
    _, headers = await _user(client)
    projections.down = True
    try:
        for method in (client.put, client.patch):
            response = await method("/me/profile", json=PROFILE, headers=headers)
            await assert_problem(response, 503)
            assert response.headers["Retry-After"] == "5"
    finally:
        projections.down = False
    profile = await client.get("/me/profile", headers=headers)
    assert profile.headers["ETag"] == '"v1"'
    assert (await profile.json())["retirement_age"] == 65


async def test_the_internal_profile_carries_its_change_counter(
    announcing, accounts_settings: AccountsSettings
) -> None:
    client, _ = announcing
    user_id, headers = await _user(client)
    assert (await client.put("/me/profile", json=PROFILE, headers=headers)).status == 200
    token = accounts_settings.internal_token.get_secret_value()
    answer = await client.get(
        f"/internal/users/{user_id}/profile", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status == 200 and answer.headers["Nestegg-Changes"] == "2"
