"""Look into the services' databases: a user's rows, the outbox, processed events."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from nestegg_common.settings import with_database

from .conftest import Cluster


def connect(cluster: Cluster, service: str) -> psycopg.Connection[Any]:
    dsn = with_database(
        cluster.env["NESTEGG_DATABASE_URL"], cluster.env[f"NESTEGG_{service.upper()}_DATABASE"]
    )
    return psycopg.connect(dsn, autocommit=True)


def rows_of(cluster: Cluster, user_id: str) -> dict[str, int]:
    """Count the user's rows in every table of every database that has a `user_id` column.

    Except `erased_users`: the tombstone that records the erasure itself (a random UUID and a
    time, no personal data; docs/ARCHITECTURE.md, Erasure).
    """
    counts = {}
    for service in ("accounts", "ledger", "projections"):
        with connect(cluster, service) as conn:
            tables = conn.execute(
                "SELECT table_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND column_name = 'user_id' "
                "AND table_name <> 'erased_users' ORDER BY table_name"
            ).fetchall()
            for (table,) in tables:
                query = sql.SQL("SELECT count(*) FROM {} WHERE user_id = %s").format(
                    sql.Identifier(table)
                )
                row = conn.execute(query, (user_id,)).fetchone()
                counts[f"{service}.{table}"] = int(row[0]) if row else 0
            if service == "accounts":
                row = conn.execute(
                    "SELECT count(*) FROM users WHERE id = %s", (user_id,)
                ).fetchone()
                counts["accounts.users"] = int(row[0]) if row else 0
    return counts


def deliveries(cluster: Cluster, user_id: str) -> list[tuple[Any, ...]]:
    """Return (event id, subscriber, attempts, delivered?, last error) of the user's erasure.

    Only the services with a database: the gateway's delivery only updates its memory.
    """
    with connect(cluster, "accounts") as conn:
        return conn.execute(
            "SELECT o.id, d.subscriber, d.attempts, d.delivered_at IS NOT NULL, d.last_error "
            "FROM outbox o JOIN outbox_deliveries d ON d.event_id = o.id "
            "WHERE o.event_type = 'user.deleted' AND o.payload->>'user_id' = %s "
            "AND d.subscriber <> 'gateway' ORDER BY d.subscriber",
            (user_id,),
        ).fetchall()


def processed(cluster: Cluster, service: str, event_id: Any) -> list[tuple[Any, ...]]:
    with connect(cluster, service) as conn:
        return conn.execute(
            "SELECT event_id, processed_at FROM processed_events WHERE event_id = %s", (event_id,)
        ).fetchall()
