"""Accounts' side of an erasure: the tombstone, the recent erasures, the push before the 204.

See docs/ARCHITECTURE.md, Erasure. The tombstone is written in the DELETE /me transaction
(with the user.deleted outbox event); every process that verifies tokens reads the recent
ones through `GET /internal/erased-users?since=` (accounts reads its own table directly).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict

from nestegg_common.db import Connection
from nestegg_common.erasure import ERASED_PAGE, RECORD_TOMBSTONE, ErasedSince

# Served by erased_users_erased_at_idx, oldest first so a full page can be followed.
ERASED_SINCE = """
SELECT user_id, erased_at FROM erased_users
WHERE erased_at >= $1
ORDER BY erased_at, user_id
LIMIT $2
"""


class ErasedSinceQuery(BaseModel):
    """The query of `GET /internal/erased-users`: `since`, a time with its offset."""

    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime


async def record_tombstone(conn: Connection, *, user_id: uuid.UUID) -> None:
    """Remember that the user was erased (in the erasing transaction)."""
    await conn.execute(RECORD_TOMBSTONE, user_id)


async def erased_since(conn: Connection, *, since: datetime) -> ErasedSince:
    """Return up to `ERASED_PAGE` users erased at or after `since`, oldest first."""
    rows = await conn.fetch(ERASED_SINCE, since, ERASED_PAGE)
    return [(row["user_id"], row["erased_at"]) for row in rows]
