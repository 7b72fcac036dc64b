"""Whether the user's household has a partner: asked of accounts before storing a partner's record.

The ledger does not hold the profile; accounts answers `GET /internal/users/{id}/profile` with
the service token (as it does for projections). Asked only on a write whose result is owned by
the partner, so the ledger keeps working for everything else while accounts is away.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from aiohttp import web
from pydantic import BaseModel, ValidationError

from nestegg_common.erasure import AccountErased
from nestegg_common.errors import (
    ServiceUnavailable,
    UpstreamTimeout,
    UpstreamUnavailable,
    ValidationFailed,
)
from nestegg_common.upstream import json_of, upstream_errors

# How soon a client may retry when accounts cannot be asked (a restart takes seconds).
RETRY_AFTER_S = 5


class _Household(BaseModel):
    """What the check reads of accounts' profile: `partner`, null or an object (DESIGN §4)."""

    partner: dict[str, Any] | None = None


def no_partner(noun: str) -> ValidationFailed:
    """Return the 422 of a partner-owned record when the profile has no partner."""
    message = (
        "owner is partner, but your profile has no partner: add the partner "
        "(PATCH /me/profile) or choose self or joint"
    )
    return ValidationFailed(
        f"This {noun} cannot belong to a partner: your profile has no partner.",
        errors=[{"field": "owner", "message": message, "type": "partner_missing"}],
    )


@dataclass(frozen=True)
class PartnerCheck:
    """Ask accounts whether a user's profile has a partner."""

    client: Callable[[], httpx.AsyncClient]
    accounts_url: str
    internal_token: str

    async def require_partner(self, user_id: uuid.UUID, *, noun: str) -> None:
        """Return if the user has a partner; 422 on `owner` if not; 503 if accounts cannot say."""
        url = f"{self.accounts_url.rstrip('/')}/internal/users/{user_id}/profile"
        try:
            with upstream_errors("accounts"):
                answer = await self.client().get(
                    url, headers={"Authorization": f"Bearer {self.internal_token}"}
                )
            if answer.status_code == 404:  # erased since its token was checked
                raise AccountErased()
            household = _Household.model_validate(
                json_of(answer.status_code, answer.content, "accounts")
            )
        except (UpstreamUnavailable, UpstreamTimeout, ValidationError) as err:
            # Not a bad gateway: the ledger itself cannot decide this write right now.
            raise ServiceUnavailable(
                "The ledger cannot check your profile's partner right now (the accounts "
                "service is unavailable); retry shortly.",
                retry_after_s=RETRY_AFTER_S,
            ) from err
        if household.partner is None:
            raise no_partner(noun)


PARTNER_CHECK = web.AppKey("partner_check", PartnerCheck)
