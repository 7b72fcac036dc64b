"""Accounts' `/metrics`: the outbox's pending deliveries and the age of the oldest."""

from __future__ import annotations

import asyncpg
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from nestegg_common.service_token import SERVICE_TOKEN

from .helpers import bearer, logged_in, registered_user


async def outbox_gauges(client: TestClient) -> dict[str, float]:
    token = client.app[SERVICE_TOKEN].decode()
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200
    return {
        s.name: s.value
        for family in text_string_to_metric_families(await response.text())
        for s in family.samples
        if s.name.startswith("nestegg_outbox_")
    }


async def test_pending_deliveries_and_their_age_are_read_at_each_scrape(
    client: TestClient, db: asyncpg.Connection
) -> None:
    await db.execute("DELETE FROM outbox")
    assert await outbox_gauges(client) == {
        "nestegg_outbox_pending_deliveries": 0.0,
        "nestegg_outbox_oldest_pending_age_seconds": 0.0,
    }

    email, _ = await registered_user(client, prefix="metrics")
    pair = await logged_in(client, email)
    assert (await client.delete("/me", headers=bearer(pair))).status == 204  # the dispatcher is off
    await db.execute("UPDATE outbox SET occurred_at = now() - interval '90 seconds'")
    gauges = await outbox_gauges(client)
    subscribers = await db.fetchval("SELECT count(*) FROM outbox_deliveries")
    assert subscribers >= 1
    assert gauges["nestegg_outbox_pending_deliveries"] == subscribers
    assert 90 <= gauges["nestegg_outbox_oldest_pending_age_seconds"] < 120

    await db.execute("UPDATE outbox_deliveries SET delivered_at = now()")
    assert (await outbox_gauges(client))["nestegg_outbox_pending_deliveries"] == 0
