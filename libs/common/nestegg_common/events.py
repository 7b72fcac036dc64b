"""The events that cross services through the outbox, as consumers read them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from nestegg_common.errors import ValidationFailed

USER_DELETED = "user.deleted"


class Event(BaseModel):
    """An event delivered by accounts' outbox to a subscriber's `/internal/events`."""

    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    type: Annotated[str, StringConstraints(min_length=1, max_length=100)]
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
