"""Migration 0004 (issue 16): projections stored before the `us` regime keep engine 1's flat tax.

Rows are written as the releases before 0004 wrote them: assumptions without `tax` (engine 1's
shape, issue 15) and with `tax` whose regime is null (the contract commit that added `tax`).
After 0004 both read back and run with `flat`; a regime the user chose is kept; a scenario that
set the regime to null gets `flat` too. A projection created afterwards keeps `regime: null`
(by the profile's currency when it runs). The rollback gives every row back as it was, except
one the user changed since.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from nestegg_common.migrations import apply_migrations, rollback_migrations
from nestegg_common.testing.postgres import create_database, drop_database, unique_database_name
from nestegg_common.testing.tokens import TokenFactory
from projections.app import MIGRATIONS_DIR

from .helpers import asset, expense

BEFORE_0004 = 3  # 0001..0003
# Rolling 0004 back takes every later migration with it.
SINCE_0004 = sum(
    1 for p in MIGRATIONS_DIR.glob("*.sql") if p.name >= "0004" and "rollback" not in p.name
)
USER = uuid.uuid4()
# Engine 1's assumptions as the release of issue 15 stored them: every field spelled out, no
# `tax` (Assumptions().model_dump() of that release).
ENGINE_1: dict[str, Any] = {
    "mode": "monte_carlo",
    "paths": 10000,
    "seed": None,
    "inflation": 0.03,
    "inflation_vol": 0.04,
    "stock_return": 0.1,
    "stock_vol": 0.18,
    "bond_return": 0.045,
    "bond_vol": 0.06,
    "stock_bond_corr": 0.1,
    "income_tax_rate": 0.2,
    "withdrawal_strategy": "needs",
    "withdrawal_rate": 0.04,
    "guardrails": {"upper": 0.2, "lower": 0.2, "adjustment": 0.1},
    "historical": {"first_year": None, "last_year": None},
    "longevity": "fixed",
    "selling_cost": 0.06,
}
DETERMINISTIC_1 = {**ENGINE_1, "mode": "deterministic", "income_tax_rate": 0.25}
# The contract commit spelled out `tax` with a null regime (which then still meant flat).
CONTRACT_TAX = {"regime": None, "year": None, "state_rate": 0.04}
P_ENGINE_1, P_CONTRACT, P_CHOSE_US = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
S_NULL_REGIME, S_OTHER = uuid.uuid4(), uuid.uuid4()
FLAT = {"regime": "flat", "year": None, "state_rate": 0.0}
PROJECTIONS = {
    P_ENGINE_1: DETERMINISTIC_1,
    P_CONTRACT: {**ENGINE_1, "tax": CONTRACT_TAX},
    P_CHOSE_US: {**ENGINE_1, "tax": {"regime": "us", "year": 2026, "state_rate": 0.0}},
}
SCENARIOS = {
    S_NULL_REGIME: (P_CONTRACT, {"assumptions": {"tax": {"regime": None, "state_rate": 0.05}}}),
    S_OTHER: (P_ENGINE_1, {"assumptions": {"stock_return": 0.07}}),
}


def write_old_rows(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        for pid, assumptions in PROJECTIONS.items():
            conn.execute(
                "INSERT INTO projections (id, user_id, name, assumptions) VALUES (%s, %s, %s, %s)",
                (pid, USER, f"Old {pid.hex[:6]}", json.dumps(assumptions)),
            )
        for sid, (pid, overrides) in SCENARIOS.items():
            conn.execute(
                "INSERT INTO scenarios (id, projection_id, user_id, name, overrides) "
                "VALUES (%s, %s, %s, 'Old scenario', %s)",
                (sid, pid, USER, json.dumps(overrides)),
            )


def stored(dsn: str) -> dict[uuid.UUID, tuple[dict[str, Any], int]]:
    """Every projection's assumptions and scenario's overrides, with its version."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, assumptions, version FROM projections "
            "UNION ALL SELECT id, overrides, version FROM scenarios"
        ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


@pytest.fixture(scope="module")
def module_database_url(pg_server_url: str) -> Iterator[str]:
    """The module's database as the release before 0004 left it; the app's fixture migrates it."""
    name = unique_database_name("mig_tax_regime_app")
    dsn = create_database(pg_server_url, name)
    apply_migrations(dsn, MIGRATIONS_DIR, steps=BEFORE_0004)
    write_old_rows(dsn)
    yield dsn
    drop_database(pg_server_url, name)


@pytest.fixture
def old_database(pg_server_url: str) -> Iterator[str]:
    name = unique_database_name("mig_tax_regime")
    dsn = create_database(pg_server_url, name)
    apply_migrations(dsn, MIGRATIONS_DIR, steps=BEFORE_0004)
    write_old_rows(dsn)
    try:
        yield dsn
    finally:
        drop_database(pg_server_url, name)


