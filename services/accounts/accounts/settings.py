"""Configuration of the accounts service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from nestegg_common.settings import ServiceSettings


class AccountsSettings(ServiceSettings):
    """Everything the accounts service reads from `NESTEGG_*` variables."""

    accounts_port: int = Field(8081, ge=0, le=65535)
    accounts_database: str = "nestegg_accounts"
    jwt_private_key: SecretStr = SecretStr("")
    jwt_private_key_file: Path | None = None
    access_token_ttl_s: int = Field(900, ge=30, le=3600)
    refresh_token_ttl_s: int = Field(30 * 24 * 3600, ge=300)
    # OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 is the minimum.
    argon2_memory_kib: int = Field(19 * 1024, ge=19 * 1024)
    argon2_time_cost: int = Field(2, ge=2)
    argon2_parallelism: int = Field(1, ge=1)
    login_window_s: int = Field(900, ge=1)
    login_max_attempts_per_account: int = Field(10, ge=1)
    login_max_attempts_per_address: int = Field(100, ge=1)

    @property
    def port(self) -> int:
        """Return `NESTEGG_ACCOUNTS_PORT`."""
        return self.accounts_port

    @property
    def database_name(self) -> str:
        """Return `NESTEGG_ACCOUNTS_DATABASE`."""
        return self.accounts_database
