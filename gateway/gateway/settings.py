"""Configuration of the gateway."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from nestegg_common.settings import CommonSettings

_ORIGIN = re.compile(
    r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$|^https?://\[[0-9a-f:.]+\](:[0-9]{1,5})?$"
)


class GatewaySettings(CommonSettings):
    """Everything the gateway reads from `NESTEGG_*` variables."""

    gateway_port: int = Field(8080, ge=0, le=65535)
    ledger_url: str = "http://127.0.0.1:8082"
    projections_url: str = "http://127.0.0.1:8083"
    # Browser origins allowed to call /api/v1 (comma-separated, exact: scheme://host[:port]).
    # Empty (default): no CORS at all.
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    # The projections service's budget per computation: the same NESTEGG_COMPUTE_BUDGET_S it
    # reads, so the two cannot disagree. Run, compare, solve and optimize get the budget plus
    # this margin (for the request's way in and out); every other route upstream_timeout_s.
    compute_budget_s: float = Field(30.0, gt=0, le=3600)
    gateway_compute_margin_s: float = Field(10.0, ge=1, le=600)
    # Each signed-in user's requests to projections' routes, the dashboard and the export, per
    # gateway process (gateway/user_limits.py): this sustained rate with bursts of this size;
    # past it 429 with Retry-After. 0 turns the limit off. Stored reads count here, not against
    # projections' computation limits.
    user_requests_per_s: float = Field(20.0, ge=0)
    user_request_burst: int = Field(100, ge=1, le=100_000)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            # Browsers send scheme and host in lower case; drop blanks and repeats.
            return tuple(dict.fromkeys(o.strip().lower() for o in value if o.strip()))
        return value

    @field_validator("cors_origins")
    @classmethod
    def _exact_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [o for o in value if not _ORIGIN.match(o)]
        if bad:
            raise ValueError(
                f"not exact origins {bad}: give scheme://host[:port], no path, no wildcard"
            )
        return value

    @property
    def compute_timeout_s(self) -> float:
        """Return how long the compute routes may take: the budget plus the margin."""
        return self.compute_budget_s + self.gateway_compute_margin_s

    @property
    def port(self) -> int:
        """Return `NESTEGG_GATEWAY_PORT`."""
        return self.gateway_port
