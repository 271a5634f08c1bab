"""Configuration from the environment (``MARSAD_`` prefix), validated at start.

Every worker and command builds one :class:`Settings`; an invalid value stops it with a
one-line message naming the variable (see :func:`describe_error`), never a traceback.

Limits on input (documented defaults):

``MARSAD_MAX_ARTICLE_CHARS`` (200 000)
    Largest article text, in characters, the normaliser accepts; larger ones are
    dead-lettered as ``ArticleTooLarge:too_large``. Same default as the offline path.
``MARSAD_MAX_MESSAGE_BYTES`` (1 000 000)
    Largest raw message value, in bytes, the normaliser decodes at all; larger ones are
    dead-lettered before parsing. Every dead letter keeps at most this many bytes of its
    payload (``details.payload_truncated`` says when it was cut).
``MARSAD_PROCESSING_BUDGET`` (10)
    Seconds of CPU one stage may spend on one article; past it the article is
    dead-lettered as ``OverBudget:over_budget`` and the partition moves on.
``MARSAD_MAX_RECORD_BYTES`` (8 000 000)
    Largest record a worker produces, fetches, or (between stages) decodes. Records
    between stages are several times their article: a 200 000-character article makes
    records of 1.1-1.4 MB, so keep this well above 1.5 MB, and at or below the broker's
    ``message.max.bytes``. An output the producer or broker refuses as too large is
    dead-lettered (with the stage's input), not retried.

Numbers must be finite and within documented bounds (no ``inf``/``nan``; durations at most
a day), and ``MARSAD_WEB_HOST`` and the broker hosts must be IP addresses or DNS host names:
anything else stops the command with one line naming the variable.

Group timing: the defaults suit a Kafka cluster (whose brokers refuse sessions under
6 s). The embedded broker (Tansu) waits ``session_timeout / 2`` before completing every
join, so :class:`streams.tools.runner.LocalPipeline` runs its workers with a 3 s session and
a 0.5 s heartbeat, and a 10 ms ``fetch_max_wait_ms`` (Tansu does not wake a waiting
fetch when data arrives). ``max_poll_interval`` must stay well above ``session_timeout / 2``:
aiokafka leaves the group when its fetcher idles that long, and it idles during joins.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "MARSAD_"

#: One DNS label: letters, digits and inner hyphens (RFC 1123), 1-63 characters; underscores too,
#: which resolvers accept and container names use (``kafka_1``).
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")


def valid_host(value: str) -> bool:
    """True for an IPv4/IPv6 address or a DNS host name (what a server can bind or a client resolve)."""
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        pass
    name = value[:-1] if value.endswith(".") else value
    return 0 < len(name) <= 253 and all(_LABEL.match(label) for label in name.split("."))


class Settings(BaseSettings):
    """Every knob of a worker or command; secrets only ever come from the environment."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    broker: str = "kafka://localhost:9092"
    partitions: int = Field(default=6, ge=1, le=1024)
    replication_factor: int = Field(default=1, ge=1, le=16)
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=6066, ge=0, le=65535)
    web_enabled: bool = True
    data_dir: Path = Path("./marsad-data")
    #: The embedded store's DuckDB file (default: ``<data_dir>/marsad.duckdb``).
    store: Path | None = None
    #: Largest article accepted, in characters (bigger ones are dead-lettered).
    max_article_chars: int = Field(default=200_000, ge=1_000, le=100_000_000)
    #: Largest message value accepted, in bytes, before decoding.
    max_message_bytes: int = Field(default=1_000_000, ge=10_000, le=1_000_000_000)
    #: Largest record produced or fetched, in bytes (Faust producer_max_request_size).
    max_record_bytes: int = Field(default=8_000_000, ge=10_000, le=2_000_000_000)
    #: Seconds of CPU one stage may spend on one article before it is dead-lettered
    #: (``OverBudget:over_budget``); 0 turns the budget off. Keep it under the poll interval.
    processing_budget: float = Field(default=10.0, ge=0, le=3600, allow_inf_nan=False)
    #: After this many seconds of rebalancing, or of input waiting untouched, /healthz says 503.
    stall_seconds: float = Field(default=120.0, gt=0, le=86_400, allow_inf_nan=False)
    #: Appended to the pipeline version (``<version>+kb.<hash>.<tag>``): set it to re-publish
    #: history under a new version after ``marsad reprocess`` (see streams.runtime.agent).
    pipeline_tag: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    #: Model backends (``package.module:factory``, comma-separated) that add entities,
    #: and one that scores stance, blended at ``stance_weight``; none by default.
    entity_backends: str = ""
    stance_backend: str | None = None
    stance_weight: float = Field(default=0.5, ge=0.0, le=1.0, allow_inf_nan=False)
    log_level: Literal["debug", "info", "warn", "error", "crit"] = "warn"
    #: How long the fetcher may idle before aiokafka leaves the group (seconds).
    max_poll_interval: float = Field(default=30.0, gt=0, le=86_400, allow_inf_nan=False)
    session_timeout: float = Field(default=10.0, gt=0, le=3600, allow_inf_nan=False)
    heartbeat_interval: float = Field(default=1.0, gt=0, le=1200, allow_inf_nan=False)
    #: How long the coordinator waits for members to rejoin during a rebalance (seconds).
    rebalance_timeout: float = Field(default=60.0, gt=0, le=3600, allow_inf_nan=False)
    commit_interval: float = Field(default=1.0, gt=0, le=3600, allow_inf_nan=False)
    #: Most inputs a stage agent takes at once: handled one by one, their outputs handed to
    #: the producer together (few produce requests), each acknowledged once its outputs are.
    batch_max: int = Field(default=100, ge=1, le=10_000)
    #: Most bytes of records to one partition the producer puts in one batch (Faust's
    #: producer_max_batch_size; never more than max_record_bytes). At aiokafka's 16 KiB
    #: every article record (9 to 25 KB) went in a batch of its own: one record per
    #: partition per produce request. A broker refuses a batch over its message.max.bytes
    #: (1 MiB by default on Kafka).
    producer_batch_bytes: int = Field(default=524_288, ge=16_384, le=100_000_000)
    #: How long a worker's fetch may wait at the broker for data (ms). Kafka answers a
    #: waiting fetch as soon as data arrives, so there this only paces idle polling;
    #: the embedded broker answers at the deadline, so there it is added to every hop.
    fetch_max_wait_ms: int = Field(default=500, ge=1, le=30_000)
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    #: Client certificate and key for mutual TLS (both or neither).
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_check_hostname: bool = True

    @field_validator("pipeline_tag", mode="before")
    @classmethod
    def _no_tag(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("stance_backend", mode="before")
    @classmethod
    def _no_backend(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("web_host")
    @classmethod
    def _web_host(cls, value: str) -> str:
        if not valid_host(value):
            raise ValueError(f"must be an IP address or a host name (e.g. 127.0.0.1, 0.0.0.0, ::, localhost), got {value!r}")
        return value

    @field_validator("broker")
    @classmethod
    def _broker_url(cls, value: str) -> str:
        urls = value.split(";") if ";" in value else value.split(",")
        for url in urls:
            url = url.strip()
            if not url:
                raise ValueError("is empty (want kafka://host:port[,kafka://host:port...])")
            if "://" in url and not url.startswith("kafka://"):
                raise ValueError(f"must use kafka://host:port, got {url!r}")
            host, colon, port = url.removeprefix("kafka://").rpartition(":")
            if not colon:
                host, port = port, "9092"
            if not valid_host(host.removeprefix("[").removesuffix("]")) or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"must be kafka://host:port, got {url!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.security_protocol.startswith("SASL") and not (self.sasl_username and self.sasl_password):
            raise ValueError("SASL needs MARSAD_SASL_USERNAME and MARSAD_SASL_PASSWORD")
        for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"MARSAD_{name.upper()} {path} does not exist")
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise ValueError("mutual TLS needs both MARSAD_SSL_CERTFILE and MARSAD_SSL_KEYFILE")
        if self.heartbeat_interval * 3 > self.session_timeout:
            raise ValueError(
                f"MARSAD_HEARTBEAT_INTERVAL ({self.heartbeat_interval}) must be at most a third of "
                f"MARSAD_SESSION_TIMEOUT ({self.session_timeout})"
            )
        if self.max_poll_interval <= self.session_timeout:
            raise ValueError(
                f"MARSAD_MAX_POLL_INTERVAL ({self.max_poll_interval}) must exceed "
                f"MARSAD_SESSION_TIMEOUT ({self.session_timeout}): a worker idles during group joins"
            )
        if self.processing_budget >= self.max_poll_interval:
            raise ValueError(
                f"MARSAD_PROCESSING_BUDGET ({self.processing_budget}) must be under "
                f"MARSAD_MAX_POLL_INTERVAL ({self.max_poll_interval}): past it the worker leaves its group"
            )
        if self.max_record_bytes <= self.max_message_bytes:
            raise ValueError(
                f"MARSAD_MAX_RECORD_BYTES ({self.max_record_bytes}) must exceed "
                f"MARSAD_MAX_MESSAGE_BYTES ({self.max_message_bytes}): dead letters carry the payload"
            )
        return self

    def bootstrap_servers(self) -> list[str]:
        """``host:port`` list for plain Kafka clients (aiokafka, librdkafka)."""
        urls = self.broker.split(";") if ";" in self.broker else self.broker.split(",")
        servers = [url.strip().removeprefix("kafka://") for url in urls if url.strip()]
        return [server if ":" in server else f"{server}:9092" for server in servers]

    def faust_broker(self) -> str:
        """The broker URL list as Faust wants it (``;``-separated)."""
        return ";".join(f"kafka://{server}" for server in self.bootstrap_servers())

    def entity_backend_paths(self) -> list[str]:
        return [path.strip() for path in self.entity_backends.split(",") if path.strip()]

    def pipeline_version(self, base: str) -> str:
        """``base`` (code + knowledge version) with the configured tag appended."""
        return f"{base}.{self.pipeline_tag}" if self.pipeline_tag else base


def describe_error(error: ValidationError) -> str:
    """One line per problem, naming the environment variable: ``MARSAD_BROKER: must use ...``."""
    lines = []
    for issue in error.errors():
        loc = ".".join(str(part) for part in issue["loc"])
        name = f"{ENV_PREFIX}{loc.upper()}" if loc else "configuration"
        message = str(issue["msg"]).removeprefix("Value error, ")
        lines.append(f"{name}: {message}")
    return "; ".join(lines)


def unknown_variables(environ: dict[str, str] | None = None) -> list[str]:
    """``MARSAD_*`` variables no setting reads, each with a suggestion when one is close."""
    environ = dict(os.environ) if environ is None else environ
    known = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    problems = []
    for name in sorted(environ):
        if name.startswith(ENV_PREFIX) and name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
            problems.append(f"{name} is not a Marsad setting" + (f" (did you mean {close[0]}?)" if close else ""))
    return problems
