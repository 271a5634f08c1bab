"""Configuration from the environment (``MARSAD_`` prefix), validated at start."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of a worker or command; secrets only ever come from the environment."""

    model_config = SettingsConfigDict(env_prefix="MARSAD_", extra="ignore")

    broker: str = "kafka://localhost:9092"
    partitions: int = Field(default=6, ge=1, le=1024)
    replication_factor: int = Field(default=1, ge=1, le=16)
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=6066, ge=0, le=65535)
    web_enabled: bool = True
    data_dir: Path = Path("./marsad-data")
    #: Largest article accepted, in characters (bigger ones are dead-lettered).
    max_article_chars: int = Field(default=200_000, ge=1_000)
    #: Largest message value accepted, in bytes, before decoding.
    max_message_bytes: int = Field(default=1_000_000, ge=10_000)
    log_level: Literal["debug", "info", "warn", "error", "crit"] = "warn"
    #: How long a worker may go between polls before the group drops it (seconds).
    max_poll_interval: float = Field(default=3.0, gt=0)
    session_timeout: float = Field(default=10.0, gt=0)
    heartbeat_interval: float = Field(default=1.0, gt=0)
    commit_interval: float = Field(default=1.0, gt=0)
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None

    @field_validator("broker")
    @classmethod
    def _broker_url(cls, value: str) -> str:
        for url in value.split(";") if ";" in value else value.split(","):
            url = url.strip()
            if not url:
                raise ValueError("MARSAD_BROKER is empty")
            if "://" in url and not url.startswith("kafka://"):
                raise ValueError(f"MARSAD_BROKER must use kafka://host:port, got {url!r}")
        return value

    @model_validator(mode="after")
    def _security(self) -> Settings:
        if self.security_protocol.startswith("SASL") and not (self.sasl_username and self.sasl_password):
            raise ValueError("SASL needs MARSAD_SASL_USERNAME and MARSAD_SASL_PASSWORD")
        if self.ssl_cafile is not None and not self.ssl_cafile.is_file():
            raise ValueError(f"MARSAD_SSL_CAFILE {self.ssl_cafile} does not exist")
        return self

    def bootstrap_servers(self) -> list[str]:
        """``host:port`` list for plain Kafka clients (aiokafka, librdkafka)."""
        return [url.strip().removeprefix("kafka://") for url in self.broker.split(",") if url.strip()]
