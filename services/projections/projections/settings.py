"""Configuration of the projections service."""

from __future__ import annotations

from pydantic import Field

from nestegg_common.settings import ServiceSettings


class ProjectionsSettings(ServiceSettings):
    """Everything the projections service reads from `NESTEGG_*` variables."""

    projections_port: int = Field(8083, ge=0, le=65535)
    projections_database: str = "nestegg_projections"

    @property
    def port(self) -> int:
        """Return `NESTEGG_PROJECTIONS_PORT`."""
        return self.projections_port

    @property
    def database_name(self) -> str:
        """Return `NESTEGG_PROJECTIONS_DATABASE`."""
        return self.projections_database
