"""Settings shared by every service; each service adds its own under `LOKET_<SERVICE>_…`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from loket.contracts.topology import DEFAULT_DELIVERY_LIMIT


class ServiceSettings(BaseSettings):
    """Read from the environment with the prefix `LOKET_`.

    A subclass sets `database_url` and `port` with the service's own variable names
    (`LOKET_IDENTITY_DATABASE_URL`, `LOKET_IDENTITY_PORT`), so five services on one machine never
    share a database by accident.
    """

    model_config = SettingsConfigDict(env_prefix="LOKET_", extra="ignore")

    region: str = Field(default="demo", description="The region this instance serves.")
    broker_url: str = Field(default="amqp://guest:guest@127.0.0.1:5672/", description="RabbitMQ.")
    var_dir: Path = Field(default=Path("var"), description="Where the embedded SQLite files live.")
    host: str = "127.0.0.1"
    delivery_limit: int = Field(
        default=DEFAULT_DELIVERY_LIMIT,
        ge=1,
        description="Deliveries before a failing event is dead-lettered; the same for all services.",
    )
    prefetch: int = Field(default=10, ge=1, description="Events one process handles at once.")
    retry_transient_for: float = Field(
        default=300.0,
        ge=0,
        description=(
            "Seconds a handler that fails because the database or the broker is away is tried again in-process "
            "(0.5 s pause, doubling, at most 10 s) before the failure counts against the delivery limit."
        ),
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="The lowest level logged."
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="JSON lines for a log collector, or text for a person (`make up`)."
    )
    relay_poll_interval: float = Field(default=1.0, gt=0, description="Seconds between outbox polls.")
    relay_backoff_cap: float = Field(default=30.0, gt=0, description="Longest wait between retries.")
    outbox_retention_hours: float = Field(default=24.0, gt=0, description="How long sent events are kept.")

    identity_url: str = Field(
        default="http://127.0.0.1:8001",
        description="Where this service fetches identity's public keys (`/.well-known/jwks.json`).",
    )
    token_issuer: str | None = Field(
        default=None, description="The `iss` of identity's tokens: identity's public URL; default identity_url."
    )

    api_docs: bool = Field(
        default=True,
        description="Serve Swagger UI at /docs (from the service itself); the region overlays turn it off.",
    )

    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="The port of /metrics for Prometheus, apart from the service's own (off when unset).",
    )

    database_url: str | None = None
    port: int = 8000
