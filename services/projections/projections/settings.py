"""Configuration of the projections service."""

from __future__ import annotations

from pydantic import Field, FilePath, field_validator

from nestegg_common.settings import ServiceSettings
from projections.engine import SHIPPED_HISTORICAL_DATA


class ProjectionsSettings(ServiceSettings):
    """Everything the projections service reads from `NESTEGG_*` variables."""

    projections_port: int = Field(8083, ge=0, le=65535)
    projections_database: str = "nestegg_projections"
    ledger_url: str = "http://127.0.0.1:8082"
    # Historical mode's dataset: the copy shipped in the engine, unless pointed at a newer file.
    historical_data: FilePath = SHIPPED_HISTORICAL_DATA
    projection_workers: int = Field(2, ge=1, le=64)
    # Per user and per replica: runs, compares and solves in progress at once, and per minute.
    runs_in_flight_per_user: int = Field(2, ge=1)
    runs_per_minute_per_user: int = Field(30, ge=1)
    compute_timeout_s: float = Field(120.0, gt=0)
    # Quotas (docs/ARCHITECTURE.md, Quotas): projections per user, scenarios per projection.
    # A compare runs the baseline and every scenario, so the second bounds its cost too.
    max_projections_per_user: int = Field(100, ge=1, le=100_000)
    max_scenarios_per_projection: int = Field(50, ge=1, le=1000)

    @field_validator("historical_data", mode="before")
    @classmethod
    def _empty_means_shipped(cls, value: object) -> object:
        # `NESTEGG_HISTORICAL_DATA=` (as .env.example shows it) means the shipped copy, not ".".
        return SHIPPED_HISTORICAL_DATA if isinstance(value, str) and not value.strip() else value

    @property
    def port(self) -> int:
        """Return `NESTEGG_PROJECTIONS_PORT`."""
        return self.projections_port

    @property
    def database_name(self) -> str:
        """Return `NESTEGG_PROJECTIONS_DATABASE`."""
        return self.projections_database
