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
    # Compute (docs/ARCHITECTURE.md, Compute). Engine worker processes per replica: more than
    # one user may hold (runs_in_flight_per_user), so a newcomer finds one free and the OS
    # time-slices the CPU between users instead of queueing them one after another.
    projection_workers: int = Field(4, ge=1, le=64)
    # Per user, across replicas (limits.py): computations in progress at once, and per minute.
    # Reading a stored result is not one.
    runs_in_flight_per_user: int = Field(1, ge=1)
    runs_per_minute_per_user: int = Field(30, ge=1)
    # One budget per request (a compare of N scenarios is one), from its start to its answer;
    # past it the computation is cancelled (its worker killed) and the answer is 503.
    compute_budget_s: float = Field(30.0, gt=0, le=3600)
    # Requests computing or waiting for a worker, across all users of a replica; beyond: 503.
    compute_max_pending: int = Field(8, ge=1, le=10_000)
    # Memory a worker's job may map (RLIMIT_AS, on top of what the ready worker maps: its
    # preloaded code; workers.py), and the largest Monte Carlo plan, paths × years,
    # let in (422 beyond). A computation maps ~150 MB plus ~105 bytes a path-year: 6 million
    # (100,000 paths over 60 years) needs ~780 MB, so 1 GiB leaves a quarter spare. Change
    # the two together (tests/integration/test_workers.py checks the defaults fit).
    compute_worker_memory_mb: int = Field(1024, ge=256, le=1024 * 1024)
    compute_max_path_years: int = Field(6_000_000, ge=1)
    # Stored runs kept per projection; the latest of the baseline and of each scenario always
    # stays (docs/API.md, Run, compare, solve).
    runs_kept_per_projection: int = Field(20, ge=1, le=10_000)
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
