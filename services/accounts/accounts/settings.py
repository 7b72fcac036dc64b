"""Configuration of the accounts service."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import NoDecode

from nestegg_common.settings import ServiceSettings

# The processes that can subscribe to accounts' events; each has its own URL setting. The
# gateway only keeps erased users in memory, to refuse their tokens (docs/ARCHITECTURE.md).
KNOWN_SUBSCRIBERS = ("ledger", "projections", "gateway")


class AccountsSettings(ServiceSettings):
    """Everything the accounts service reads from `NESTEGG_*` variables."""

    accounts_port: int = Field(8081, ge=0, le=65535)
    accounts_database: str = "nestegg_accounts"
    jwt_private_key: SecretStr = SecretStr("")
    jwt_private_key_file: Path | None = None
    # Public keys (PEM, concatenated) published in the JWKS beside the signing key: the previous
    # key after a rotation (its tokens stay valid until they expire), or the next one just
    # before it (docs/OPERATIONS.md, Rotating the signing key). Inline, a file, or both.
    jwt_previous_public_keys: str = ""
    jwt_previous_public_keys_file: Path | None = None
    access_token_ttl_s: int = Field(900, ge=30, le=3600)
    refresh_token_ttl_s: int = Field(30 * 24 * 3600, ge=300)
    # OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 is the minimum.
    argon2_memory_kib: int = Field(19 * 1024, ge=19 * 1024)
    argon2_time_cost: int = Field(2, ge=2)
    argon2_parallelism: int = Field(1, ge=1)
    # Throttling (accounts/throttling.py, docs/ARCHITECTURE.md, Login throttling): wrong
    # guesses at one account from one address, the ceiling for one account from everywhere,
    # and attempts from one address at any accounts, each per login window.
    login_window_s: int = Field(900, ge=1)
    login_max_attempts_per_account_address: int = Field(10, ge=1)
    login_max_attempts_per_account: int = Field(100, ge=1)
    login_max_attempts_per_address: int = Field(100, ge=1)
    # Registrations from one client address (a family or an office shares one).
    registrations_per_address_per_minute: int = Field(20, ge=1)
    registrations_per_address_per_day: int = Field(200, ge=1)
    # A refresh token presented again this soon after its rotation, by the client that rotated
    # it and while its successor is unused, gets that successor again (a retry whose answer was
    # lost) instead of revoking the family. 0 turns the grace off.
    refresh_reuse_grace_s: int = Field(20, ge=0, le=60)

    # Every profile write announces the profile's new version to projections
    # (NESTEGG_PROJECTIONS_URL) before committing (nestegg_common.input_changes). Off only for
    # an accounts that no projections reads: projections would serve stale results.
    announce_input_changes: bool = True

    # Outbox (docs/OUTBOX.md). NESTEGG_EVENT_SUBSCRIBERS is a comma-separated list of names.
    ledger_url: str = "http://127.0.0.1:8082"
    projections_url: str = "http://127.0.0.1:8083"
    gateway_url: str = "http://127.0.0.1:8080"
    event_subscribers: Annotated[tuple[str, ...], NoDecode] = KNOWN_SUBSCRIBERS
    outbox_dispatcher_enabled: bool = True
    outbox_poll_interval_s: float = Field(0.5, gt=0, le=60)
    outbox_batch_size: int = Field(50, ge=1, le=1000)
    outbox_send_timeout_s: float = Field(10.0, gt=0, le=300)
    outbox_backoff_base_s: float = Field(0.5, gt=0)
    outbox_backoff_max_s: float = Field(60.0, gt=0)
    outbox_retention_days: int = Field(7, ge=1)
    outbox_purge_interval_s: float = Field(3600.0, gt=0)
    # DELETE /me pushes user.deleted to every subscriber before its 204, waiting at most this.
    outbox_push_wait_s: float = Field(2.0, ge=0, le=30)

    # Field validators, not a model validator: a model-level error would echo every input,
    # secrets included, into the startup log.
    @field_validator("event_subscribers", mode="before")
    @classmethod
    def _split_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [name.strip() for name in value.split(",")]
        if isinstance(value, list | tuple):
            return tuple(dict.fromkeys(name for name in value if name))  # drop blanks, repeats
        return value

    @field_validator("event_subscribers")
    @classmethod
    def _known_subscribers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(KNOWN_SUBSCRIBERS))
        if unknown:
            raise ValueError(f"unknown services {unknown}; choose from {KNOWN_SUBSCRIBERS}")
        return value

    @field_validator("jwt_private_key_file", "jwt_previous_public_keys_file", mode="before")
    @classmethod
    def _empty_path_is_none(cls, value: Any) -> Any:
        # `NESTEGG_…_FILE=` (as in .env.example) means "no file", not the current directory.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("outbox_backoff_max_s")
    @classmethod
    def _cap_above_base(cls, value: float, info: ValidationInfo) -> float:
        base = info.data.get("outbox_backoff_base_s")
        if base is not None and value < base:
            raise ValueError("must be at least outbox_backoff_base_s")
        return value

    @property
    def port(self) -> int:
        """Return `NESTEGG_ACCOUNTS_PORT`."""
        return self.accounts_port

    @property
    def database_name(self) -> str:
        """Return `NESTEGG_ACCOUNTS_DATABASE`."""
        return self.accounts_database

    def previous_public_keys_pem(self) -> bytes:
        """Return the PEM bundle of previous public keys, inline and from the file."""
        from_file = (
            b""
            if self.jwt_previous_public_keys_file is None
            else self.jwt_previous_public_keys_file.read_bytes()
        )
        return self.jwt_previous_public_keys.encode() + b"\n" + from_file

    def subscriber_urls(self) -> dict[str, str]:
        """Return the base URL of each subscribing service, by name."""
        urls = {
            "ledger": self.ledger_url,
            "projections": self.projections_url,
            "gateway": self.gateway_url,
        }
        return {name: urls[name].rstrip("/") for name in self.event_subscribers}