def test_0004_spells_out_flat_keeps_chosen_regimes_and_rolls_back_exactly(
    old_database: str,
) -> None:
    before = stored(old_database)
    apply_migrations(old_database, MIGRATIONS_DIR)
    after = stored(old_database)
    assert after[P_ENGINE_1] == ({**DETERMINISTIC_1, "tax": FLAT}, 2)
    # A tax the user had keeps its values; only the regime is filled in.
    assert after[P_CONTRACT] == ({**ENGINE_1, "tax": {**CONTRACT_TAX, "regime": "flat"}}, 2)
    assert after[P_CHOSE_US] == before[P_CHOSE_US]
    assert after[S_NULL_REGIME] == (
        {"assumptions": {"tax": {"regime": "flat", "state_rate": 0.05}}},
        2,
    )
    assert after[S_OTHER] == before[S_OTHER]

    rollback_migrations(old_database, MIGRATIONS_DIR, steps=SINCE_0004)
    back = stored(old_database)
    # Exactly as before (the versions moved on: what GET shows changed twice).
    assert {k: v[0] for k, v in back.items()} == {k: v[0] for k, v in before.items()}
    assert back[P_ENGINE_1][1] == 3 and back[P_CHOSE_US][1] == 1

    apply_migrations(old_database, MIGRATIONS_DIR)
    assert {k: v[0] for k, v in stored(old_database).items()} == {k: v[0] for k, v in after.items()}


def test_the_rollback_keeps_a_change_made_after_0004(old_database: str) -> None:
    apply_migrations(old_database, MIGRATIONS_DIR)
    with psycopg.connect(old_database) as conn:
        conn.execute(
            "UPDATE projections SET assumptions = jsonb_set(assumptions, '{tax,state_rate}', "
            "'0.05') WHERE id = %s",
            (P_ENGINE_1,),
        )
    rollback_migrations(old_database, MIGRATIONS_DIR, steps=SINCE_0004)
    tax = stored(old_database)[P_ENGINE_1][0]["tax"]
    assert tax == {**FLAT, "state_rate": 0.05}
    assert stored(old_database)[P_CONTRACT][0]["tax"] == CONTRACT_TAX


async def test_a_projection_stored_before_reads_back_and_runs_flat(
    client: Any, api: Any, upstream: Any, tokens: TokenFactory
) -> None:
    headers = tokens.headers(USER)
    upstream.person(USER, age=60, retire_at=60, plan_to=70, assets=[asset(500_000)])
    upstream.snapshots[USER]["expenses"] = [expense(40_000)]
    shown = await client.get(f"/projections/{P_ENGINE_1}", headers=headers)
    assert shown.status == 200, await shown.text()
    body = await shown.json()
    assert body["assumptions"]["tax"] == FLAT
    assert body["assumptions"]["income_tax_rate"] == 0.25
    # Every field of today's assumptions is shown, the new ones at their defaults.
    assert body["assumptions"]["withdrawal_order"] == "conventional"
    assert body["assumptions"]["roth_conversion"] is None

    response = await client.post(f"/projections/{P_ENGINE_1}/run", json={}, headers=headers)
    assert response.status == 200, await response.text()
    result = await response.json()
    # Engine 1's rule: the only tax is the flat rate on tax_deferred draws and taxable
    # incomes, and this household has neither.
    assert all(row["taxes"]["p50"] == 0 for row in result["years"])
    assert result["tax_law"] == {"regime": "flat", "law_year": None, "hash": None}
    assert result["detail"] is None

    # Its owner opts in to the new model with a scenario (or a PATCH): `us`, taxes on the draws.
    scenario = await client.post(
        f"/projections/{P_ENGINE_1}/scenarios",
        json={"name": "US taxes", "overrides": {"assumptions": {"tax": {"regime": "us"}}}},
        headers=headers,
    )
    assert scenario.status == 201, await scenario.text()
    body = {"scenario_id": (await scenario.json())["id"]}
    response = await client.post(f"/projections/{P_ENGINE_1}/run", json=body, headers=headers)
    assert response.status == 200, await response.text()
    us = await response.json()
    assert us["tax_law"]["regime"] == "us"
    assert us["detail"] is not None


async def test_a_projection_created_after_0004_leaves_the_regime_to_the_currency(
    api: Any, new_user: Any
) -> None:
    me = new_user()
    created = await api.create_projection(me, "New")
    assert created["assumptions"]["tax"] == {"regime": None, "year": None, "state_rate": 0.0}
    async with api.pool.acquire() as conn:
        stored_tax = await conn.fetchval(
            "SELECT assumptions -> 'tax' FROM projections WHERE id = $1",
            uuid.UUID(created["id"]),
        )
    assert stored_tax == {"regime": None, "year": None, "state_rate": 0.0}
