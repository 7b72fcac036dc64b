"""Fetch what a run needs from the other services: the profile and the ledger snapshot."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import aiohttp
import httpx
from pydantic import BaseModel, ValidationError

from nestegg_common.errors import NotFound, UpstreamUnavailable
from nestegg_common.tasks import all_or_nothing
from nestegg_common.upstream import json_of, upstream_errors
from nestegg_common.upstream_client import send
from projections.engine.plan import FilingStatus, Sex


class UpstreamPartner(BaseModel):
    """The partner as accounts shows it (DESIGN §4); a missing birth date is the user's to fix."""

    name: str | None = None
    birth_date: date | None = None
    sex: Sex = "unspecified"
    retirement_age: int
    life_expectancy: int


class UpstreamProfile(BaseModel):
    """What a run needs of accounts' answer (a check that it is what we think it is).

    The household fields default as DESIGN §4 says, so an accounts that predates them (a
    rolling deploy) still gives a single person's plan.
    """

    birth_date: date | None
    retirement_age: int
    life_expectancy: int
    sex: Sex = "unspecified"
    filing_status: FilingStatus = "single"
    partner: UpstreamPartner | None = None
    # The engine's default tax regime depends on it (DESIGN §6.4: `us` for USD); null = unset,
    # which the engine reads as USD, accounts' own default.
    currency: str | None = None


class UpstreamSnapshot(BaseModel):
    """The shape of ledger's snapshot; the records themselves are checked by the engine.

    Records pass through as they come: the fields the engine knows (`owner`, `cost_basis`,
    `sell_age`, `payoff_age`, `survivor_fraction`, frequency `once`, …) reach its models, which
    give the defaults of DESIGN §4 to a ledger that does not send them yet.
    """

    assets: list[dict[str, Any]] = []
    debts: list[dict[str, Any]] = []
    incomes: list[dict[str, Any]] = []
    expenses: list[dict[str, Any]] = []


def _expect(service: str, model: type[BaseModel], answer: Any) -> dict[str, Any]:
    try:
        checked: dict[str, Any] = model.model_validate(answer).model_dump(mode="json")
        return checked
    except ValidationError as err:
        raise UpstreamUnavailable(f"The {service} service answered something unexpected.") from err


@dataclass(frozen=True)
class Upstreams:
    """Where accounts and ledger answer, and the token they expect."""

    client: httpx.AsyncClient
    accounts_url: str
    ledger_url: str
    internal_token: str
    session: Callable[[], aiohttp.ClientSession]

    async def _get(self, service: str, url: str) -> tuple[Any, str | None]:
        """Return the answer's JSON and its ETag (None from a service that sends none)."""
        with upstream_errors(service):
            answer = await self.client.get(
                url, headers={"Authorization": f"Bearer {self.internal_token}"}
            )
        if answer.status_code == 404:
            raise NotFound("This account no longer exists.")
        return json_of(answer.status_code, answer.content, service), answer.headers.get("ETag")

    async def profile(self, user_id: uuid.UUID) -> tuple[dict[str, Any], str | None]:
        """Return the user's profile from accounts, and its version."""
        answer, version = await self._get(
            "accounts", f"{self.accounts_url.rstrip('/')}/internal/users/{user_id}/profile"
        )
        return _expect("accounts", UpstreamProfile, answer), version

    async def snapshot(
        self, user_id: uuid.UUID
    ) -> tuple[dict[str, list[dict[str, Any]]], str | None]:
        """Return every ledger record of the user, and the snapshot's version."""
        answer, version = await self._get(
            "ledger", f"{self.ledger_url.rstrip('/')}/internal/users/{user_id}/snapshot"
        )
        snapshot: dict[str, list[dict[str, Any]]] = _expect("ledger", UpstreamSnapshot, answer)
        return snapshot, version

    async def plan_inputs(self, user_id: uuid.UUID) -> PlanInputs:
        """Fetch profile and snapshot concurrently; if one fails, the other is cancelled."""
        (profile, profile_version), (snapshot, snapshot_version) = await all_or_nothing(
            self.profile(user_id), self.snapshot(user_id)
        )
        return PlanInputs(profile, snapshot, _versions(profile_version, snapshot_version))

    async def _version(self, service: str, url: str) -> str | None:
        # aiohttp's client: on every cached run, where httpx cost 37 % of the CPU (stored.py).
        headers = {"Authorization": f"Bearer {self.internal_token}"}
        answer = await send(self.session(), service, "GET", url, headers=headers)
        if answer.status == 404:
            raise NotFound("This account no longer exists.")
        body = json_of(answer.status, answer.body, service)
        version = body.get("version") if isinstance(body, dict) else None
        return version if isinstance(version, str) else None

    async def versions(self, user_id: uuid.UUID) -> str | None:
        """Return the versions of the profile and the snapshot, without them (None: unknown).

        Two small calls instead of the profile and every record: what a stored result is
        checked against (runs.run_projection). A service that predates them (a rolling
        deploy) answers 404 or no version: None, and the run fetches its inputs as before.
        """
        try:
            profile_version, snapshot_version = await all_or_nothing(
                self._version(
                    "accounts",
                    f"{self.accounts_url.rstrip('/')}/internal/users/{user_id}/profile-version",
                ),
                self._version(
                    "ledger",
                    f"{self.ledger_url.rstrip('/')}/internal/users/{user_id}/snapshot-version",
                ),
            )
        except NotFound:
            return None  # no such user, or no such route: the inputs' fetch says which
        return _versions(profile_version, snapshot_version)


@dataclass(frozen=True)
class PlanInputs:
    """What a plan is built from, and the versions of both (None when either is unknown)."""

    profile: dict[str, Any]
    snapshot: dict[str, list[dict[str, Any]]]
    versions: str | None


def _versions(profile: str | None, snapshot: str | None) -> str | None:
    # An ETag is the version in quotes ('"v3"'); the version endpoints may give it bare.
    if not profile or not snapshot:
        return None
    quote = '"'
    return f"profile {profile.strip(quote)} snapshot {snapshot.strip(quote)}"
