"""Configuration of the ledger service."""

from __future__ import annotations

from pydantic import Field

from nestegg_common.settings import ServiceSettings


class LedgerSettings(ServiceSettings):
    """Everything the ledger service reads from `NESTEGG_*` variables."""

    ledger_port: int = Field(8082, ge=0, le=65535)
    ledger_database: str = "nestegg_ledger"
    # Records a user may hold in each of the four collections (docs/ARCHITECTURE.md, Quotas).
    # 200 is what one projection plan can hold per kind; above it, runs would be refused.
    max_records_per_collection: int = Field(200, ge=1, le=100_000)
    # Where projections listens: every write of a user's records announces the user's new change
    # counter there before committing (nestegg_common.input_changes). Turn announcements off
    # only for a ledger that no projections reads: projections would serve stale results.
    projections_url: str = "http://127.0.0.1:8083"
    announce_input_changes: bool = True
    # Memory for each process's cache of encoded list pages (nestegg_common.page_cache): a
    # repeated read costs no database round trip. 0 turns it off.
    ledger_page_cache_mb: int = Field(64, ge=0, le=65_536)

    @property
    def port(self) -> int:
        """Return `NESTEGG_LEDGER_PORT`."""
        return self.ledger_port

    @property
    def database_name(self) -> str:
        """Return `NESTEGG_LEDGER_DATABASE`."""
        return self.ledger_database
