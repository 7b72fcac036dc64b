"""Fetch what a run needs from the other services: the profile and the ledger snapshot."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from nestegg_common.errors import NotFound, UpstreamUnavailable
from nestegg_common.input_changes import CHANGES_HEADER
from nestegg_common.tasks import all_or_nothing
from nestegg_common.upstream import json_of, upstream_errors
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

    async def _get(self, service: str, url: str) -> tuple[Any, int | None]:
        """Return the answer's JSON and its change counter (None from one that sends none)."""
        with upstream_errors(service):
            answer = await self.client.get(
                url, headers={"Authorization": f"Bearer {self.internal_token}"}
            )
        if answer.status_code == 404:
            raise NotFound("This account no longer exists.")
        body = json_of(answer.status_code, answer.content, service)
        return body, _counter(answer.headers.get(CHANGES_HEADER))

    async def profile(self, user_id: uuid.UUID) -> tuple[dict[str, Any], int | None]:
        """Return the user's profile from accounts, and its change counter."""
        answer, counter = await self._get(
            "accounts", f"{self.accounts_url.rstrip('/')}/internal/users/{user_id}/profile"
        )
        return _expect("accounts", UpstreamProfile, answer), counter

    async def snapshot(
        self, user_id: uuid.UUID
    ) -> tuple[dict[str, list[dict[str, Any]]], int | None]:
        """Return every ledger record of the user, and the snapshot's change counter."""
        answer, counter = await self._get(
            "ledger", f"{self.ledger_url.rstrip('/')}/internal/users/{user_id}/snapshot"
        )
        snapshot: dict[str, list[dict[str, Any]]] = _expect("ledger", UpstreamSnapshot, answer)
        return snapshot, counter

    async def plan_inputs(self, user_id: uuid.UUID) -> PlanInputs:
        """Fetch profile and snapshot concurrently; if one fails, the other is cancelled."""
        (profile, profile_changes), (snapshot, ledger_changes) = await all_or_nothing(
            self.profile(user_id), self.snapshot(user_id)
        )
        known = None
        if profile_changes is not None and ledger_changes is not None:
            known = (profile_changes, ledger_changes)
        return PlanInputs(profile, snapshot, known)


@dataclass(frozen=True)
class PlanInputs:
    """What a plan is built from, and the change counters of both (None if either is unknown)."""

    profile: dict[str, Any]
    snapshot: dict[str, list[dict[str, Any]]]
    changes: tuple[int, int] | None


def _counter(header: str | None) -> int | None:
    # A service that predates change counters (a rolling deploy) sends none: nothing is learned.
    if header is None or not header.isdigit():
        return None
    return int(header)
