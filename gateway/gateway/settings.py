"""Configuration of the gateway."""

from __future__ import annotations

from pydantic import Field

from nestegg_common.settings import CommonSettings


class GatewaySettings(CommonSettings):
    """Everything the gateway reads from `NESTEGG_*` variables."""

    gateway_port: int = Field(8080, ge=0, le=65535)
    ledger_url: str = "http://127.0.0.1:8082"
    projections_url: str = "http://127.0.0.1:8083"

    @property
    def port(self) -> int:
        """Return `NESTEGG_GATEWAY_PORT`."""
        return self.gateway_port
