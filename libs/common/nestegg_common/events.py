"""The events that cross services through the outbox, as consumers read them."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import asyncpg
from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints

from nestegg_common.db import Connection
from nestegg_common.erasure import ErasedUsers, lock_for_erasure
from nestegg_common.errors import ValidationFailed

USER_DELETED = "user.deleted"

# Every subscriber has this table; the event id is what makes redelivery harmless.
RECORD_PROCESSED_EVENT = """
INSERT INTO processed_events (event_id, event_type) VALUES ($1, $2)
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id
"""

EraseUser = Callable[[Connection, uuid.UUID], Awaitable[None]]


class Event(BaseModel):
    """An event delivered by accounts' outbox to a subscriber's `/internal/events`."""

    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    type: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    occurred_at: AwareDatetime | None = None
    payload: dict[str, Any]


def deleted_user_id(event: Event) -> uuid.UUID | None:
    """Return the user a `user.deleted` event erases (None for other events); 422 if malformed."""
    if event.type != USER_DELETED:
        return None
    try:
        return uuid.UUID(str(event.payload["user_id"]))
    except (KeyError, ValueError) as err:
        raise ValidationFailed(
            "A user.deleted event needs payload.user_id, a UUID.",
            errors=[
                {"field": "payload.user_id", "message": "a UUID is required", "type": "uuid_type"}
            ],
        ) from err


def note_erasure(erased: ErasedUsers, event: Event) -> None:
    """Refuse the tokens of the user a `user.deleted` event erases, from now on (in memory)."""
    user_id = deleted_user_id(event)
    if user_id is not None:
        erased.add(user_id, event.occurred_at)


async def apply_once(
    pool: asyncpg.Pool,
    event: Event,
    *,
    erase_user: EraseUser,
    erased: ErasedUsers | None = None,
) -> bool:
    """Apply an event at most once, recording its id in the same transaction; say if it was new.

    A `user.deleted` first waits for the user's writes in flight and tombstones the user
    (`lock_for_erasure`), so no write can slip in after the erasure; with `erased`, the
    process's verifier refuses the user's tokens as soon as it commits (a redelivery too).
    """
    user_id = deleted_user_id(event)  # a malformed event is a 422 before anything is written
    async with pool.acquire() as conn, conn.transaction():
        new = await conn.fetchval(RECORD_PROCESSED_EVENT, event.id, event.type) is not None
        if new and user_id is not None:
            await lock_for_erasure(conn, user_id)
            await erase_user(conn, user_id)
    if erased is not None:
        note_erasure(erased, event)
    return new
