"""DELETE /me tells every process before its 204; `/internal/erased-users` tells the late ones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from accounts.app import create_app
from accounts.settings import AccountsSettings
from nestegg_common.testing.services import TestSecrets

from .helpers import assert_problem, bearer, logged_in, registered_user
from .subscriber import Subscriber


@pytest_asyncio.fixture
async def subscribers() -> AsyncIterator[dict[str, Subscriber]]:
    started = {name: Subscriber() for name in ("ledger", "projections", "gateway")}
    for subscriber in started.values():
        await subscriber.start()
    yield started
    for subscriber in started.values():
        await subscriber.stop()


async def erase(client: TestClient) -> tuple[str, dict[str, Any]]:
    email, user = await registered_user(client, prefix="push")
    pair = await logged_in(client, email)
    assert (await client.delete("/me", headers=bearer(pair))).status == 204
    return user["id"], pair


async def test_every_subscriber_has_the_event_when_delete_me_answers(
    accounts_settings: AccountsSettings, subscribers: dict[str, Subscriber]
) -> None:
    settings = AccountsSettings(
        **{
            **accounts_settings.model_dump(),
            "outbox_dispatcher_enabled": True,
            # The dispatcher's own poll comes far too late to be what delivered it.
            "outbox_poll_interval_s": 60.0,
            **{f"{name}_url": s.url for name, s in subscribers.items()},
        }
    )
    async with TestClient(TestServer(create_app(settings))) as client:
        user_id, _ = await erase(client)
        # No waiting: by the 204 each process has acknowledged the erasure.
        for name, subscriber in subscribers.items():
            got = [r.body for r in subscriber.received if r.status == 204]
            assert [(b["type"], b["payload"]) for b in got] == [
                ("user.deleted", {"user_id": user_id})
            ], name


def service(test_secrets: TestSecrets) -> dict[str, str]:
    return {"Authorization": f"Bearer {test_secrets.internal_token}"}


async def test_the_erased_users_since_a_time_are_listed_oldest_first(
    client: TestClient, test_secrets: TestSecrets
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    first, _ = await erase(client)
    second, _ = await erase(client)

    response = await client.get(
        "/internal/erased-users",
        params={"since": before.isoformat()},
        headers=service(test_secrets),
    )

    assert response.status == 200, await response.text()
    items = (await response.json())["items"]
    assert [i["user_id"] for i in items if i["user_id"] in (first, second)] == [first, second]
    assert all(datetime.fromisoformat(i["erased_at"]) >= before for i in items)
    later = await client.get(
        "/internal/erased-users",
        params={"since": (datetime.now(UTC) + timedelta(minutes=1)).isoformat()},
        headers=service(test_secrets),
    )
    assert (await later.json())["items"] == []


async def test_the_erased_users_list_is_for_services_only(
    client: TestClient, test_secrets: TestSecrets
) -> None:
    since = {"since": datetime.now(UTC).isoformat()}
    await assert_problem(await client.get("/internal/erased-users", params=since), 401)
    email, _ = await registered_user(client)
    user_token = bearer(await logged_in(client, email))
    await assert_problem(
        await client.get("/internal/erased-users", params=since, headers=user_token), 401
    )


async def test_a_since_without_a_time_zone_or_missing_is_a_422_naming_it(
    client: TestClient, test_secrets: TestSecrets
) -> None:
    for params in ({"since": "2026-01-01T00:00:00"}, {"since": "yesterday"}, {}):
        response = await client.get(
            "/internal/erased-users", params=params, headers=service(test_secrets)
        )
        body = await assert_problem(response, 422)
        assert [e["field"] for e in body["errors"]] == ["query.since"]


async def test_a_restarted_accounts_still_refuses_an_erased_users_token(
    accounts_settings: AccountsSettings, client: TestClient
) -> None:
    _, pair = await erase(client)
    async with TestClient(TestServer(create_app(accounts_settings))) as restarted:
        response = await restarted.get("/me", headers=bearer(pair))
        body = await assert_problem(response, 401)
        assert body["detail"] == "This account was deleted."
