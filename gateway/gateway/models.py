"""The bodies of the answers the gateway composes itself: the dashboard and the data export.

Used to document those answers (OpenAPI); the handlers in `gateway.aggregate` build them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

DashboardPart = Literal["profile", "ledger_summary", "latest_run"]


class LatestRun(BaseModel):
    """The user's most recent projection run, in brief."""

    run_id: uuid.UUID = Field(description="The stored run's id.")
    projection_id: uuid.UUID = Field(description="The projection run.")
    projection_name: str = Field(description="The projection's name.")
    scenario_id: uuid.UUID | None = Field(description="The scenario applied; null = baseline.")
    success_rate: float = Field(description="Share of paths that never fail, a fraction 0–1.")
    inputs_hash: str = Field(description="sha256 (hex) of everything the result depends on.")
    created_at: datetime = Field(description="When it was computed (RFC 3339, UTC).")


class Dashboard(BaseModel):
    """Profile, ledger totals and latest run, fetched concurrently; a slow part is left null."""

    profile: dict[str, Any] | None = Field(
        description="as `GET /api/v1/me/profile` answers it; null when unavailable"
    )
    ledger_summary: dict[str, Any] | None = Field(
        description="as `GET /api/v1/ledger/summary` answers it; null when unavailable"
    )
    latest_run: LatestRun | None = Field(
        description="null when the user has never run a projection, or when unavailable"
    )
    unavailable: list[DashboardPart] = Field(
        description="the parts that failed or took longer than 3 s (their value is null)"
    )


class Export(BaseModel):
    """Every record the user owns, across all services, as one document."""

    format: Literal["nestegg-export/1"] = Field(
        description="The export's format and version: `nestegg-export/1`."
    )
    exported_at: datetime = Field(description="When the export was made (RFC 3339, UTC).")
    user_id: uuid.UUID = Field(description="The user exported.")
    accounts: dict[str, Any] = Field(description="`user` (with `profile`) and `sessions`")
    ledger: dict[str, Any] = Field(
        description="`assets`, `debts`, `incomes`, `expenses`: lists of records"
    )
    projections: dict[str, Any] = Field(
        description="`projections`, `scenarios`, `runs`: lists of records"
    )
