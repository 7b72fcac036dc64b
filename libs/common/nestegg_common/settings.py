"""Read each process's configuration from `NESTEGG_*` environment variables, once."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """Settings every process reads; each process extends this with its own."""

    model_config = SettingsConfigDict(
        env_prefix="NESTEGG_", extra="ignore", populate_by_name=True, frozen=True
    )

    host: str = "127.0.0.1"
    # Let several copies of a process listen on one port (Linux SO_REUSEPORT; the kernel spreads
    # connections between them): worker processes on one machine, each a full replica.
    reuse_port: bool = False
    log_level: str = "INFO"
    log_format: str = Field("json", pattern="^(json|text)$")
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    jwt_issuer: str = "nestegg-accounts"
    jwt_audience: str = "nestegg"
    # How long a verifier trusts its copy of accounts' JWKS; a key removed from the JWKS is
    # refused at most this long afterwards (docs/OPERATIONS.md, Rotating the signing key).
    jwks_cache_ttl_s: float = Field(300.0, ge=1, le=3600)
    # How often a process re-reads accounts' recent erasures: the longest an erased user's token
    # may still pass at a replica that did not receive the user.deleted push itself
    # (docs/ARCHITECTURE.md, Erasure).
    erased_users_poll_s: float = Field(5.0, gt=0, le=300)
    accounts_url: str = "http://127.0.0.1:8081"
    internal_token: SecretStr = SecretStr("")
    # How long a client may take to send a request (docs/OPERATIONS.md, Timeouts): its head once
    # the first byte arrived, its body once the head did; and how long an idle kept-alive
    # connection stays open. Past either read deadline the answer is 408 and the connection ends.
    header_timeout_s: float = Field(10.0, gt=0, le=300)
    body_timeout_s: float = Field(30.0, gt=0, le=3600)
    idle_timeout_s: float = Field(75.0, gt=0, le=3600)
    upstream_connect_timeout_s: float = Field(2.0, gt=0)
    upstream_timeout_s: float = Field(10.0, gt=0)
    # Where spans go (docs/OPERATIONS.md, Observability); OTLP reads the standard OTEL_* variables.
    otel_exporter: str = Field("none", pattern="^(none|console|otlp|file)$")
    otel_file: Path | None = None
    # Strict-Transport-Security max-age; 0 (default) sends none, for plain-HTTP local runs.
    hsts_max_age_s: int = Field(0, ge=0, le=2 * 365 * 24 * 3600)


class ServiceSettings(CommonSettings):
    """Settings of a process that owns a database."""

    database_url: str = ""
    db_pool_min: int = Field(1, ge=0)
    db_pool_max: int = Field(10, ge=1)
    db_command_timeout_s: float = Field(10.0, gt=0)
    slow_query_ms: float = Field(200.0, ge=0)

    pagination_secret: SecretStr = SecretStr("")

    def cursor_secret(self) -> str:
        """Return the key pagination cursors are signed with (the internal token if unset)."""
        secret = self.pagination_secret.get_secret_value() or self.internal_token.get_secret_value()
        if not secret:
            raise RuntimeError(
                "Set NESTEGG_PAGINATION_SECRET or NESTEGG_INTERNAL_TOKEN to sign cursors"
            )
        return secret

    @property
    def port(self) -> int:
        """Return the port this process listens on; each service names its own variable."""
        raise NotImplementedError

    @property
    def database_name(self) -> str:
        """Return this service's database name; each service names its own variable."""
        raise NotImplementedError

    def database_dsn(self) -> str:
        """Return the URL of this service's own database on the configured server."""
        if not self.database_url:
            raise RuntimeError(
                "NESTEGG_DATABASE_URL is not set: point it at a PostgreSQL server "
                "(any database name; the service uses its own), or start everything with `make run`"
            )
        return with_database(self.database_url, self.database_name)


def with_database(server_url: str, database: str) -> str:
    """Return `server_url` with its database name replaced by `database`."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))
