"""Keyset pagination: opaque, signed cursors over (created_at, id), newest first."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from nestegg_common.errors import BadRequest

# A row indexable by column name (an asyncpg Record, a dict).
RowT = TypeVar("RowT")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class PageQuery(BaseModel):
    """`?limit=&cursor=` of a list request."""

    model_config = ConfigDict(extra="forbid")

    limit: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE
    cursor: Annotated[str, Field(min_length=1, max_length=512)] | None = None


@dataclass(frozen=True)
class Position:
    """Where a page ends: the last row's sort key."""

    created_at: datetime
    id: uuid.UUID


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Encode positions as `payload.mac`; a cursor that was altered does not verify.

    The MAC key is derived from a deployment secret, so a client can neither forge a cursor
    nor learn anything from one beyond its own row's timestamp and id.
    """

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(
            secret.encode(), b"nestegg pagination cursor v1", hashlib.sha256
        ).digest()

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:16]

    def encode(self, position: Position) -> str:
        """Return the opaque cursor of a position."""
        payload = json.dumps(
            {"t": position.created_at.isoformat(), "i": str(position.id)}, separators=(",", ":")
        ).encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def decode(self, cursor: str) -> Position:
        """Return the position of a cursor; 400 when it was not made by us."""
        try:
            payload_text, mac_text = cursor.split(".")
            payload = _unb64(payload_text)
            if not hmac.compare_digest(_unb64(mac_text), self._mac(payload)):
                raise ValueError("bad mac")
            data = json.loads(payload)
            return Position(created_at=datetime.fromisoformat(data["t"]), id=uuid.UUID(data["i"]))
        except (ValueError, KeyError, TypeError) as err:
            raise BadRequest(
                "The cursor is not valid; use the `next_cursor` of a previous page as it is."
            ) from err


def after_position(cursor: str | None, codec: CursorCodec) -> tuple[datetime, uuid.UUID] | None:
    """Return the `(created_at, id)` a page starts after; None for the first page."""
    if cursor is None:
        return None
    position = codec.decode(cursor)
    return position.created_at, position.id


def page_of(rows: Sequence[RowT], limit: int, codec: CursorCodec) -> tuple[list[RowT], str | None]:
    """Split a fetch of `limit + 1` rows into the page and the cursor of the next (None: last)."""
    page = list(rows[:limit])
    if len(rows) <= limit:
        return page, None
    last: Any = page[-1]
    last_id = last["id"]  # a page read as JSON values has it as text
    position = Position(
        last["created_at"], last_id if isinstance(last_id, uuid.UUID) else uuid.UUID(last_id)
    )
    return page, codec.encode(position)
