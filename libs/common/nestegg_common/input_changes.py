"""Per-user change counters of a plan's inputs, announced to projections before a write commits.

A stored projection result is served without asking accounts and ledger anything (issue 19,
docs/ARCHITECTURE.md "Stored results by change counters"). Each of them keeps a per-user counter
of the inputs it owns (accounts: the profile's version; ledger: `user_changes.counter`), raised
in the same transaction as the change, and **announces the new value to projections before
committing**. Projections keeps the highest value it was told and serves a stored run only when
the counters the run was computed from equal it. So once a write has answered, projections
already knows a counter at least as high as the write's, and no run computed before it matches;
an announcement that fails refuses the write (503, rolled back), so none is ever missed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from pydantic import BaseModel, ConfigDict, Field

from nestegg_common.erasure import AccountErased
from nestegg_common.errors import ProblemError, ServiceUnavailable
from nestegg_common.upstream import upstream_errors

# The header an internal profile or snapshot answer carries its counter in (projections learns
# a user's counters from it the first time it fetches the inputs).
CHANGES_HEADER = "Nestegg-Changes"

# Which counter rose: the announcing service names its own (projections knows which it reads).
Source = str

# How soon a client may retry a write refused because projections could not be told.
RETRY_AFTER_S = 5
# Projections' answer for a user it has erased already: the write is refused as erased (401),
# as it would be a moment later by the announcing service's own guard.
ERASED_STATUS = 410


class InputChange(BaseModel):
    """The body of an announcement: which source's counter rose, and to what."""

    model_config = ConfigDict(extra="forbid", strict=True)

    source: Source = Field(pattern=r"^[a-z][a-z_]{0,31}$")
    counter: int = Field(ge=1, le=2**63 - 1)


def changes_path(user_id: uuid.UUID) -> str:
    """Return projections' internal path that receives a user's announcements."""
    return f"/internal/users/{user_id}/input-changes"


@dataclass(frozen=True)
class ChangeAnnouncer:
    """Tell projections a user's new counter of one source; off when `projections_url` is None.

    Off only where no projections reads this service (a service's own tests): projections never
    trusts a counter it was not told (NESTEGG_ANNOUNCE_INPUT_CHANGES, docs/OPERATIONS.md).
    """

    client: Callable[[], httpx.AsyncClient]
    projections_url: str | None
    internal_token: str
    source: Source
    receiver: str = "projections service"  # how errors name it

    async def announce(self, user_id: uuid.UUID, counter: int) -> None:
        """Return once projections recorded `counter`; 503 (the write rolls back) otherwise."""
        if self.projections_url is None:
            return
        url = self.projections_url.rstrip("/") + changes_path(user_id)
        try:
            with upstream_errors(self.receiver):
                answer = await self.client().post(
                    url,
                    json=InputChange(source=self.source, counter=counter).model_dump(),
                    headers={"Authorization": f"Bearer {self.internal_token}"},
                )
        except ProblemError as err:
            raise _refused() from err
        if answer.status_code == ERASED_STATUS:
            raise AccountErased()
        if answer.status_code != 204:
            raise _refused()


def _refused() -> ServiceUnavailable:
    return ServiceUnavailable(
        "Your change could not be saved: the projections service could not be told of it, "
        "so your stored results would be out of date. Nothing was changed; retry shortly.",
        retry_after_s=RETRY_AFTER_S,
    )
