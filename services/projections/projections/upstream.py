"""Fetch what a run needs from the other services: the profile and the ledger snapshot."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from nestegg_common.errors import NotFound, UpstreamTimeout, UpstreamUnavailable
from nestegg_common.tasks import all_or_nothing


@dataclass(frozen=True)
class Upstreams:
    """Where accounts and ledger answer, and the token they expect."""

    client: httpx.AsyncClient
    accounts_url: str
    ledger_url: str
    internal_token: str

    async def _get(self, service: str, url: str) -> Any:
        try:
            answer = await self.client.get(
                url, headers={"Authorization": f"Bearer {self.internal_token}"}
            )
        except httpx.TimeoutException as err:
            raise UpstreamTimeout(f"The {service} service did not answer in time.") from err
        except httpx.TransportError as err:
            raise UpstreamUnavailable(f"The {service} service is unavailable.") from err
        if answer.status_code == 404:
            raise NotFound("This account no longer exists.")
        if answer.status_code != 200:
            raise UpstreamUnavailable(f"The {service} service answered {answer.status_code}.")
        return answer.json()

    async def profile(self, user_id: uuid.UUID) -> dict[str, Any]:
        """Return the user's profile from accounts."""
        profile: dict[str, Any] = await self._get(
            "accounts", f"{self.accounts_url.rstrip('/')}/internal/users/{user_id}/profile"
        )
        return profile

    async def snapshot(self, user_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
        """Return every ledger record of the user."""
        snapshot: dict[str, list[dict[str, Any]]] = await self._get(
            "ledger", f"{self.ledger_url.rstrip('/')}/internal/users/{user_id}/snapshot"
        )
        return snapshot

    async def plan_inputs(
        self, user_id: uuid.UUID
    ) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
        """Fetch profile and snapshot concurrently; if one fails, the other is cancelled."""
        profile, snapshot = await all_or_nothing(self.profile(user_id), self.snapshot(user_id))
        return profile, snapshot
